package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

// calEnv is the texting environment with a store and a shared clock for
// planning (portal side) and sending (worker side).
type calEnv struct {
	*textEnv
	s   *events.Store
	now time.Time
	ny  *time.Location
	v   store.Viewer
}

func newCalEnv(t *testing.T, reminderDays int) *calEnv {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	e := &calEnv{textEnv: newTextEnv(t), ny: ny, now: time.Date(2026, 11, 23, 14, 0, 0, 0, ny)}
	clock := func() time.Time { return e.now }
	e.s = &events.Store{DB: e.db, Clock: clock}
	e.jobs.Stores.Events.Clock, e.jobs.Stores.Texting.Clock = clock, clock
	var admin models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoAdminEmail).Take(&admin).Error)
	e.v = store.Viewer{FirmID: e.firm.ID, UserID: admin.ID, Admin: true}
	_, err = e.s.SetCalendarSettings(context.Background(), e.v, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: reminderDays})
	require.NoError(t, err)
	require.NoError(t, e.db.Take(&e.firm, e.firm.ID).Error)
	return e
}

func (e *calEnv) event(t *testing.T, title string, start time.Time, contacts ...int64) int64 {
	t.Helper()
	in := events.EventInput{MatterID: e.matter.ID, Title: title, Start: start, End: start.Add(time.Hour), Location: "Office"}
	for _, c := range contacts {
		in.Contacts = append(in.Contacts, events.ContactAttendee{ContactID: c, NotifyText: true})
	}
	id, _, err := e.s.CreateEvent(context.Background(), e.v, in)
	require.NoError(t, err)
	return id
}

func (e *calEnv) notification(t *testing.T, eventID int64, kind string) models.EventNotification {
	t.Helper()
	var n models.EventNotification
	require.NoError(t, e.db.Where("event_id = ? AND kind = ?", eventID, kind).Order("id DESC").Take(&n).Error)
	return n
}

func (e *calEnv) notify(t *testing.T, n models.EventNotification) error {
	t.Helper()
	tk, err := tasks.NewEventNotify(n.FirmID, n.ID, n.SendAt)
	require.NoError(t, err)
	return e.jobs.NotifyEvent(context.Background(), tk)
}

func (e *calEnv) attendee(t *testing.T, eventID, contactID int64) models.EventAttendee {
	t.Helper()
	var a models.EventAttendee
	require.NoError(t, e.db.Where("event_id = ? AND contact_id = ?", eventID, contactID).Take(&a).Error)
	return a
}

func (e *calEnv) outTexts(t *testing.T, contactID int64) []string {
	t.Helper()
	var bodies []string
	testkit.Query(t, e.db, &bodies, `SELECT body FROM text_messages WHERE contact_id = ? AND direction = 'out' ORDER BY id`, contactID)
	return bodies
}

func TestInvitationSentOnceWhenDeliveredTwice(t *testing.T) {
	e := newCalEnv(t, 1)
	id := e.event(t, "Deposition prep", time.Date(2026, 12, 7, 14, 0, 0, 0, e.ny), e.client.ID)
	n := e.notification(t, id, "created")

	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() { defer wg.Done(); assert.NoError(t, e.notify(t, n)) }()
	}
	wg.Wait()
	require.NoError(t, e.notify(t, n), "and once more after it was sent")

	bodies := e.outTexts(t, e.client.ID)
	require.Len(t, bodies, 1)
	assert.Equal(t, "Demo Law LLP: You're invited to Deposition prep on Mon, Dec 7, 2:00 PM to 3:00 PM EST at Office. Reply Y to confirm or N to decline. Questions? Reply to this text.",
		bodies[0])
	sent := e.notification(t, id, "created")
	assert.Equal(t, models.NotificationSent, sent.Status)
	require.NotNil(t, sent.TextMessageID)
	assert.NotNil(t, e.attendee(t, id, e.client.ID).AskedAt)
	assert.Len(t, e.queue.OfType(tasks.TypeTextSend), 1, "one send task")
}

func TestReminderAtMostOnce(t *testing.T) {
	e := newCalEnv(t, 1)
	id := e.event(t, "Hearing", time.Date(2026, 12, 7, 14, 0, 0, 0, e.ny), e.client.ID)
	r := e.notification(t, id, "reminder")
	e.now = r.SendAt // the morning before, 10:00

	require.NoError(t, e.notify(t, r))
	require.NoError(t, e.notify(t, r), "a task delivered twice")
	// A worker that restarts re-plans nothing: saving the settings again
	// finds the reminder sent for this start.
	_, err := e.s.SetCalendarSettings(context.Background(), e.v, firms.CalendarSettings{TimeZone: "America/New_York", ReminderDays: 1})
	require.NoError(t, err)
	var reminders int64
	testkit.Query(t, e.db, &reminders, `SELECT count(*) FROM event_notifications WHERE event_id = ? AND kind = 'reminder' AND status <> 'cancelled'`, id)
	assert.EqualValues(t, 1, reminders)

	bodies := e.outTexts(t, e.client.ID)
	require.Len(t, bodies, 1)
	assert.Contains(t, bodies[0], "Demo Law LLP reminder: Hearing on Mon, Dec 7")
}

