package web

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
)

func TestParseLocalTime(t *testing.T) {
	t.Parallel()
	ny := calendar.Location("America/New_York")
	tests := []struct {
		name, raw string
		want      time.Time
		wantErr   bool
	}{
		{"datetime-local", "2026-12-07T14:00", time.Date(2026, 12, 7, 14, 0, 0, 0, ny), false},
		{"with seconds", "2026-12-07T14:00:30", time.Date(2026, 12, 7, 14, 0, 30, 0, ny), false},
		{"typed with a space", " 2026-12-07 09:05 ", time.Date(2026, 12, 7, 9, 5, 0, 0, ny), false},
		{"late evening stays on its day in the firm's zone", "2026-12-07T23:30", time.Date(2026, 12, 8, 4, 30, 0, 0, time.UTC), false},
		{"summer time", "2026-07-01T09:00", time.Date(2026, 7, 1, 13, 0, 0, 0, time.UTC), false},
		{"empty", "", time.Time{}, true},
		{"date only", "2026-12-07", time.Time{}, true},
		{"US order", "12/07/2026 2:00 PM", time.Time{}, true},
		{"no such day", "2026-02-30T10:00", time.Time{}, true},
		{"words", "tomorrow", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseLocalTime(tt.raw, ny)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "want %s, got %s", tt.want, got)
		})
	}
}

func TestEventFormInput(t *testing.T) {
	t.Parallel()
	ny := calendar.Location("America/New_York")
	base := eventForm{Title: "Prep", Start: "2026-12-07T14:00", End: "2026-12-07T15:00", MatterID: 4,
		UserOrder: []int64{1}, ContactOrder: []int64{5, 6}, Notify: map[int64]bool{6: true, 9: true}}
	in, err := base.input(ny)
	require.NoError(t, err)
	assert.Equal(t, []events.ContactAttendee{{ContactID: 5}, {ContactID: 6, NotifyText: true}}, in.Contacts,
		"notify counts only for an invited contact")
	assert.Equal(t, []int64{1}, in.UserIDs)
	assert.Equal(t, int64(4), in.MatterID)
	assert.True(t, in.Start.Equal(time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)))

	for name, f := range map[string]eventForm{
		"bad start": {Title: "x", Start: "soon", End: "2026-12-07T15:00"},
		"no end":    {Title: "x", Start: "2026-12-07T14:00"},
	} {
		_, err := f.input(ny)
		var invalid *store.InvalidError
		assert.True(t, errors.As(err, &invalid), name)
	}
}

func TestCalendarRange(t *testing.T) {
	t.Parallel()
	ny := calendar.Location("America/New_York")
	// 02:00 UTC on Thursday Dec 10 is still Wednesday Dec 9 in New York.
	now := time.Date(2026, 12, 10, 2, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, ny) }
	tests := []struct {
		name, view, date string
		wantView         string
		from             time.Time
		days             int
	}{
		{"default is this week, from Sunday", "", "", viewWeek, day(2026, 12, 6), 7},
		{"day today in the firm's zone", "day", "", viewDay, day(2026, 12, 9), 1},
		{"week of a date", "week", "2026-12-31", viewWeek, day(2026, 12, 27), 7},
		{"list from a date", "list", "2026-12-31", viewList, day(2026, 12, 31), listDays},
		{"unknown view", "month", "2026-12-31", viewWeek, day(2026, 12, 27), 7},
		{"bad date is today", "day", "2026-13-01", viewDay, day(2026, 12, 9), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := calendarRangeOf(tt.view, tt.date, now, ny)
			assert.Equal(t, tt.wantView, r.View)
			assert.True(t, tt.from.Equal(r.From), "from %s", r.From)
			assert.Equal(t, tt.days, r.Days)
		})
	}
	// A week across the start of daylight saving still has seven midnights.
	r := calendarRangeOf(viewWeek, "2027-03-14", now, ny)
	assert.Equal(t, day(2027, 3, 21), r.To())
	assert.Equal(t, day(2027, 3, 7), r.Shift(-1).From)
}

