package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
)

// eventData is an event's page.
type eventData struct {
	Event events.EventDetail
	Zone  *time.Location
}

// When is the event's time in the firm's zone, as the texts say it.
func (d eventData) When() string { return calendar.When(calendar.EventOf(d.Event.Event), d.Zone) }

// At writes a moment in the firm's zone.
func (d eventData) At(t time.Time) string { return t.In(d.Zone).Format("Mon, Jan 2, 3:04 PM MST") }

// AnswerLabel is an attendee's answer in words.
func (d eventData) AnswerLabel(a models.Answer) string {
	switch a {
	case models.AnswerConfirmed:
		return "Confirmed"
	case models.AnswerDeclined:
		return "Declined"
	}
	return "No answer yet"
}

// Status is where a planned text stands, in words: once sent, how its
// delivery went (with the carrier's reason for a failure); before, whether
// it is still planned, and why not.
func (d eventData) Status(n events.NotificationRow) string {
	if n.Status == models.NotificationSent && n.TextStatus != "" {
		label := textStatusLabel(models.TextStatus(n.TextStatus))
		if n.FailureReason != "" {
			label += " (" + n.FailureReason + ")"
		}
		return label
	}
	label := n.Status
	switch n.Status {
	case models.NotificationPlanned:
		label = "Planned"
	case models.NotificationSent:
		label = "Sent"
	case models.NotificationCancelled:
		label = "Cancelled"
	case models.NotificationSkipped:
		label = "Not sent"
	}
	if n.Reason != "" {
		label += ": " + n.Reason
	}
	return label
}

// CalendarLink is the week of the event on the firm's calendar.
func (d eventData) CalendarLink() string {
	return "/staff/calendar?view=week&date=" + d.Event.StartsAt.In(d.Zone).Format(dateLayout)
}

// eventParam is the signed-in viewer, the event named by the :id route
// parameter if the viewer may see it (a 404 otherwise), and the firm's zone.
func (h *handler) eventParam(c *fiber.Ctx) (store.Viewer, events.EventDetail, *time.Location, error) {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return v, events.EventDetail{}, nil, err
	}
	ev, err := h.stores.Events.Event(c.UserContext(), v, id)
	if err != nil {
		return v, ev, nil, storeErr(err)
	}
	loc, _, err := h.firmZone(c, v)
	return v, ev, loc, err
}

// staffEvent shows an event with its attendees' answers and its texts.
func (h *handler) staffEvent(c *fiber.Ctx) error {
	_, ev, loc, err := h.eventParam(c)
	if err != nil {
		return err
	}
	return h.render(c, "staff/event", "", ev.Title, eventData{Event: ev, Zone: loc})
}

// staffEventCancel cancels an event and queues the texts telling its
// contacts.
func (h *handler) staffEventCancel(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	planned, err := h.stores.Events.CancelEvent(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	h.enqueuePlanned(c, v, planned)
	return redirect(c, fmt.Sprintf("/staff/calendar/events/%d", id))
}
