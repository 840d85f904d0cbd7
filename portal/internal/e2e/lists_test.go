package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

// TestBrowserLongLists is a firm user on a phone with more contacts than a
// page holds: the list shows one page and loads the next in place with
// "Show more" until the end; the search narrows it as they type; and the
// new-text form finds a contact by typing, not from a list of everyone.
func TestBrowserLongLists(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	portalURL, smtp, dbURL := startTextingPortal(t)
	gdb := testkit.DBAt(t, dbURL)
	var before int
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM contacts c JOIN firms f ON f.id = c.firm_id WHERE f.slug = ?`,
		seed.DemoFirmSlug).Scan(&before).Error)
	require.NoError(t, gdb.Exec(`INSERT INTO contacts (firm_id, first_name, last_name)
		SELECT f.id, 'Avery', 'List ' || lpad(i::text, 3, '0') FROM firms f, generate_series(1, 120) i
		WHERE f.slug = ?`, seed.DemoFirmSlug).Error)
	total := before + 120

	b := newBrowser(t, 120*time.Second)
	defer func() {
		if t.Failed() {
			b.screenshot("failure")
		}
	}()
	b.signIn(portalURL, smtp, seed.DemoAdminEmail, `a[href="/staff/contacts"]`)

	const rows = `document.querySelectorAll('#contact-list tbody tr:not(.more)').length`
	b.step("open the contacts", 15*time.Second,
		chromedp.Navigate(portalURL+"/staff/contacts"),
		chromedp.WaitVisible(chromedp.CSS(`#contact-list a.more`)),
	)
	assert.True(t, b.eval(rows+` === 50`), "one page")
	b.fitsPhone()
	b.screenshot("1-contacts")

	for _, want := range []int{100, total} {
		b.step(fmt.Sprintf("show more, to %d", want), 15*time.Second,
			chromedp.Tap(chromedp.CSS(`#contact-list a.more`)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf(`%s === %d`, rows, want), chromedp.WithPollingInterval(50*time.Millisecond)),
		)
	}
	assert.True(t, b.eval(`document.querySelector('#contact-list a.more') === null`), "the end of the list")
	assert.True(t, b.eval(`new Set([...document.querySelectorAll('#contact-list tbody a')].map(a => a.href)).size === `+fmt.Sprint(total)),
		"every contact once")
	assert.Equal(t, "/staff/contacts", b.location().Path)

	b.step("search as they type", 15*time.Second,
		chromedp.SendKeys(chromedp.ID("contact-q"), "avery list 11"),
		chromedp.Poll[chromedp.Void](rows+` === 10`, chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	assert.Contains(t, b.text(`#contact-list tbody tr`), "Avery List 110")
	assert.Equal(t, "avery list 11", b.location().Query().Get("q"), "the search is in the address, for back and reload")
	b.fitsPhone()
	b.screenshot("2-search")

	b.step("find a contact for a new text", 15*time.Second,
		chromedp.Navigate(portalURL+"/staff/texts/new"),
		chromedp.WaitVisible(chromedp.ID("pick-contact")),
		chromedp.SendKeys(chromedp.ID("pick-contact"), "casey"),
		chromedp.WaitVisible(chromedp.CSS(`#found-contacts a`)),
	)
	assert.Equal(t, "Casey Client · (415) 555-0123", b.text(`#found-contacts a`))
	b.fitsPhone()
	b.screenshot("3-new-text-found")
	b.step("pick them", 15*time.Second,
		chromedp.Tap(chromedp.CSS(`#found-contacts a`)),
		chromedp.WaitVisible(chromedp.CSS(`#thread h2`)),
	)
	assert.Equal(t, "Casey Client", b.text(`#thread h2`))
	b.fitsPhone()
	b.screenshot("4-new-text")
	b.checkConsole()
}
