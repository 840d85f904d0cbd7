package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
)

// localForm is how a datetime-local input sends a time.
const localForm = "2006-01-02T15:04"

// eventPath is an event's page.
func eventPath(id int64) string { return "/staff/calendar/events/" + itoa(id) }

// eventForm is the event form filled in, from start for an hour.
func eventForm(title string, start time.Time, extra url.Values) url.Values {
	f := url.Values{"title": {title}, "start": {start.Format(localForm)}, "end": {start.Add(time.Hour).Format(localForm)},
		"location": {"12 Main St"}, "description": {"Bring the letter."}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

// createEvent posts the form and returns the new event's ID.
func (b *browser) createEvent(form url.Values) int64 {
	b.e.t.Helper()
	b.get("/staff/calendar/new")
	r := b.post("/staff/calendar/events", form)
	require.Equal(b.e.t, http.StatusSeeOther, r.StatusCode, r.body)
	loc := r.Header.Get("Location")
	var id int64
	_, err := fmt.Sscanf(loc, "/staff/calendar/events/%d", &id)
	require.NoError(b.e.t, err, loc)
	return id
}

// firmDay is midnight n days from now in the demo firm's zone.
func (e *env) firmDay(n int) time.Time {
	e.t.Helper()
	loc, err := time.LoadLocation(e.firm(seed.DemoFirmSlug).TimeZone)
	require.NoError(e.t, err)
	now := time.Now().In(loc)
	return time.Date(now.Year(), now.Month(), now.Day()+n, 0, 0, 0, 0, loc)
}

func (e *env) userID(email string) int64 {
	e.t.Helper()
	var u models.User
	require.NoError(e.t, e.db.Where("email = ?", email).Take(&u).Error)
	return u.ID
}

func (e *env) attendee(eventID, contactID int64) models.EventAttendee {
	e.t.Helper()
	var a models.EventAttendee
	require.NoError(e.t, e.db.Where("event_id = ? AND contact_id = ?", eventID, contactID).Take(&a).Error)
	return a
}

func (e *env) notifications(eventID int64) []models.EventNotification {
	e.t.Helper()
	var out []models.EventNotification
	require.NoError(e.t, e.db.Where("event_id = ?", eventID).Order("id").Find(&out).Error)
	return out
}

// notifyTasks are the calendar:notify tasks queued, due or scheduled.
func notifyTasks(t *testing.T, insp *asynq.Inspector) []tasks.EventNotify {
	t.Helper()
	var out []tasks.EventNotify
	for _, list := range []func(string, ...asynq.ListOption) ([]*asynq.TaskInfo, error){insp.ListPendingTasks, insp.ListScheduledTasks} {
		infos, err := list(tasks.QueueDefault)
		if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
			require.NoError(t, err)
		}
		for _, ti := range infos {
			if ti.Type == tasks.TypeEventNotify {
				var p tasks.EventNotify
				require.NoError(t, json.Unmarshal(ti.Payload, &p))
				out = append(out, p)
			}
		}
	}
	return out
}

// kinds lists the notifications of a kind and status.
func kinds(ns []models.EventNotification, kind, status string) []models.EventNotification {
	var out []models.EventNotification
	for _, n := range ns {
		if n.Kind == kind && n.Status == status {
			out = append(out, n)
		}
	}
	return out
}

func TestEventCreateEditCancel(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	e.enableTexting()
	client := e.contact("Casey")
	var matterID int64
	require.NoError(t, e.db.Model(&models.Matter{}).Select("id").Where("firm_id = ?", client.FirmID).Take(&matterID).Error)
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get("/staff/calendar/new?matter=" + itoa(matterID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, fmt.Sprintf(`<option value="%d" selected>`, matterID))
	assert.Contains(t, r.body, fmt.Sprintf(`name="notify" value="%d"`, client.ID))

	start := e.firmDay(10).Add(14 * time.Hour)
	id := member.createEvent(eventForm("Deposition prep", start, url.Values{
		"matter": {itoa(matterID)}, "user": {itoa(e.userID(seed.DemoMemberEmail))},
		"contact": {itoa(client.ID)}, "notify": {itoa(client.ID)},
	}))

	a := e.attendee(id, client.ID)
	assert.True(t, a.NotifyText)
	r = member.get(eventPath(id))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, fmt.Sprintf(`id="attendee-%d" data-answer=""`, a.ID))
	assert.Contains(t, r.body, "No answer yet")
	assert.NotContains(t, r.body, "No one from the firm.", "the member is an attendee")
	assert.Contains(t, r.body, "/staff/texts/contacts/"+itoa(client.ID))
	assert.Contains(t, r.body, "Invitation")
	assert.Contains(t, r.body, "Deposition prep")

	invites := kinds(e.notifications(id), "created", models.NotificationPlanned)
	require.Len(t, invites, 1)
	queued := notifyTasks(t, insp)
	assert.Contains(t, queued, tasks.EventNotify{FirmID: client.FirmID, NotificationID: invites[0].ID})

	// The invitation went out (as the worker would record it); moving the
	// event now plans an update for the contact who was asked.
	sent := time.Now()
	require.NoError(t, e.db.Model(&invites[0]).Updates(map[string]any{"status": models.NotificationSent, "sent_at": sent}).Error)
	require.NoError(t, e.db.Model(&a).Update("asked_at", sent).Error)
	r = member.get(eventPath(id) + "/edit")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `value="`+start.Format(localForm)+`"`, "the form shows the firm's local time")
	assert.Contains(t, r.body, fmt.Sprintf(`name="notify" value="%d" checked`, client.ID))

	r = member.post(eventPath(id), eventForm("Deposition prep", start.Add(time.Hour), url.Values{
		"matter": {itoa(matterID)}, "contact": {itoa(client.ID)}, "notify": {itoa(client.ID)},
	}))
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	updates := kinds(e.notifications(id), "updated", models.NotificationPlanned)
	require.Len(t, updates, 1)
	assert.Contains(t, notifyTasks(t, insp), tasks.EventNotify{FirmID: client.FirmID, NotificationID: updates[0].ID})
	var ev models.Event
	require.NoError(t, e.db.Take(&ev, id).Error)
	assert.True(t, ev.StartsAt.Equal(start.Add(time.Hour)))
	assert.Contains(t, member.get(eventPath(id)).body, "No one from the firm.", "the firm user was taken off")

	r = member.post(eventPath(id)+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, eventPath(id), r.Header.Get("Location"))
	ns := e.notifications(id)
	cancels := kinds(ns, "cancelled", models.NotificationPlanned)
	require.Len(t, cancels, 1)
	assert.Contains(t, notifyTasks(t, insp), tasks.EventNotify{FirmID: client.FirmID, NotificationID: cancels[0].ID})
	assert.Len(t, kinds(ns, "updated", models.NotificationCancelled), 1, "the waiting update is dropped")

	r = member.get(eventPath(id))
	assert.Contains(t, r.body, `id="cancelled"`)
	assert.Contains(t, r.body, "Cancellation")
	assert.Contains(t, r.body, "The event was cancelled.")
	assert.NotContains(t, r.body, "/cancel\"", "a cancelled event offers no second cancel")
	r = member.post(eventPath(id), eventForm("Again", start, nil))
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "a cancelled event cannot be edited")
}

