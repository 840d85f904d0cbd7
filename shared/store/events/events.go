// Package events owns events, their attendees and the texts planned
// about them (event_notifications): planning them as events are edited,
// sending them when they are due, and applying the Y/N answers they ask for.
package events

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes events.
type Store struct {
	DB *gorm.DB
	// Clock is the time texts are planned and answered by; nil: time.Now.
	Clock func() time.Time
}

func (s *Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock()
}

// EventInput is an event as a firm user writes it.
type EventInput struct {
	MatterID    int64 // 0: not on a matter
	Title       string
	Start, End  time.Time
	Location    string
	Description string
	UserIDs     []int64
	Contacts    []ContactAttendee
}

// ContactAttendee is a contact invited to an event.
type ContactAttendee struct {
	ContactID  int64
	NotifyText bool
}

// Planned is a calendar text the caller must queue once the change is
// committed (a sweep in the worker queues any it did not).
type Planned struct {
	ID     int64
	SendAt time.Time
}

func (in *EventInput) validate() error {
	in.Title, in.Location = strings.TrimSpace(in.Title), strings.TrimSpace(in.Location)
	in.Description = strings.TrimSpace(in.Description)
	switch {
	case in.Title == "":
		return store.Invalid("Give the event a title.")
	case utf8.RuneCountInString(in.Title) > 200:
		return store.Invalid("Keep the title under 200 characters.")
	case utf8.RuneCountInString(in.Location) > 300:
		return store.Invalid("Keep the location under 300 characters.")
	case utf8.RuneCountInString(in.Description) > 5000:
		return store.Invalid("Keep the description under 5,000 characters.")
	case in.Start.IsZero() || in.End.IsZero():
		return store.Invalid("Give the event a start and an end.")
	case in.End.Before(in.Start):
		return store.Invalid("The event cannot end before it starts.")
	case in.End.Sub(in.Start) > maxEventLength:
		return store.Invalid("An event can last at most 31 days.")
	}
	return nil
}

// visibleEvents scopes a query on events to what a firm user may see: the
// firm's events that are on no matter, or on a matter they may see.
// An administrator sees every matter, so for one the firm is the rule.
func visibleEvents(q *gorm.DB, v store.Viewer) *gorm.DB {
	if v.Admin {
		return q.Where("events.firm_id = ?", v.FirmID)
	}
	return q.Where(`events.firm_id = @firm AND (events.matter_id IS NULL OR EXISTS (
		SELECT 1 FROM matters WHERE matters.id = events.matter_id AND `+store.MatterRule(v)+`))`, store.ViewerArgs(v, 0))
}

// maxEventLength is the longest an event may last (see validate): what
// lets a range look for events by their start alone.
const maxEventLength = 31 * 24 * time.Hour

// matterNameSQL names an event's matter (joined as matters) as the matter
// page heads it.
const matterNameSQL = `coalesce(matters.number || ' · ' || matters.description, '')`

// EventRow is an event as lists show it.
type EventRow struct {
	models.Event
	MatterName string
	Attendees  int
}

// Events lists the events v may see that overlap [from, to), on one matter
// when matterID is not 0, in start order.
func (s *Store) Events(ctx context.Context, v store.Viewer, from, to time.Time, matterID int64) ([]EventRow, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	// An event that ends as the range begins is not in it, unless it takes
	// no time at all and starts there. No event lasts longer than
	// maxEventLength, so the start index bounds the search on both sides.
	q := s.listQuery(ctx, v, matterID).Where("events.starts_at >= ? AND events.starts_at < ? AND (events.ends_at > ? OR events.starts_at >= ?)",
		from.Add(-maxEventLength), to, from, from)
	var out []EventRow
	if err := q.Order("events.starts_at, events.id").Limit(1000).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	return out, nil
}

// Upcoming lists the events v may see that start at or after from, in start
// order, a page at a time (after is the cursor of the page before).
func (s *Store) Upcoming(ctx context.Context, v store.Viewer, from time.Time, matterID int64, after string) (store.Page[EventRow], error) {
	if err := store.FirmUser(v); err != nil {
		return store.Page[EventRow]{}, err
	}
	at, id := from, int64(0)
	if _, err := store.ReadCursor(after, &at, &id); err != nil {
		return store.Page[EventRow]{}, err
	}
	q := s.listQuery(ctx, v, matterID).Where("(events.starts_at, events.id) > (?, ?)", at, id)
	var out []EventRow
	if err := q.Order("events.starts_at, events.id").Limit(store.PageSize + 1).Find(&out).Error; err != nil {
		return store.Page[EventRow]{}, fmt.Errorf("store: list events: %w", err)
	}
	return store.Trim(out, func(e EventRow) string { return store.Cursor(e.StartsAt, e.ID) }), nil
}

