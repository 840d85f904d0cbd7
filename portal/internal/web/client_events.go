package web

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/events"
)

// clientEventsView is the appointments section of a client's matter page.
type clientEventsView struct {
	events.ClientEvents
	zone *time.Location
}

// When is an event's time in the firm's zone, as the texts say it.
func (v clientEventsView) When(e events.ClientEvent) string {
	return calendar.When(calendar.Event{Title: e.Title, Start: e.StartsAt, End: e.EndsAt, Location: e.Location}, v.zone)
}

// AnswerLabel is the client's answer in words.
func (v clientEventsView) AnswerLabel(a models.Answer) string {
	switch a {
	case models.AnswerConfirmed:
		return "You confirmed"
	case models.AnswerDeclined:
		return "You declined"
	}
	return "No answer yet"
}

// clientEventICS answers an "Add to calendar" file for an event the client
// is invited to.
func (h *handler) clientEventICS(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := h.stores.Events.ClientEvent(c.UserContext(), viewer(session(c)), id)
	if err != nil {
		return storeErr(err)
	}
	body := eventICS(e, session(c).FirmName, h.Config.PublicURL, h.now())
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="event-%d.ics"`, e.ID))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(body)
}

// eventICS writes e as an iCalendar file (RFC 5545). Its UID is the same
// every time, and its sequence grows with each change, so a calendar that
// imported it before takes a newer file (a new time, a cancellation) as
// an update of the same event.
func eventICS(e events.ClientEvent, firm, publicURL string, now time.Time) string {
	host := "parley"
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//Parley//Client portal//EN")
	ev := cal.AddEvent(fmt.Sprintf("event-%d@%s", e.ID, host))
	ev.SetDtStampTime(now.UTC())
	ev.SetModifiedAt(e.UpdatedAt.UTC())
	ev.SetSequence(int(e.UpdatedAt.Sub(e.CreatedAt) / time.Second)) // grows with every change
	ev.SetStartAt(e.StartsAt.UTC())
	ev.SetEndAt(e.EndsAt.UTC())
	ev.SetSummary(strings.TrimSpace(e.Title + " (" + firm + ")"))
	if e.Location != "" {
		ev.SetLocation(e.Location)
	}
	if e.CancelledAt != nil {
		ev.SetStatus(ics.ObjectStatusCancelled)
	} else {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
	return cal.Serialize()
}