func TestEventFormRefusals(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	w := buildWorld(t, e)
	e.enableTexting()
	var bea models.Contact
	require.NoError(t, e.db.Where("first_name = ?", "Bea").Take(&bea).Error) // no phone number
	member := e.signedIn(seed.DemoMemberEmail)
	start := e.firmDay(5).Add(9 * time.Hour)

	// The form's contact search offers Bea; added, her row says why she
	// cannot be texted.
	r := member.get("/staff/calendar/contacts?contact_q=bea", "HX-Request", "true")
	assert.Contains(t, r.body, fmt.Sprintf(`hx-get="/staff/calendar/contacts/%d"`, bea.ID))
	r = member.get(fmt.Sprintf("/staff/calendar/contacts/%d", bea.ID), "HX-Request", "true")
	assert.Contains(t, r.body, fmt.Sprintf(`name="notify" value="%d" disabled`, bea.ID))
	noNumber := (&texting.Refusal{Reason: texting.NoNumber, Name: bea.Name()}).Error() // the texting rule's words
	assert.Contains(t, r.body, noNumber)

	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"missing title", eventForm(" ", start, nil), "Give the event a title."},
		{"end before start", eventForm("Call", start, url.Values{"end": {start.Add(-time.Hour).Format(localForm)}}), "cannot end before it starts"},
		{"bad date", eventForm("Call", start, url.Values{"start": {"next Tuesday"}}), "Give the start as a date and time"},
		{"no end", eventForm("Call", start, url.Values{"end": {""}}), "Give the end as a date and time"},
		{"notify a contact without a number", eventForm("Call", start, url.Values{"contact": {itoa(bea.ID)}, "notify": {itoa(bea.ID)}}),
			"cannot be notified by text: " + noNumber},
	}
	for _, tt := range tests {
		r := member.post("/staff/calendar/events", tt.form)
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, tt.name)
		assert.Contains(t, r.body, tt.want, tt.name)
		assert.Contains(t, r.body, `value="12 Main St"`, "%s: what was typed stays", tt.name)
	}
	var n int64
	require.NoError(t, e.db.Model(&models.Event{}).Count(&n).Error)
	assert.Equal(t, int64(1), n, "the demo's appointment alone")
	assert.Empty(t, notifyTasks(t, insp))

	// IDs from elsewhere are not found, like any other.
	assert.Equal(t, http.StatusNotFound, member.post("/staff/calendar/events", eventForm("Call", start, url.Values{"matter": {itoa(w.m3)}})).StatusCode)
	assert.Equal(t, http.StatusNotFound, member.post("/staff/calendar/events", eventForm("Call", start, url.Values{"matter": {itoa(w.m4)}})).StatusCode)
	assert.Equal(t, http.StatusNotFound, member.post("/staff/calendar/events", eventForm("Call", start, url.Values{"contact": {"abc"}})).StatusCode)
}

func TestCalendarAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	w := buildWorld(t, e)
	admin := e.signedIn(seed.DemoAdminEmail)
	start := e.firmDay(3).Add(10 * time.Hour)
	secret := admin.createEvent(eventForm("Secret meeting", start, url.Values{"matter": {itoa(w.m3)}}))
	open := admin.createEvent(eventForm("Team lunch", start, nil))

	actors := map[string]*browser{"member": e.signedIn(seed.DemoMemberEmail), "admin": admin}
	for name, email := range map[string]string{"client": seed.DemoClientEmail, "otherFirm": w.otherFirmUser} {
		b := e.browser()
		b.ip = "198.51.100." + itoa(int64(len(actors)))
		b.signIn(email)
		actors[name] = b
	}
	form := eventForm("Taken over", start, url.Values{"time_zone": {"America/Chicago"}, "reminder_days": {"3"}})
	checkAccess(t, actors, form, []access{
		{"member", "GET", eventPath(secret), 404},
		{"member", "GET", eventPath(secret) + "/edit", 404},
		{"member", "POST", eventPath(secret), 404},
		{"member", "POST", eventPath(secret) + "/cancel", 404},
		{"member", "GET", fmt.Sprintf("/staff/matters/%d/calendar", w.m3), 404},
		{"member", "GET", fmt.Sprintf("/staff/calendar/new?matter=%d", w.m3), 404},
		{"member", "GET", eventPath(open), 200},
		{"member", "POST", "/staff/settings/texting/calendar", 404},
		{"admin", "GET", eventPath(secret), 200},
		{"otherFirm", "GET", eventPath(open), 404},
		{"otherFirm", "POST", eventPath(open) + "/cancel", 404},
		{"otherFirm", "GET", fmt.Sprintf("/staff/matters/%d/calendar", w.m1), 404},
		{"client", "GET", "/staff/calendar", 303},
		{"client", "GET", eventPath(open), 303},
		{"client", "POST", "/staff/calendar/events", 303},
	})
	assert.NotContains(t, actors["member"].get("/staff/calendar?view=list&date="+start.Format("2006-01-02")).body, "Secret meeting")
	assert.NotContains(t, actors["otherFirm"].get("/staff/calendar?view=list&date="+start.Format("2006-01-02")).body, "Team lunch")

	var titles []string
	require.NoError(t, e.db.Model(&models.Event{}).Where("cancelled_at IS NOT NULL OR title = ?", "Taken over").Pluck("title", &titles).Error)
	assert.Empty(t, titles, "nothing was changed by the refused requests")
	f := e.firm(seed.DemoFirmSlug)
	assert.Equal(t, seed.DemoZone(), f.TimeZone)
	assert.Zero(t, f.ReminderDays)
}

