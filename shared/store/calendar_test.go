package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/texting"
)

// calendarDemo is the demo firm with texting on, in New York, and a clock
// the test moves.
type calendarDemo struct {
	demo
	now time.Time
	ny  *time.Location
}

func newCalendarDemo(t *testing.T, reminderDays int) *calendarDemo {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	d := &calendarDemo{demo: newDemo(t), ny: ny, now: time.Date(2026, 11, 23, 14, 0, 0, 0, ny)}
	d.s.Events.Clock = func() time.Time { return d.now }
	_, err = d.s.Firms.EnableTexting(context.Background(), d.admin, pool)
	require.NoError(t, err)
	_, err = d.s.Events.SetCalendarSettings(context.Background(), d.admin, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: reminderDays})
	require.NoError(t, err)
	return d
}

func (d *calendarDemo) input(start time.Time, notify ...int64) events.EventInput {
	in := events.EventInput{MatterID: d.matterID, Title: "Deposition prep", Start: start, End: start.Add(time.Hour),
		Location: "Office", UserIDs: []int64{d.admin.UserID}}
	for _, id := range notify {
		in.Contacts = append(in.Contacts, events.ContactAttendee{ContactID: id, NotifyText: true})
	}
	return in
}

// texts lists the event's texts as "kind:status" in planning order, with
// the planned time of each.
func (d *calendarDemo) texts(t *testing.T, eventID int64) ([]string, []time.Time) {
	t.Helper()
	var rows []models.EventNotification
	require.NoError(t, d.db.Where("event_id = ?", eventID).Order("id").Find(&rows).Error)
	var kinds []string
	var at []time.Time
	for _, r := range rows {
		kinds = append(kinds, r.Kind+":"+r.Status)
		at = append(at, r.SendAt)
	}
	return kinds, at
}

func (d *calendarDemo) attendee(t *testing.T, eventID, contactID int64) models.EventAttendee {
	t.Helper()
	var a models.EventAttendee
	require.NoError(t, d.db.Where("event_id = ? AND contact_id = ?", eventID, contactID).Take(&a).Error)
	return a
}

// asked marks the contact as texted about the event, as the worker does
// when it sends the invitation.
func (d *calendarDemo) asked(t *testing.T, eventID, contactID int64) {
	t.Helper()
	require.NoError(t, d.db.Exec(`UPDATE event_notifications SET status = 'sent', sent_at = ? WHERE kind = 'created'
		AND attendee_id = (SELECT id FROM event_attendees WHERE event_id = ? AND contact_id = ?)`, d.now, eventID, contactID).Error)
	require.NoError(t, d.db.Exec(`UPDATE event_attendees SET asked_at = ?, answer = 'confirmed', answered_at = ? WHERE event_id = ? AND contact_id = ?`,
		d.now, d.now, eventID, contactID).Error)
}

func TestCreateEventPlansInvitationAndReminder(t *testing.T) {
	d := newCalendarDemo(t, 2)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	id, planned, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.client.ID))
	require.NoError(t, err)
	kinds, at := d.texts(t, id)
	assert.Equal(t, []string{"created:planned", "reminder:planned"}, kinds)
	assert.True(t, at[0].Equal(d.now), "invitation goes now, in the day")
	assert.True(t, at[1].Equal(time.Date(2026, 12, 5, 10, 0, 0, 0, d.ny)), "reminder two days before at 10:00 local: %s", at[1])
	require.Len(t, planned, 2, "both handed to the caller to queue")

	ev, err := d.s.Events.Event(ctx, d.admin, id)
	require.NoError(t, err)
	require.Len(t, ev.Contacts, 1)
	assert.Equal(t, models.AnswerNone, ev.Contacts[0].Answer)
	assert.Equal(t, "planned", ev.Contacts[0].ReminderStatus)
	require.Len(t, ev.Users, 1)
}

