package texte2e

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
)

// daytimeZone is a fixed-offset zone where it is now about noon. Calendar
// texts wait out quiet hours (21:00–08:00 in the firm's zone), and this
// test runs at any hour, so it moves the firm to where it is day.
func daytimeZone(now time.Time) string {
	offset := 12 - now.UTC().Hour() // hours east of UTC; -11..12
	if offset == 0 {
		return "Etc/GMT"
	}
	// Etc/GMT signs are inverted: Etc/GMT-3 is three hours east of UTC.
	return fmt.Sprintf("Etc/GMT%+d", -offset)
}

// TestCalendarByTextWholePath runs the scenario through the real
// programs: a firm user creates an event for the demo client with Notify
// via text, the simulated phone receives the invitation, replies "y"
// (phone → carrier simulator → gateway → worker), and the event page shows
// the client Confirmed, with the acknowledgement on the phone and the
// reminder planned.
func TestCalendarByTextWholePath(t *testing.T) {
	t.Parallel()
	st := startStack(t)
	zone := daytimeZone(time.Now())
	loc, err := time.LoadLocation(zone)
	require.NoError(t, err)
	require.NoError(t, st.db.Exec(`UPDATE firms SET time_zone = ?, reminder_days = 1 WHERE id = ?`, zone, st.firmID).Error)

	staff := signIn(t, st.portalURL, st.smtp, seed.DemoAdminEmail)
	form := getPage(t, staff, fmt.Sprintf("%s/staff/calendar/new?matter=%d", st.portalURL, st.matterID))
	assert.Contains(t, form, "Notify via text")

	day := time.Now().In(loc).AddDate(0, 0, 3)
	start := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, loc)
	const title = "Settlement conference"
	client := strconv.FormatInt(st.clientID, 10)
	resp := postForm(t, staff, st.portalURL+"/staff/calendar/events", url.Values{
		"_csrf":    {csrfOf(t, form)},
		"title":    {title},
		"start":    {start.Format("2006-01-02T15:04")},
		"end":      {start.Add(time.Hour).Format("2006-01-02T15:04")},
		"location": {"Courthouse, room 4"},
		"matter":   {strconv.FormatInt(st.matterID, 10)},
		"contact":  {client},
		"notify":   {client},
	})
	require.Equal(t, http.StatusOK, resp.status, "creating the event: %s", resp.body)
	m := regexp.MustCompile(`/staff/calendar/events/(\d+)$`).FindStringSubmatch(resp.url)
	require.NotNil(t, m, "created, landed on %s", resp.url)
	eventURL := resp.url
	assert.Contains(t, resp.body, "No answer yet")

	var invitation string
	eventually(t, 30*time.Second, "the invitation on the phone", func() string {
		for _, msg := range phoneMessages(t, st.simURL, seed.DemoClientPhone).Messages {
			if msg.Direction == "outbound-api" && strings.Contains(msg.Body, "invited to "+title) {
				invitation = msg.Body
				return ""
			}
		}
		return "not on the phone yet"
	})
	assert.Contains(t, invitation, "Demo Law LLP", "the firm's name")
	assert.Contains(t, invitation, "Reply Y to confirm or N to decline")
	assert.Contains(t, invitation, start.Format("Mon, Jan 2, 3:04 PM"), "the time in the firm's zone")

	phoneSend(t, st.simURL, seed.DemoClientPhone, "y", nil)
	eventually(t, 30*time.Second, "the client confirmed on the event page", func() string {
		page := getPage(t, staff, eventURL)
		if !regexp.MustCompile(`data-answer="confirmed"`).MatchString(page) {
			return "no confirmed attendee yet"
		}
		if !strings.Contains(page, "Confirmed") {
			return "the page does not say Confirmed"
		}
		return ""
	})
	eventually(t, 30*time.Second, "the acknowledgement on the phone", func() string {
		for _, msg := range phoneMessages(t, st.simURL, seed.DemoClientPhone).Messages {
			if msg.Direction == "outbound-api" && strings.Contains(msg.Body, "Confirmed for "+title) {
				return ""
			}
		}
		return "no acknowledgement yet"
	})

	page := getPage(t, staff, eventURL)
	reminderAt := time.Date(day.Year(), day.Month(), day.Day()-1, 10, 0, 0, 0, loc)
	var planned int64
	require.NoError(t, st.db.Raw(`SELECT count(*) FROM event_notifications WHERE event_id = ? AND kind = 'reminder'
		AND status = 'planned' AND send_at = ?`, m[1], reminderAt).Scan(&planned).Error)
	assert.EqualValues(t, 1, planned, "a reminder planned for 10:00 the day before")
	assert.Contains(t, strings.ToLower(page), "reminder", "the event page shows the reminder")

	// The reply is in the client's conversation for staff to read.
	thread := getPage(t, staff, fmt.Sprintf("%s/staff/texts/contacts/%d", st.portalURL, st.clientID))
	assert.Contains(t, thread, invitation)
}

func TestDaytimeZone(t *testing.T) {
	for h := range 24 {
		now := time.Date(2026, 11, 23, h, 17, 0, 0, time.UTC)
		loc, err := time.LoadLocation(daytimeZone(now))
		require.NoError(t, err, "hour %d", h)
		assert.Equal(t, 12, now.In(loc).Hour(), "hour %d", h)
	}
}
