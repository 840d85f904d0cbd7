package events

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// ClientEvent is an event as a client who attends it sees it in the
// portal: when, where, whether it was cancelled, and their Y/N answer. The
// description is left out: the firm writes it for itself.
type ClientEvent struct {
	ID          int64
	Title       string
	Location    string
	StartsAt    time.Time
	EndsAt      time.Time
	CancelledAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Answer      models.Answer
}

// ClientEvents are a client's events on one of their matters, and the
// firm's time zone, in which the portal shows them.
type ClientEvents struct {
	Upcoming, Past []ClientEvent
	Zone           string
}

// clientPast is how many past events the portal lists.
const clientPast = 5

// ClientEvents lists the events on matter matterID that the client v is
// invited to (and not taken off): those not yet over, soonest first (up to
// 50), then the last few past ones, latest first. Only a client may ask,
// and only about a matter of theirs; another matter has no events for them.
func (s *Store) ClientEvents(ctx context.Context, v store.Viewer, matterID int64) (ClientEvents, error) {
	var out ClientEvents
	if !v.IsClient() {
		return out, store.ErrNotFound
	}
	args := store.ViewerArgs(v, matterID)
	args["now"], args["past"] = s.now(), clientPast
	// Each half reads the matter's events in start order from now (the
	// matter's start index) and keeps those the client attends.
	q := `SELECT * FROM (SELECT e.id, e.title, e.location, e.starts_at, e.ends_at, e.cancelled_at, e.created_at, e.updated_at, a.answer, true AS upcoming
			FROM events e JOIN event_attendees a ON a.event_id = e.id AND a.contact_id = @contact AND a.removed_at IS NULL
			WHERE e.firm_id = @firm AND e.matter_id = @matter AND e.ends_at >= @now
			AND EXISTS (SELECT 1 FROM matters WHERE ` + store.MatterRule(v) + ` AND matters.id = @matter)
			ORDER BY e.starts_at, e.id LIMIT 50) up
		UNION ALL SELECT * FROM (SELECT e.id, e.title, e.location, e.starts_at, e.ends_at, e.cancelled_at, e.created_at, e.updated_at, a.answer, false
			FROM events e JOIN event_attendees a ON a.event_id = e.id AND a.contact_id = @contact AND a.removed_at IS NULL
			WHERE e.firm_id = @firm AND e.matter_id = @matter AND e.ends_at < @now
			AND EXISTS (SELECT 1 FROM matters WHERE ` + store.MatterRule(v) + ` AND matters.id = @matter)
			ORDER BY e.starts_at DESC, e.id DESC LIMIT @past) past`
	type row struct {
		ClientEvent
		Upcoming bool
	}
	rows, err := store.QueryAll(ctx, s.DB, q, args, func(r store.Rows, e *row) error {
		return r.Scan(&e.ID, &e.Title, &e.Location, &e.StartsAt, &e.EndsAt, &e.CancelledAt, &e.CreatedAt, &e.UpdatedAt, &e.Answer, &e.Upcoming)
	})
	if err != nil {
		return out, fmt.Errorf("store: client events: %w", err)
	}
	for _, r := range rows {
		if r.Upcoming {
			out.Upcoming = append(out.Upcoming, r.ClientEvent)
		} else {
			out.Past = append(out.Past, r.ClientEvent)
		}
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT time_zone FROM firms WHERE id = ?`, v.FirmID).Scan(&out.Zone).Error; err != nil {
		return out, fmt.Errorf("store: firm zone: %w", err)
	}
	return out, nil
}

// ClientEvent is one event the client v is invited to, on a matter of
// theirs, for an "Add to calendar" file; else store.ErrNotFound.
func (s *Store) ClientEvent(ctx context.Context, v store.Viewer, id int64) (ClientEvent, error) {
	var e ClientEvent
	if !v.IsClient() {
		return e, store.ErrNotFound
	}
	args := store.ViewerArgs(v, 0)
	args["event"] = id
	rows, err := store.QueryAll(ctx, s.DB, `SELECT e.id, e.title, e.location, e.starts_at, e.ends_at, e.cancelled_at, e.created_at, e.updated_at, a.answer
		FROM events e JOIN event_attendees a ON a.event_id = e.id AND a.contact_id = @contact AND a.removed_at IS NULL
		JOIN matters ON matters.id = e.matter_id
		WHERE e.firm_id = @firm AND e.id = @event AND `+store.MatterRule(v), args,
		func(r store.Rows, e *ClientEvent) error {
			return r.Scan(&e.ID, &e.Title, &e.Location, &e.StartsAt, &e.EndsAt, &e.CancelledAt, &e.CreatedAt, &e.UpdatedAt, &e.Answer)
		})
	if err != nil {
		return e, fmt.Errorf("store: client event: %w", err)
	}
	if len(rows) == 0 {
		return e, store.ErrNotFound
	}
	return rows[0], nil
}