func TestQuietHoursHoldUntilMorning(t *testing.T) {
	e := newCalEnv(t, 0)
	id := e.event(t, "Call", time.Date(2026, 12, 7, 14, 0, 0, 0, e.ny), e.client.ID)
	n := e.notification(t, id, "created")

	// The task ran late, at night (say the worker was down all evening).
	e.now = time.Date(2026, 11, 23, 23, 30, 0, 0, e.ny)
	require.NoError(t, e.notify(t, n))
	assert.Empty(t, e.outTexts(t, e.client.ID), "nothing at night")
	held := e.notification(t, id, "created")
	assert.Equal(t, models.NotificationPlanned, held.Status)
	assert.True(t, held.SendAt.Equal(time.Date(2026, 11, 24, 8, 0, 0, 0, e.ny)), "held until 8:00: %s", held.SendAt.In(e.ny))
	queued := e.queue.OfType(tasks.TypeEventNotify)
	require.Len(t, queued, 1, "a task for the morning")

	e.now = time.Date(2026, 11, 24, 8, 0, 0, 0, e.ny)
	require.NoError(t, e.notify(t, held))
	assert.Len(t, e.outTexts(t, e.client.ID), 1)
}

func TestTextsNoLongerWantedAreNotSent(t *testing.T) {
	e := newCalEnv(t, 1)
	start := time.Date(2026, 12, 7, 14, 0, 0, 0, e.ny)

	t.Run("event cancelled before the invitation went", func(t *testing.T) {
		id := e.event(t, "Cancelled one", start, e.client.ID)
		n := e.notification(t, id, "created")
		// Cancel the event behind the planner's back: the task must still
		// see it from the event itself.
		testkit.SetUp(t, e.db, `UPDATE events SET cancelled_at = now() WHERE id = ?`, id)
		require.NoError(t, e.notify(t, n))
		got := e.notification(t, id, "created")
		assert.Equal(t, models.NotificationCancelled, got.Status)
		assert.Equal(t, "The event was cancelled.", got.Reason)
	})
	t.Run("reminder for a start that moved", func(t *testing.T) {
		id := e.event(t, "Moved one", start, e.client.ID)
		r := e.notification(t, id, "reminder")
		testkit.SetUp(t, e.db, `UPDATE events SET starts_at = starts_at + interval '1 day', ends_at = ends_at + interval '1 day' WHERE id = ?`, id)
		e.now = r.SendAt
		require.NoError(t, e.notify(t, r))
		assert.Equal(t, models.NotificationCancelled, e.notification(t, id, "reminder").Status)
	})
	t.Run("contact opted out since", func(t *testing.T) {
		e.now = time.Date(2026, 11, 23, 14, 0, 0, 0, e.ny)
		id := e.event(t, "Opted out one", start, e.related.ID)
		testkit.SetUp(t, e.db, `INSERT INTO text_opt_outs (firm_id, firm_number, contact_number) VALUES (?, ?, ?)`,
			e.firm.ID, firmNumber, "+14155550124")
		require.NoError(t, e.notify(t, e.notification(t, id, "created")))
		got := e.notification(t, id, "created")
		assert.Equal(t, models.NotificationSkipped, got.Status)
		assert.Equal(t, texting.Words(texting.OptedOut), got.Reason)
	})
}

// sendInvitation plans and sends an event's invitation at the given time.
func (e *calEnv) sendInvitation(t *testing.T, title string, start, at time.Time) int64 {
	t.Helper()
	e.now = at
	id := e.event(t, title, start, e.client.ID)
	require.NoError(t, e.notify(t, e.notification(t, id, "created")))
	return id
}

