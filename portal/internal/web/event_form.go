package web

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/tasks"
)

// localLayouts are what a datetime-local input sends (with seconds when
// its step asks for them), and what a browser without one lets people type.
var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// localTimeLayout is how a time is written back into the form.
const localTimeLayout = "2006-01-02T15:04"

// parseLocalTime reads a date and time typed in the firm's zone.
func parseLocalTime(raw string, loc *time.Location) (time.Time, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return time.Time{}, errors.New("missing")
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time", raw)
}

// eventForm is the event form as it was typed, kept to show it again.
type eventForm struct {
	Title, Start, End, Location, Description string
	MatterID                                 int64
	Users, Contacts, Notify                  map[int64]bool
	// ContactOrder keeps the invited contacts in the order they were sent.
	ContactOrder []int64
	UserOrder    []int64
}

// readEventForm collects the posted fields; repeated ones are ID lists.
func readEventForm(c *fiber.Ctx) (eventForm, error) {
	f := eventForm{Title: c.FormValue("title"), Start: c.FormValue("start"), End: c.FormValue("end"),
		Location: c.FormValue("location"), Description: c.FormValue("description")}
	args := c.Request().PostArgs()
	var err error
	if raw := strings.TrimSpace(c.FormValue("matter")); raw != "" {
		if f.MatterID, err = strconv.ParseInt(raw, 10, 64); err != nil || f.MatterID <= 0 {
			return f, fiber.ErrNotFound
		}
	}
	ids := func(name string) ([]int64, map[int64]bool, error) {
		var list []int64
		set := map[int64]bool{}
		for _, b := range args.PeekMulti(name) {
			id, err := strconv.ParseInt(string(b), 10, 64)
			if err != nil || id <= 0 {
				return nil, nil, fiber.ErrNotFound // only a tampered form sends these
			}
			if !set[id] {
				list, set[id] = append(list, id), true
			}
		}
		return list, set, nil
	}
	if f.UserOrder, f.Users, err = ids("user"); err != nil {
		return f, err
	}
	if f.ContactOrder, f.Contacts, err = ids("contact"); err != nil {
		return f, err
	}
	_, f.Notify, err = ids("notify")
	return f, err
}

// input turns the typed form into the store's input; a time that does not
// read is a *store.InvalidError, like the store's own checks.
func (f eventForm) input(loc *time.Location) (events.EventInput, error) {
	in := events.EventInput{MatterID: f.MatterID, Title: f.Title, Location: f.Location, Description: f.Description,
		UserIDs: f.UserOrder}
	var err error
	if in.Start, err = parseLocalTime(f.Start, loc); err != nil {
		return in, &store.InvalidError{Msg: "Give the start as a date and time, like 2026-12-07 14:00."}
	}
	if in.End, err = parseLocalTime(f.End, loc); err != nil {
		return in, &store.InvalidError{Msg: "Give the end as a date and time, like 2026-12-07 15:00."}
	}
	for _, id := range f.ContactOrder {
		// Notify means something only for a contact who is invited.
		in.Contacts = append(in.Contacts, events.ContactAttendee{ContactID: id, NotifyText: f.Notify[id]})
	}
	return in, nil
}

// eventFormOf fills the form from a saved event, in the firm's zone.
func eventFormOf(ev events.EventDetail, loc *time.Location) eventForm {
	f := eventForm{Title: ev.Title, Location: ev.Location, Description: ev.Description,
		Start: ev.StartsAt.In(loc).Format(localTimeLayout), End: ev.EndsAt.In(loc).Format(localTimeLayout),
		Users: map[int64]bool{}, Contacts: map[int64]bool{}, Notify: map[int64]bool{}}
	if ev.MatterID != nil {
		f.MatterID = *ev.MatterID
	}
	for _, a := range ev.Users {
		f.Users[*a.UserID] = true
	}
	for _, a := range ev.Contacts {
		f.Contacts[*a.ContactID] = true
		f.Notify[*a.ContactID] = a.NotifyText
	}
	return f
}

// eventFormData is the new-event or edit form.
type eventFormData struct {
	Form    eventForm
	Choices events.EventChoices
	// EventID is 0 for a new event.
	EventID int64
	Zone    string
	Error   string
	// Found and Query are a contact search's answer.
	Found []events.ContactChoice
	Query string
}

// Action is where the form posts.
func (d eventFormData) Action() string {
	if d.EventID == 0 {
		return "/staff/calendar/events"
	}
	return fmt.Sprintf("/staff/calendar/events/%d", d.EventID)
}