func TestCalendarSettings(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	admin := e.enableTexting()

	r := admin.get("/staff/settings/texting")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `<option value="`+seed.DemoZone()+`" selected>`)
	assert.Contains(t, r.body, `<option value="0" selected>None</option>`)
	for _, want := range []string{"Invitation", "Update", "Cancellation", "Reminder",
		"Demo Law LLP: You&#39;re invited to Meeting with your lawyer on Mon,", "2:00 PM to 3:00 PM", "at 123 Main St"} {
		assert.Contains(t, r.body, want)
	}

	// An event to come, with a contact to text, gets its reminder planned
	// when reminders are turned on.
	client := e.contact("Casey")
	id := admin.createEvent(eventForm("Hearing", e.firmDay(10).Add(14*time.Hour), url.Values{
		"contact": {itoa(client.ID)}, "notify": {itoa(client.ID)}}))
	assert.Empty(t, kinds(e.notifications(id), "reminder", models.NotificationPlanned))

	admin.get("/staff/settings/texting")
	r = admin.post("/staff/settings/texting/calendar", url.Values{"time_zone": {"America/New_York"}, "reminder_days": {"2"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	f := e.firm(seed.DemoFirmSlug)
	assert.Equal(t, "America/New_York", f.TimeZone)
	assert.Equal(t, 2, f.ReminderDays)
	r = admin.get(r.Header.Get("Location"))
	assert.Contains(t, r.body, "Calendar settings are saved.")
	assert.Contains(t, r.body, `<option value="2" selected>2 days before</option>`)
	assert.Contains(t, r.body, "EST") // the templates speak the new zone

	reminders := kinds(e.notifications(id), "reminder", models.NotificationPlanned)
	require.Len(t, reminders, 1)
	assert.Contains(t, notifyTasks(t, insp), tasks.EventNotify{FirmID: f.ID, NotificationID: reminders[0].ID})
	assert.Contains(t, admin.get(eventPath(id)).body, "Reminder: planned for")

	for _, bad := range []url.Values{
		{"time_zone": {"Mars/Olympus"}, "reminder_days": {"1"}},
		{"time_zone": {"America/Chicago"}, "reminder_days": {"9"}},
		{"time_zone": {"America/Chicago"}, "reminder_days": {"soon"}},
	} {
		assert.Equal(t, http.StatusUnprocessableEntity, admin.post("/staff/settings/texting/calendar", bad).StatusCode, bad.Encode())
	}
	assert.Equal(t, "America/New_York", e.firm(seed.DemoFirmSlug).TimeZone)
}

func TestCalendarViewsUseTheFirmsZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/settings/texting")
	r := admin.post("/staff/settings/texting/calendar", url.Values{"time_zone": {"America/New_York"}, "reminder_days": {"0"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	var matterID int64
	require.NoError(t, e.db.Model(&models.Matter{}).Select("id").Take(&matterID).Error)

	day := e.firmDay(8)
	late := day.Add(23*time.Hour + 30*time.Minute) // the next day in UTC
	require.NotEqual(t, day.Day(), late.UTC().Day())
	admin.createEvent(url.Values{"title": {"Late call"}, "start": {late.Format(localForm)},
		"end": {late.Add(15 * time.Minute).Format(localForm)}, "matter": {itoa(matterID)}})
	gone := admin.createEvent(eventForm("Dropped meeting", day.Add(9*time.Hour), nil))
	admin.post(eventPath(gone)+"/cancel", nil)

	date := day.Format("2006-01-02")
	next := day.AddDate(0, 0, 1).Format("2006-01-02")
	dayPage := admin.get("/staff/calendar?view=day&date=" + date)
	require.Equal(t, http.StatusOK, dayPage.StatusCode)
	assert.Contains(t, dayPage.body, "Late call")
	assert.Contains(t, dayPage.body, "11:30 PM – 11:45 PM")
	assert.Contains(t, dayPage.body, "Dropped meeting")
	assert.Contains(t, dayPage.body, "Cancelled")
	assert.NotContains(t, admin.get("/staff/calendar?view=day&date="+next).body, "Late call")

	week := admin.get("/staff/calendar?view=week&date=" + date)
	require.Equal(t, http.StatusOK, week.StatusCode)
	assert.Contains(t, daySection(t, week.body, date), "Late call")
	assert.Equal(t, 7, strings.Count(week.body, `class="cal-day`))

	list := admin.get("/staff/calendar?view=list&date=" + e.firmDay(0).Format("2006-01-02"))
	assert.Contains(t, daySection(t, list.body, date), "Late call")
	assert.NotContains(t, list.body, `id="day-`+next+`"`, "the list leaves out empty days")

	matter := admin.get(fmt.Sprintf("/staff/matters/%d/calendar?view=week&date=%s", matterID, date))
	require.Equal(t, http.StatusOK, matter.StatusCode)
	assert.Contains(t, matter.body, "Late call")
	assert.NotContains(t, matter.body, "Dropped meeting", "an event on no matter")
	assert.Contains(t, matter.body, fmt.Sprintf("/staff/calendar/new?matter=%d", matterID))
	assert.Contains(t, admin.get(fmt.Sprintf("/staff/matters/%d", matterID)).body, fmt.Sprintf("/staff/matters/%d/calendar", matterID))

	assert.Equal(t, http.StatusOK, admin.get("/staff/calendar").StatusCode, "the default view")
	assert.Equal(t, http.StatusOK, admin.get("/staff/calendar?view=nonsense&date=nonsense").StatusCode)
}

// daySection is the part of a calendar page that shows one day.
func daySection(t *testing.T, body, date string) string {
	t.Helper()
	i := strings.Index(body, `id="day-`+date+`"`)
	require.GreaterOrEqual(t, i, 0, "day %s shown", date)
	rest := body[i+1:]
	if j := strings.Index(rest, `id="day-`); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// A client sees the events on their matter that they are invited to, in
// the firm's zone with their answer, and can add each to their calendar;
// nobody else gets the file.
func TestClientAppointments(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	e.enableTexting()
	casey, robin := e.contact("Casey"), e.contact("Robin")
	m := demoMatter(t, e)
	member := e.signedIn(seed.DemoMemberEmail)
	start := e.firmDay(3).Add(15 * time.Hour)
	id := member.createEvent(eventForm("Deposition prep", start, url.Values{
		"matter": {itoa(m.ID)}, "contact": {itoa(casey.ID)}, "notify": {itoa(casey.ID)},
	}))
	member.createEvent(eventForm("Strategy meeting", start, url.Values{"matter": {itoa(m.ID)}})) // the client is not invited

	client := e.browser()
	client.ip = "198.51.100.31"
	client.signIn(seed.DemoClientEmail)
	page := client.get(fmt.Sprintf("/portal/matters/%d", m.ID))
	require.Equal(t, http.StatusOK, page.StatusCode)
	_, section, ok := strings.Cut(page.body, `id="appointments"`)
	require.True(t, ok, "an appointments section")
	assert.Contains(t, section, "Deposition prep")
	assert.Contains(t, section, start.Format("Mon, Jan 2, 3:04 PM"), "in the firm's zone")
	assert.Contains(t, section, "12 Main St")
	assert.Contains(t, section, "No answer yet")
	assert.NotContains(t, section, "Bring the letter.", "the firm's description stays with the firm")
	assert.NotContains(t, page.body, "Strategy meeting")
	icsPath := fmt.Sprintf("/portal/events/%d/calendar.ics", id)
	assert.Contains(t, section, `href="`+icsPath+`"`)

	r := client.get(icsPath)
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, "text/calendar; charset=utf-8", r.Header.Get("Content-Type"))
	assert.Contains(t, r.Header.Get("Content-Disposition"), "attachment")
	for _, want := range []string{"BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:Deposition prep (Demo Law LLP)",
		"DTSTART:" + start.UTC().Format("20060102T150405Z"), "LOCATION:12 Main St", "STATUS:CONFIRMED"} {
		assert.Contains(t, r.body, want)
	}

	// Cancelled: the portal says so and the file cancels it in the calendar.
	require.Equal(t, http.StatusSeeOther, member.post(eventPath(id)+"/cancel", nil).StatusCode)
	_, section, _ = strings.Cut(client.get(fmt.Sprintf("/portal/matters/%d", m.ID)).body, `id="appointments"`)
	assert.Contains(t, section, "Cancelled")
	assert.Contains(t, client.get(icsPath).body, "STATUS:CANCELLED")

	// Nobody else: another contact, a firm user, another firm's event ID.
	other := e.browser()
	other.ip = "198.51.100.32"
	require.NoError(t, e.db.Model(&models.Contact{}).Where("id = ?", robin.ID).Update("portal_invited_at", time.Now()).Error)
	other.signIn("related@demo.parley.test")
	assert.Equal(t, http.StatusNotFound, other.get(icsPath).StatusCode)
	assert.NotEqual(t, http.StatusOK, member.get(icsPath).StatusCode)
	assert.Equal(t, http.StatusNotFound, client.get("/portal/events/999999/calendar.ics").StatusCode)
}