func TestYesNoRepliesAnswerTheLatestInvitation(t *testing.T) {
	e := newCalEnv(t, 0)
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, e.ny)
	older := e.sendInvitation(t, "Intake meeting", time.Date(2026, 12, 1, 10, 0, 0, 0, e.ny), day)
	latest := e.sendInvitation(t, "Mediation", time.Date(2026, 12, 3, 15, 0, 0, 0, e.ny), day.Add(time.Hour))
	e.now = day.Add(2 * time.Hour)

	require.NoError(t, e.receive(t, e.inbound("SMy1", seed.DemoClientPhone, " y ")))
	a := e.attendee(t, latest, e.client.ID)
	assert.Equal(t, models.AnswerConfirmed, a.Answer, "the invitation sent last")
	require.NotNil(t, a.AnsweredAt)
	assert.True(t, a.AnsweredAt.Equal(e.now))
	assert.Equal(t, models.AnswerNone, e.attendee(t, older, e.client.ID).Answer)
	bodies := e.outTexts(t, e.client.ID)
	assert.Equal(t, "Demo Law LLP: Thank you. Confirmed for Mediation on Thu, Dec 3, 3:00 PM EST. Questions? Reply to this text.", bodies[len(bodies)-1])
	assert.Equal(t, "ack:sent", kindStatus(t, e, latest, "ack"))

	// A reminder for the older event makes it the one a reply answers.
	testkit.SetUp(t, e.db, `UPDATE event_attendees SET asked_at = ? WHERE event_id = ?`, e.now, older)
	require.NoError(t, e.receive(t, e.inbound("SMn1", seed.DemoClientPhone, " n. ")))
	assert.Equal(t, models.AnswerDeclined, e.attendee(t, older, e.client.ID).Answer)
	assert.Equal(t, models.AnswerConfirmed, e.attendee(t, latest, e.client.ID).Answer)

	// The reply itself is in the contact's conversation for staff to read.
	var inbound int64
	testkit.Query(t, e.db, &inbound, `SELECT count(*) FROM text_messages WHERE contact_id = ? AND direction = 'in'`, e.client.ID)
	assert.EqualValues(t, 2, inbound)

	// A replayed webhook answers nothing twice.
	before := len(e.outTexts(t, e.client.ID))
	require.NoError(t, e.receive(t, e.inbound("SMn1", seed.DemoClientPhone, " n. ")))
	assert.Len(t, e.outTexts(t, e.client.ID), before)
}

func TestRepliesThatAreOrdinaryTexts(t *testing.T) {
	e := newCalEnv(t, 0)
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, e.ny)

	// No invitation pending: Y is just a text.
	require.NoError(t, e.receive(t, e.inbound("SMy0", seed.DemoClientPhone, "Y")))
	assert.Empty(t, e.outTexts(t, e.client.ID))

	id := e.sendInvitation(t, "Mediation", time.Date(2026, 12, 3, 15, 0, 0, 0, e.ny), day)
	for i, body := range []string{"yes please", "nope", "Y N", "no way"} {
		require.NoError(t, e.receive(t, e.inbound("SMx"+string(rune('a'+i)), seed.DemoClientPhone, body)))
	}
	assert.Equal(t, models.AnswerNone, e.attendee(t, id, e.client.ID).Answer)
	assert.Len(t, e.outTexts(t, e.client.ID), 1, "only the invitation")

	// Once the event has started nothing is pending any more.
	e.now = time.Date(2026, 12, 3, 15, 30, 0, 0, e.ny)
	require.NoError(t, e.receive(t, e.inbound("SMlate", seed.DemoClientPhone, "yes")))
	assert.Equal(t, models.AnswerNone, e.attendee(t, id, e.client.ID).Answer)
}

func TestYesOptsInAnOptedOutContactElseConfirms(t *testing.T) {
	e := newCalEnv(t, 0)
	day := time.Date(2026, 11, 23, 9, 0, 0, 0, e.ny)
	id := e.sendInvitation(t, "Mediation", time.Date(2026, 12, 3, 15, 0, 0, 0, e.ny), day)

	require.NoError(t, e.receive(t, e.inbound("SMstop", seed.DemoClientPhone, "STOP")))
	require.NoError(t, e.receive(t, e.inbound("SMyes1", seed.DemoClientPhone, "YES")))
	assert.Zero(t, e.count(t, `SELECT count(*) FROM text_opt_outs WHERE contact_number = ?`, seed.DemoClientPhone), "YES opted them back in")
	assert.Equal(t, models.AnswerNone, e.attendee(t, id, e.client.ID).Answer, "and answered nothing")

	require.NoError(t, e.receive(t, e.inbound("SMyes2", seed.DemoClientPhone, "YES")))
	assert.Equal(t, models.AnswerConfirmed, e.attendee(t, id, e.client.ID).Answer, "now YES is a confirmation")
}

func kindStatus(t *testing.T, e *calEnv, eventID int64, kind string) string {
	t.Helper()
	n := e.notification(t, eventID, kind)
	return n.Kind + ":" + n.Status
}
