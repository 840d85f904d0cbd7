package e2e

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

// TestBrowserStaffCalendar is a firm user planning an event on a phone,
// through the real portal and worker with the demo firm's texting on:
// open the new-event form from the matter, invite the client with Notify
// via text, land on the event page (no answer yet, the invitation and the
// reminder planned), and see the event in the week view. Every page must
// fit the phone's width.
func TestBrowserStaffCalendar(t *testing.T) {
	t.Parallel()
	requireChromium(t)

	portalURL, smtp, dbURL := startTextingPortal(t)
	gdb := testkit.DBAt(t, dbURL)
	var clientID, matterID int64
	require.NoError(t, gdb.Raw(`SELECT contact_id FROM contact_phone_numbers WHERE number = ?`, seed.DemoClientPhone).Scan(&clientID).Error)
	require.NoError(t, gdb.Raw(`SELECT id FROM matters WHERE client_contact_id = ?`, clientID).Scan(&matterID).Error)
	require.NotZero(t, matterID)

	b := newBrowser(t, 90*time.Second)
	defer func() {
		if t.Failed() {
			b.screenshot("failure")
		}
	}()
	b.signIn(portalURL, smtp, seed.DemoAdminEmail, `a[href="/staff/calendar"]`)

	b.step("open the new-event form", 15*time.Second,
		chromedp.Navigate(fmt.Sprintf("%s/staff/calendar/new?matter=%d", portalURL, matterID)),
		chromedp.WaitVisible(chromedp.ID("title")),
	)
	assert.Contains(t, b.text(fmt.Sprintf("#contact-%d", clientID)), "Casey Client", "the matter's client is offered")
	b.fitsPhone()
	b.screenshot("1-new-event")

	day := time.Now().AddDate(0, 0, 3)
	date := day.Format("2006-01-02")
	contact, notify := fmt.Sprintf(`input[name=contact][value="%d"]`, clientID), fmt.Sprintf(`input[name=notify][value="%d"]`, clientID)
	b.step("create the event", 20*time.Second,
		chromedp.SendKeys(chromedp.ID("title"), "Settlement conference"),
		chromedp.SetValue(chromedp.ID("start"), date+"T14:00"),
		chromedp.SetValue(chromedp.ID("end"), date+"T15:00"),
		chromedp.SendKeys(chromedp.ID("location"), "Courthouse, room 4"),
		chromedp.Click(chromedp.CSS(contact)),
		chromedp.Click(chromedp.CSS(notify)),
		chromedp.Tap(chromedp.CSS(`form.event-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("attendees")),
	)
	assert.Regexp(t, regexp.MustCompile(`^/staff/calendar/events/\d+$`), b.location().Path)
	assert.Equal(t, "Settlement conference", b.text("h1"))
	attendee := b.text(`#attendees li[data-answer]`)
	assert.Contains(t, attendee, "Casey Client")
	assert.Contains(t, attendee, "No answer yet")
	assert.Contains(t, attendee, "Notify via text: yes")
	assert.Contains(t, attendee, "Reminder: planned for", "the demo firm reminds a day before")
	assert.Contains(t, b.text(`#texts tr[data-kind="created"]`), "Invitation")
	b.fitsPhone()
	b.screenshot("2-event")

	b.step("the week view", 15*time.Second,
		chromedp.Navigate(portalURL+"/staff/calendar?view=week&date="+date),
		chromedp.WaitVisible(chromedp.CSS(".cal-event")),
	)
	assert.Contains(t, b.text(".cal-event"), "Settlement conference")
	b.fitsPhone()
	b.screenshot("3-week")

	b.checkConsole()
}

// startTextingPortal is startPortal with the demo firm's texting on,
// through a carrier address where nothing listens: these tests are about
// the pages, and the worker's sends simply fail there.
func startTextingPortal(t *testing.T) (string, *testkit.SMTPServer, string) {
	t.Helper()
	return startPortal(t, map[string]string{
		"TEXTING_NUMBERS":    "twilio:+18885550100",
		"TWILIO_ACCOUNT_SID": "AC0123456789abcdef0123456789abcdef",
		"TWILIO_AUTH_TOKEN":  "e2e-token",
		"TWILIO_API_URL":     "http://" + testkit.FreeAddr(t),
	})
}