func TestCreateEventAtNightWaitsForMorning(t *testing.T) {
	d := newCalendarDemo(t, 0)
	d.now = time.Date(2026, 11, 23, 22, 15, 0, 0, d.ny)
	id, _, err := d.s.Events.CreateEvent(context.Background(), d.admin, d.input(time.Date(2026, 11, 25, 9, 0, 0, 0, d.ny), d.client.ID))
	require.NoError(t, err)
	kinds, at := d.texts(t, id)
	assert.Equal(t, []string{"created:planned"}, kinds, "no reminder when the firm wants none")
	assert.True(t, at[0].Equal(time.Date(2026, 11, 24, 8, 0, 0, 0, d.ny)), "held until 8:00: %s", at[0])
}

func TestReminderFollowsTheFirmsZone(t *testing.T) {
	d := newCalendarDemo(t, 1)
	ctx := context.Background()
	_, err := d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "America/Los_Angeles", ReminderDays: 1})
	require.NoError(t, err)
	la, _ := time.LoadLocation("America/Los_Angeles")
	// 1:00 on Dec 8 in New York is still Dec 7 in Los Angeles.
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(time.Date(2026, 12, 8, 1, 0, 0, 0, d.ny), d.client.ID))
	require.NoError(t, err)
	_, at := d.texts(t, id)
	assert.True(t, at[1].Equal(time.Date(2026, 12, 6, 10, 0, 0, 0, la)), "the day before in the firm's zone: %s", at[1].In(la))
}

func TestEditPlansUpdatesAndReminders(t *testing.T) {
	d := newCalendarDemo(t, 1)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.client.ID))
	require.NoError(t, err)

	// Before the invitation went out, a move needs no update: the
	// invitation is written when sent. The reminder moves with the event.
	moved := start.Add(24 * time.Hour)
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, d.input(moved, d.client.ID))
	require.NoError(t, err)
	kinds, at := d.texts(t, id)
	assert.Equal(t, []string{"created:planned", "reminder:cancelled", "reminder:planned"}, kinds)
	assert.True(t, at[2].Equal(time.Date(2026, 12, 7, 10, 0, 0, 0, d.ny)))

	// Once asked, a new place is worth an update; the answer stands.
	d.asked(t, id, d.client.ID)
	in := d.input(moved, d.client.ID)
	in.Location = "Courthouse, room 4"
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, in)
	require.NoError(t, err)
	kinds, _ = d.texts(t, id)
	assert.Equal(t, []string{"created:sent", "reminder:cancelled", "reminder:planned", "updated:planned"}, kinds)
	assert.Equal(t, models.AnswerConfirmed, d.attendee(t, id, d.client.ID).Answer, "a new place keeps the answer")

	// A new title alone sends nothing.
	in.Title = "Deposition preparation"
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, in)
	require.NoError(t, err)
	kinds, _ = d.texts(t, id)
	assert.Len(t, kinds, 4)

	// A new time: one update (the waiting one is replaced), answer voided,
	// reminder re-planned.
	in.Start, in.End = moved.Add(2*time.Hour), moved.Add(3*time.Hour)
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, in)
	require.NoError(t, err)
	kinds, _ = d.texts(t, id)
	assert.Equal(t, []string{"created:sent", "reminder:cancelled", "reminder:cancelled", "updated:cancelled", "updated:planned", "reminder:planned"}, kinds)
	assert.Equal(t, models.AnswerNone, d.attendee(t, id, d.client.ID).Answer, "yes to another time is not yes to this one")
}

func TestReminderSentIsNeverPlannedAgain(t *testing.T) {
	d := newCalendarDemo(t, 1)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.client.ID))
	require.NoError(t, err)
	require.NoError(t, d.db.Exec(`UPDATE event_notifications SET status = 'sent' WHERE event_id = ? AND kind = 'reminder'`, id).Error)

	// Re-planning for the same start (settings saved again) adds nothing.
	_, err = d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: 1})
	require.NoError(t, err)
	kinds, _ := d.texts(t, id)
	assert.Equal(t, []string{"created:planned", "reminder:sent"}, kinds)
}