// listQuery reads the EventRows v may see, of one matter when matterID is
// not 0. The rule is applied to the matter joined for its name, not in a
// subquery per event: as a prepared statement's generic plan, that
// subquery became a scan of every visible matter.
func (s *Store) listQuery(ctx context.Context, v store.Viewer, matterID int64) *gorm.DB {
	q := s.DB.WithContext(ctx).Table("events").
		Select(`events.*, `+matterNameSQL+` AS matter_name,
			(SELECT count(*) FROM event_attendees a WHERE a.event_id = events.id AND a.removed_at IS NULL) AS attendees`).
		Joins("LEFT JOIN matters ON matters.firm_id = events.firm_id AND matters.id = events.matter_id").
		Where("events.firm_id = @firm AND (events.matter_id IS NULL OR "+store.MatterRule(v)+")", store.ViewerArgs(v, 0))
	if matterID != 0 {
		q = q.Where("events.matter_id = ?", matterID)
	}
	return q
}

// AttendeeRow is an attendee as the event page shows it.
type AttendeeRow struct {
	models.EventAttendee
	Name string
	// The attendee's reminder: planned (at ReminderAt) or sent (at ReminderSentAt).
	ReminderStatus string
	ReminderAt     *time.Time
	ReminderSentAt *time.Time
}

// NotificationRow is a calendar text as the event page lists it, with the
// delivery status of the text that carried it.
type NotificationRow struct {
	models.EventNotification
	To            string
	TextStatus    string
	FailureReason string
}

// KindLabel names the notification's kind.
func (n NotificationRow) KindLabel() string { return calendar.Kind(n.Kind).Label() }

// EventDetail is an event with who is invited and what was texted.
type EventDetail struct {
	EventRow
	Users         []AttendeeRow
	Contacts      []AttendeeRow
	Removed       []AttendeeRow
	Notifications []NotificationRow
}

// Event returns one event v may see.
func (s *Store) Event(ctx context.Context, v store.Viewer, id int64) (EventDetail, error) {
	if err := store.FirmUser(v); err != nil {
		return EventDetail{}, err
	}
	var d EventDetail
	if err := s.listQuery(ctx, v, 0).Where("events.id = ?", id).Take(&d.EventRow).Error; err != nil {
		return EventDetail{}, store.NotFound(err, "load event")
	}
	var rows []AttendeeRow
	err := s.DB.WithContext(ctx).Raw(`SELECT a.*,
			CASE WHEN a.user_id IS NOT NULL THEN btrim(u.first_name || ' ' || u.last_name) ELSE `+store.ContactNameSQL+` END AS name,
			r.status AS reminder_status, r.send_at AS reminder_at, r.sent_at AS reminder_sent_at
		FROM event_attendees a
		LEFT JOIN users u ON u.firm_id = a.firm_id AND u.id = a.user_id
		LEFT JOIN contacts c ON c.firm_id = a.firm_id AND c.id = a.contact_id
		LEFT JOIN LATERAL (SELECT n.status, n.send_at, n.sent_at FROM event_notifications n
			WHERE n.attendee_id = a.id AND n.kind = 'reminder' AND n.status IN ('planned', 'sent')
			ORDER BY n.id DESC LIMIT 1) r ON true
		WHERE a.firm_id = ? AND a.event_id = ? ORDER BY name, a.id`, v.FirmID, id).Scan(&rows).Error
	if err != nil {
		return EventDetail{}, fmt.Errorf("store: load attendees: %w", err)
	}
	for _, r := range rows {
		switch {
		case r.RemovedAt != nil:
			d.Removed = append(d.Removed, r)
		case r.UserID != nil:
			d.Users = append(d.Users, r)
		default:
			d.Contacts = append(d.Contacts, r)
		}
	}
	d.Attendees = len(d.Users) + len(d.Contacts)
	err = s.DB.WithContext(ctx).Raw(`SELECT n.*, `+store.ContactNameSQL+` AS "to",
			coalesce(t.status, '') AS text_status, coalesce(t.failure_reason, '') AS failure_reason
		FROM event_notifications n
		JOIN event_attendees a ON a.firm_id = n.firm_id AND a.id = n.attendee_id
		JOIN contacts c ON c.firm_id = a.firm_id AND c.id = a.contact_id
		LEFT JOIN text_messages t ON t.firm_id = n.firm_id AND t.id = n.text_message_id
		WHERE n.firm_id = ? AND n.event_id = ? ORDER BY n.send_at DESC, n.id DESC`, v.FirmID, id).Scan(&d.Notifications).Error
	if err != nil {
		return EventDetail{}, fmt.Errorf("store: load event texts: %w", err)
	}
	return d, nil
}
