package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// TestBrowserNewFirm is a firm's first day on a phone: the operator runs
// create-firm, its admin signs in, adds a client with a texting number,
// opens a matter for them, writes a note and invites them to the portal;
// the client signs in and sees the matter. Every page must fit the phone,
// with no JavaScript or CSP error.
func TestBrowserNewFirm(t *testing.T) {
	t.Parallel()
	requireChromium(t)

	portalURL, smtp, _, cli := startPortalCLI(t, nil)
	cli("create-firm", "--name", "Ada & Byron LLP", "--admin-email", "ada@byron.test", "--admin-name", "Ada Lovelace", "--time-zone", "Europe/London")

	b := newBrowser(t, 3*time.Minute)
	defer func() {
		if t.Failed() {
			b.screenshot("failure")
		}
	}()
	b.signInTo(portalURL, smtp, "ada@byron.test", "Ada & Byron LLP", `a[href="/staff/contacts"]`)

	b.step("a new contact", 20*time.Second,
		chromedp.Navigate(portalURL+"/staff/contacts/new"),
		chromedp.WaitVisible(chromedp.ID("first_name")),
		chromedp.SendKeys(chromedp.ID("first_name"), "Grace"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Hopper"),
		chromedp.SendKeys(chromedp.ID("email-0"), "grace@navy.test"),
		chromedp.SendKeys(chromedp.ID("phone-0"), "(415) 555-0142"),
		chromedp.Click(chromedp.CSS(`input[name=phone_texting][value="0"]`)),
	)
	b.fitsPhone()
	b.screenshot("1-new-contact")
	b.step("save it", 20*time.Second,
		chromedp.Tap(chromedp.CSS(`#contact-form button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.CSS(`#matters a.button`)),
	)
	assert.Regexp(t, regexp.MustCompile(`^/staff/contacts/\d+$`), b.location().Path)
	assert.Equal(t, "Grace Hopper", b.text("h1"))
	assert.Contains(t, b.text("#details"), "(415) 555-0142")
	assert.Contains(t, b.text("#details"), "Texting number")
	assert.Contains(t, b.text(".audit"), "Added by Ada Lovelace")
	b.fitsPhone()
	b.screenshot("2-contact")

	b.step("open a matter for her", 20*time.Second,
		chromedp.Tap(chromedp.CSS(`#matters a.button`)),
		chromedp.WaitVisible(chromedp.ID("description")),
		chromedp.SendKeys(chromedp.ID("description"), "Hopper v. Navy (pension)"),
		chromedp.SendKeys(chromedp.ID("location"), "Main office"),
	)
	assert.Contains(t, b.text("#client"), "Grace Hopper", "the client comes chosen")
	b.fitsPhone()
	b.screenshot("3-new-matter")
	b.step("save the matter", 20*time.Second,
		chromedp.Tap(chromedp.CSS(`#matter-form button[type=submit]:not([name])`)),
		chromedp.WaitVisible(chromedp.ID("details")),
	)
	assert.Regexp(t, regexp.MustCompile(`^/staff/matters/\d+$`), b.location().Path)
	assert.Equal(t, "00001-Hopper · Hopper v. Navy (pension)", b.text("h1"), "the firm's first matter")
	assert.Contains(t, b.text("#details"), "Main office")

	b.step("add a note", 20*time.Second,
		chromedp.WaitVisible(chromedp.ID("note-body")),
		chromedp.SendKeys(chromedp.ID("subject"), "Intake call"),
		chromedp.SendKeys(chromedp.ID("note-body"), "Prefers texts. Records at https://example.com/records"),
		chromedp.Tap(chromedp.CSS(`#notes button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notes li.note`)),
	)
	note := b.text(`#notes li.note`)
	assert.Contains(t, note, "Intake call")
	assert.Contains(t, note, "Ada Lovelace")
	assert.True(t, b.eval(`document.querySelector('#notes li.note a[href="https://example.com/records"]') !== null`), "the link is a link")

	b.step("invite her to the portal", 20*time.Second,
		chromedp.Tap(chromedp.CSS(`#portal-access button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#invite-result *`)),
	)
	b.fitsPhone()
	b.screenshot("4-matter")
	b.checkConsole()

	// The client signs in from the invitation and sees the matter.
	mail := smtp.WaitFor(t, "grace@navy.test", 30*time.Second)
	assert.Contains(t, mail.Subject, "Ada & Byron LLP")
	link := regexp.MustCompile(regexp.QuoteMeta(portalURL) + `/login/link/[A-Za-z0-9_-]+`).FindString(mail.Body)
	if !assert.NotEmpty(t, link, "no link in the invitation:\n%s", mail.Body) {
		return
	}
	client := newBrowser(t, time.Minute)
	client.step("open the invitation", 20*time.Second,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("continue")),
		chromedp.Tap(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.CSS(`main a[href^="/portal/matters/"]`)),
	)
	assert.Contains(t, client.text("main"), "Hopper v. Navy (pension)")
	client.fitsPhone()
	client.screenshot("5-client")
	client.checkConsole()
}