func TestChangingReminderDaysReplans(t *testing.T) {
	d := newCalendarDemo(t, 1)
	ctx := context.Background()
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny), d.client.ID))
	require.NoError(t, err)
	planned, err := d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: 3})
	require.NoError(t, err)
	require.Len(t, planned, 1)
	assert.True(t, planned[0].SendAt.Equal(time.Date(2026, 12, 4, 10, 0, 0, 0, d.ny)))

	_, err = d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: 0})
	require.NoError(t, err)
	kinds, _ := d.texts(t, id)
	assert.Equal(t, []string{"created:planned", "reminder:cancelled", "reminder:cancelled"}, kinds)

	_, err = d.s.Events.SetCalendarSettings(ctx, d.member, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: 2})
	assert.ErrorIs(t, err, store.ErrForbidden, "administrators only")
	_, err = d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "Mars/Olympus", ReminderDays: 2})
	var bad *store.InvalidError
	assert.ErrorAs(t, err, &bad)
	_, err = d.s.Events.SetCalendarSettings(ctx, d.admin, firms.CalendarSettings{TimeZone: "UTC", ReminderDays: 8})
	assert.ErrorAs(t, err, &bad)
}

func TestCancelAndRemoveTellThoseWhoWereAsked(t *testing.T) {
	d := newCalendarDemo(t, 1)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.client.ID, d.related.ID))
	require.NoError(t, err)
	d.asked(t, id, d.client.ID) // the related contact's invitation is still planned

	// Removing the related contact, never texted, drops their texts quietly.
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, d.input(start, d.client.ID))
	require.NoError(t, err)
	rel := d.attendee(t, id, d.related.ID)
	assert.NotNil(t, rel.RemovedAt)
	var relTexts []string
	require.NoError(t, d.db.Raw(`SELECT kind || ':' || status FROM event_notifications WHERE attendee_id = ? ORDER BY id`, rel.ID).Scan(&relTexts).Error)
	assert.Equal(t, []string{"created:cancelled", "reminder:cancelled"}, relTexts)

	planned, err := d.s.Events.CancelEvent(ctx, d.admin, id)
	require.NoError(t, err)
	require.Len(t, planned, 1)
	cl := d.attendee(t, id, d.client.ID)
	var clTexts []string
	require.NoError(t, d.db.Raw(`SELECT kind || ':' || status FROM event_notifications WHERE attendee_id = ? ORDER BY id`, cl.ID).Scan(&clTexts).Error)
	assert.Equal(t, []string{"created:sent", "reminder:cancelled", "cancelled:planned"}, clTexts)

	again, err := d.s.Events.CancelEvent(ctx, d.admin, id)
	require.NoError(t, err)
	assert.Empty(t, again, "cancelling twice tells no one twice")
	_, err = d.s.Events.UpdateEvent(ctx, d.admin, id, d.input(start, d.client.ID))
	var bad *store.InvalidError
	assert.ErrorAs(t, err, &bad, "a cancelled event stays cancelled")
}