func TestCalendarDays(t *testing.T) {
	t.Parallel()
	ny := calendar.Location("America/New_York")
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, ny) }
	ev := func(id int64, start, end time.Time) events.EventRow {
		var r events.EventRow
		r.ID, r.StartsAt, r.EndsAt = id, start.UTC(), end.UTC()
		return r
	}
	events := []events.EventRow{
		ev(1, at(7, 23, 30), at(7, 23, 59)), // the next day in UTC
		ev(2, at(8, 22, 0), at(10, 9, 0)),   // three days
		ev(3, at(9, 12, 0), at(9, 12, 0)),   // no length
		ev(4, at(11, 23, 0), at(12, 0, 0)),  // ends at midnight
	}
	r := calendarRangeOf(viewWeek, "2026-12-07", at(7, 12, 0), ny)
	days := calendarDays(r, events, at(7, 12, 0))
	require.Len(t, days, 7)
	got := map[string][]string{}
	for _, d := range days {
		for _, e := range d.Events {
			got[d.ID()] = append(got[d.ID()], itoa(e.ID)+" "+e.Time)
		}
	}
	assert.Equal(t, map[string][]string{
		"day-2026-12-07": {"1 11:30 PM – 11:59 PM"},
		"day-2026-12-08": {"2 From 10:00 PM"},
		"day-2026-12-09": {"2 All day", "3 12:00 PM"},
		"day-2026-12-10": {"2 Until 9:00 AM"},
		"day-2026-12-11": {"4 11:00 PM – 12:00 AM"},
	}, got)
	assert.True(t, days[1].Today)

	list := calendarDays(calendarRange{View: viewList, From: at(9, 0, 0), Days: listDays}, events, at(7, 12, 0))
	require.Len(t, list, 3, "the list shows only days with events")
	assert.Equal(t, "day-2026-12-09", list[0].ID())
}

func TestReadCalendarSettings(t *testing.T) {
	t.Parallel()
	cs, err := readCalendarSettings(" America/Chicago ", "3")
	require.NoError(t, err)
	assert.Equal(t, firms.CalendarSettings{TimeZone: "America/Chicago", ReminderDays: 3}, cs)
	_, err = readCalendarSettings("America/Chicago", "")
	var invalid *store.InvalidError
	assert.True(t, errors.As(err, &invalid))

	assert.Equal(t, commonZones, zoneChoices("America/Chicago"))
	assert.Equal(t, zoneChoice{"Europe/Paris", "Europe/Paris"}, zoneChoices("Europe/Paris")[0], "a firm's other zone stays offered")
	assert.Len(t, reminderChoices(), 8)
}

func TestTemplateSamplesAreNextMonday(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{
		time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC),  // a Monday
		time.Date(2026, 12, 13, 23, 0, 0, 0, time.UTC), // Sunday
	} {
		got := templateSamples(sampleFirm(), now)
		require.Len(t, got, 4)
		assert.Equal(t, "Invitation", got[0].Label)
		assert.Contains(t, got[0].Text, "Mon, Dec 14, 2:00 PM to 3:00 PM EST at 123 Main St")
		assert.Contains(t, got[0].Text, "Doe Law: ")
	}
}

// The event page's one status column: a sent text's delivery, else where
// the planned text stands and why.
func TestEventNotificationStatus(t *testing.T) {
	t.Parallel()
	row := func(status, reason, text, failure string) events.NotificationRow {
		n := events.NotificationRow{TextStatus: text, FailureReason: failure}
		n.Status, n.Reason = status, reason
		return n
	}
	tests := []struct {
		n    events.NotificationRow
		want string
	}{
		{row(models.NotificationPlanned, "", "", ""), "Planned"},
		{row(models.NotificationSent, "", string(models.TextDelivered), ""), "Delivered"},
		{row(models.NotificationSent, "", string(models.TextFailed), "Unreachable number"), "Not delivered (Unreachable number)"},
		{row(models.NotificationSent, "", "", ""), "Sent"},
		{row(models.NotificationSkipped, "The contact opted out of texts.", "", ""), "Not sent: The contact opted out of texts."},
		{row(models.NotificationCancelled, "The event was cancelled.", "", ""), "Cancelled: The event was cancelled."},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, eventData{}.Status(tt.n))
	}
}