// showEventForm renders the form, choosing invitees with the form's matter's
// contacts first; a problem to fix comes back as 422.
func (h *handler) showEventForm(c *fiber.Ctx, v store.Viewer, d eventFormData) error {
	invited := d.Form.ContactOrder
	for id := range d.Form.Contacts {
		invited = append(invited, id)
	}
	slices.Sort(invited[len(d.Form.ContactOrder):]) // a saved event's, in a steady order
	choices, err := h.stores.Events.EventChoices(c.UserContext(), v, d.Form.MatterID, invited)
	if err != nil {
		return storeErr(err)
	}
	_, zone, err := h.firmZone(c, v)
	if err != nil {
		return err
	}
	d.Choices, d.Zone = choices, zone
	if d.Error != "" {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	title := "New event"
	if d.EventID != 0 {
		title = "Edit event"
	}
	return h.render(c, "staff/event_form", "", title, d)
}

// staffEventNew is the form for a new event, on ?matter= if given.
func (h *handler) staffEventNew(c *fiber.Ctx) error {
	v := viewer(session(c))
	var f eventForm
	if raw := c.Query("matter"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return fiber.ErrNotFound
		}
		if _, err := h.stores.Matters.Matter(c.UserContext(), v, id); err != nil {
			return storeErr(err)
		}
		f.MatterID = id
	}
	return h.showEventForm(c, v, eventFormData{Form: f})
}

// staffEventEdit is the form for a saved event.
func (h *handler) staffEventEdit(c *fiber.Ctx) error {
	v, ev, loc, err := h.eventParam(c)
	if err != nil {
		return err
	}
	return h.showEventForm(c, v, eventFormData{Form: eventFormOf(ev, loc), EventID: ev.ID})
}

// staffEventCreate saves a new event and queues the texts it planned.
func (h *handler) staffEventCreate(c *fiber.Ctx) error {
	return h.saveEvent(c, 0)
}

// staffEventUpdate saves an edit and queues the texts it planned.
func (h *handler) staffEventUpdate(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return h.saveEvent(c, id)
}

// saveEvent creates (editID 0) or updates an event from the posted form.
func (h *handler) saveEvent(c *fiber.Ctx, editID int64) error {
	v := viewer(session(c))
	f, err := readEventForm(c)
	if err != nil {
		return err
	}
	loc, _, err := h.firmZone(c, v)
	if err != nil {
		return err
	}
	in, err := f.input(loc)
	id := editID
	var planned []events.Planned
	if err == nil {
		if id == 0 {
			id, planned, err = h.stores.Events.CreateEvent(c.UserContext(), v, in)
		} else {
			planned, err = h.stores.Events.UpdateEvent(c.UserContext(), v, id, in)
		}
	}
	var invalid *store.InvalidError
	if errors.As(err, &invalid) {
		return h.showEventForm(c, v, eventFormData{Form: f, EventID: editID, Error: invalid.Msg})
	}
	if err != nil {
		return storeErr(err)
	}
	h.enqueuePlanned(c, v, planned)
	return redirect(c, fmt.Sprintf("/staff/calendar/events/%d", id))
}

// enqueuePlanned queues the calendar texts a change planned. A failure is
// logged, not shown: the rows are planned, and the worker's sweep queues
// any that were missed.
func (h *handler) enqueuePlanned(c *fiber.Ctx, v store.Viewer, planned []events.Planned) {
	ctx := c.UserContext()
	for _, p := range planned {
		t, err := tasks.NewEventNotify(v.FirmID, p.ID, p.SendAt)
		if err == nil {
			err = h.Tasks.Enqueue(ctx, t)
		}
		if err != nil {
			h.Log.WarnContext(ctx, "could not enqueue calendar text", "err", err, "notification_id", p.ID)
		}
	}
}

// staffEventContacts answers the event form's contact search with the
// contacts to add.
func (h *handler) staffEventContacts(c *fiber.Ctx) error {
	q := strings.TrimSpace(c.Query("contact_q"))
	d := eventFormData{Query: q}
	if q != "" {
		found, err := h.stores.Events.ContactChoices(c.UserContext(), viewer(session(c)), q)
		if err != nil {
			return pageErr(err)
		}
		d.Found = found
	}
	return c.Render("staff/event_form#found", h.page(c, "", d))
}

// staffEventContact is one contact's row for the event form's invitees,
// invited: what "Add" puts in the table.
func (h *handler) staffEventContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	choices, err := h.stores.Events.EventChoices(c.UserContext(), viewer(session(c)), 0, []int64{id})
	if err != nil {
		return storeErr(err)
	}
	if len(choices.Contacts) == 0 {
		return fiber.ErrNotFound
	}
	return c.Render("staff/event_form#partials/invitee", map[string]any{"C": choices.Contacts[0], "Invited": true})
}

// staffEventMatters answers the event form's matter search with the
// options of its matter list.
func (h *handler) staffEventMatters(c *fiber.Ctx) error {
	v := viewer(session(c))
	page, err := h.stores.Matters.List(c.UserContext(), v, matters.Filter{Query: c.Query("matter_q")}, "")
	if err != nil {
		return pageErr(err)
	}
	d := eventFormData{Choices: events.EventChoices{Matters: page.Items[:min(len(page.Items), pickerSize)]}}
	return c.Render("staff/event_form#matters", h.page(c, "", d))
}