func TestEventInputRules(t *testing.T) {
	d := newCalendarDemo(t, 0)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	noNumber := models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: "Nona"}
	require.NoError(t, d.db.Create(&noNumber).Error)

	tests := []struct {
		name string
		edit func(*events.EventInput)
	}{
		{"no title", func(in *events.EventInput) { in.Title = "  " }},
		{"ends before it starts", func(in *events.EventInput) { in.End = in.Start.Add(-time.Minute) }},
		{"no start", func(in *events.EventInput) { in.Start = time.Time{} }},
		{"contact twice", func(in *events.EventInput) { in.Contacts = append(in.Contacts, in.Contacts[0]) }},
		{"notify a contact with no number", func(in *events.EventInput) {
			in.Contacts = append(in.Contacts, events.ContactAttendee{ContactID: noNumber.ID, NotifyText: true})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := d.input(start, d.client.ID)
			tt.edit(&in)
			_, _, err := d.s.Events.CreateEvent(ctx, d.admin, in)
			var bad *store.InvalidError
			assert.ErrorAs(t, err, &bad)
		})
	}

	t.Run("opted-out contact cannot be notified", func(t *testing.T) {
		require.NoError(t, d.db.Exec(`INSERT INTO text_opt_outs (firm_id, firm_number, contact_number) VALUES (?, ?, ?)`,
			d.firm.ID, pool[0].Number, "+14155550124").Error)
		_, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.related.ID))
		var bad *store.InvalidError
		require.ErrorAs(t, err, &bad)
		assert.Contains(t, bad.Msg, texting.Words(texting.OptedOut))
		choices, err := d.s.Events.EventChoices(ctx, d.admin, d.matterID, []int64{noNumber.ID})
		require.NoError(t, err)
		why := map[int64]string{}
		for _, c := range choices.Contacts {
			why[c.ID] = c.Why
		}
		assert.Equal(t, texting.Words(texting.OptedOut), why[d.related.ID])
		assert.Equal(t, (&texting.Refusal{Reason: texting.NoNumber, Name: noNumber.Name()}).Error(), why[noNumber.ID])
		assert.Equal(t, "", why[d.client.ID])
		assert.Equal(t, d.client.ID, choices.Contacts[0].ID, "the matter's client comes first")
	})
}

func TestEventsAreTheFirmsAlone(t *testing.T) {
	d := newCalendarDemo(t, 0)
	ctx := context.Background()
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, d.ny)
	id, _, err := d.s.Events.CreateEvent(ctx, d.admin, d.input(start, d.client.ID))
	require.NoError(t, err)

	_, err = d.s.Events.Event(ctx, d.otherFirmAdmin, id)
	assert.ErrorIs(t, err, db.ErrNotFound)
	_, err = d.s.Events.CancelEvent(ctx, d.otherFirmAdmin, id)
	assert.ErrorIs(t, err, db.ErrNotFound)
	_, err = d.s.Events.Event(ctx, store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, id)
	assert.ErrorIs(t, err, db.ErrNotFound, "clients never see the firm's calendar")

	foreign := d.input(start)
	foreign.Contacts = []events.ContactAttendee{{ContactID: d.otherContact.ID}}
	_, _, err = d.s.Events.CreateEvent(ctx, d.admin, foreign)
	assert.ErrorIs(t, err, db.ErrNotFound, "another firm's contact cannot be invited")

	// A member who may not see the matter does not see its events.
	require.NoError(t, d.db.Exec(`UPDATE matters SET permission = 'users' WHERE id = ?`, d.matterID).Error)
	_, err = d.s.Events.Event(ctx, d.member, id)
	assert.ErrorIs(t, err, db.ErrNotFound)
	list, err := d.s.Events.Events(ctx, d.member, start.Add(-time.Hour), start.Add(time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, list)
	list, err = d.s.Events.Events(ctx, d.admin, start.Add(-time.Hour), start.Add(time.Hour), 0)
	require.NoError(t, err)
	assert.Len(t, list, 1)
}
func TestEventsListAndLoad(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	id, _, err := d.s.Events.CreateEvent(ctx, d.member, events.EventInput{MatterID: d.matterID, Title: "Prep",
		Start: start, End: start.Add(time.Hour), Contacts: []events.ContactAttendee{{ContactID: d.client.ID}}})
	require.NoError(t, err)

	rows, err := d.s.Events.Events(ctx, d.member, start.Add(-time.Hour), start.Add(2*time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, "00001 · Casey Client v. Acme Insurance (car accident claim)", rows[0].MatterName)
	assert.Equal(t, 1, rows[0].Attendees)

	after, err := d.s.Events.Events(ctx, d.member, start.Add(time.Hour), start.Add(2*time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, after, "an event ending as the range starts is not in it")

	ev, err := d.s.Events.Event(ctx, d.member, id)
	require.NoError(t, err)
	assert.Equal(t, rows[0].MatterName, ev.MatterName)
	require.Len(t, ev.Contacts, 1)
	assert.Equal(t, "Casey Client", ev.Contacts[0].Name)
	assert.Empty(t, ev.Contacts[0].ReminderStatus)
}
