package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// TestBrowserAPIReference opens the API reference on a phone: Redoc
// renders the OpenAPI document the portal serves, under the page's
// policy, with no JavaScript error.
func TestBrowserAPIReference(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	portalURL, _, _ := startPortal(t, nil)
	b := newBrowser(t, 90*time.Second)
	defer func() {
		if t.Failed() {
			b.screenshot("failure")
		}
	}()
	b.step("open the API reference", 30*time.Second,
		chromedp.Navigate(portalURL+"/api/docs"),
		chromedp.Poll[chromedp.Void](`document.body.innerText.includes("Returns a paginated list of contacts")`,
			chromedp.WithPollingInterval(100*time.Millisecond)),
	)
	assert.True(t, b.eval(`document.body.innerText.includes("Authorization: Bearer")`), "the introduction")
	b.screenshot("api-reference")
	b.step("open GET /contacts", 10*time.Second,
		chromedp.Click(chromedp.CSS(`#operations-Contacts-listContacts .opblock-summary-control`)),
		chromedp.Poll[chromedp.Void](`document.body.innerText.includes("custom_action_nonce") && document.body.innerText.includes("page_token")`,
			chromedp.WithPollingInterval(100*time.Millisecond)),
	)
	b.screenshot("api-reference-contacts")
	b.checkConsole()
	b.keepScreenshots()
}
