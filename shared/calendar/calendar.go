// Package calendar holds the rules of calendar texts: the fixed templates,
// when a notification or reminder may go out, which changes an attendee
// is told about, and what a Y or N reply means. The portal plans with
// these rules and the worker applies them; neither has its own copy.
package calendar

import (
	"fmt"
	"time"

	"github.com/parleyhq/parley/shared/models"

	// Firms pick any IANA zone; embedding the database means a container
	// image without tzdata still knows them.
	_ "time/tzdata"
)

// Kind is what a calendar text is about.
type Kind string

const (
	KindCreated   Kind = "created"
	KindUpdated   Kind = "updated"
	KindCancelled Kind = "cancelled"
	KindReminder  Kind = "reminder"
	// KindAck acknowledges a Y or N reply.
	KindAck Kind = "ack"
)

// Kinds are the templates Settings shows, in order.
var Kinds = []Kind{KindCreated, KindUpdated, KindCancelled, KindReminder}

// Asks reports whether a text of this kind asks for a Y or N reply, which
// makes the attendee's invitation pending until the event starts.
func (k Kind) Asks() bool { return k == KindCreated || k == KindUpdated || k == KindReminder }

// Label is how the kind reads on an event page.
func (k Kind) Label() string {
	switch k {
	case KindCreated:
		return "Invitation"
	case KindUpdated:
		return "Update"
	case KindCancelled:
		return "Cancellation"
	case KindReminder:
		return "Reminder"
	case KindAck:
		return "Reply acknowledged"
	}
	return string(k)
}

// Event is what the texts say about an event.
type Event struct {
	Title    string
	Start    time.Time
	End      time.Time
	Location string
}

// Changed reports whether an edit matters to an attendee: the time, the
// date or the place. A new title or description is not worth a text.
func Changed(before, after Event) bool {
	return !before.Start.Equal(after.Start) || !before.End.Equal(after.End) || before.Location != after.Location
}

// Rescheduled reports whether the time or date moved, which voids an
// attendee's earlier answer and any reminder planned for the old start.
func Rescheduled(before, after Event) bool {
	return !before.Start.Equal(after.Start) || !before.End.Equal(after.End)
}

// Location loads a firm's time zone, falling back to UTC for a name the
// database does not know (the settings form refuses such names).
func Location(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return time.UTC
	}
	return loc
}

// ValidZone reports whether name is an IANA time zone.
func ValidZone(name string) error {
	if name == "" || name == "Local" {
		return fmt.Errorf("choose a time zone")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return fmt.Errorf("%q is not a time zone", name)
	}
	return nil
}

// EventOf is what the texts say about a stored event.
func EventOf(e models.Event) Event {
	return Event{Title: e.Title, Start: e.StartsAt, End: e.EndsAt, Location: e.Location}
}

// FirmOf is what the texts say about a firm.
func FirmOf(f models.Firm) Firm {
	return Firm{Name: f.Name, AltEmail: f.TextingAltEmail, AltPhone: f.TextingAltPhone, Zone: Location(f.TimeZone)}
}
