package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/texting"
)

// errTaken rolls back a transaction that found its work already done.
var errTaken = errors.New("already sent by another run")

// Outcome is what became of a planned text that was due.
type Outcome struct {
	// Text is the text recorded as queued: send it.
	Text *models.TextMessage
	// HoldUntil is set when it is not time yet (early, or quiet hours):
	// ask again then.
	HoldUntil time.Time
	// Status and Reason say why nothing was sent (skipped or cancelled).
	Status, Reason string
}

// SendDue sends one planned calendar text, written from the event as it is
// now, not as it was when planned. The row moves planned → sent in the same
// transaction that records the text, with a conditional update, so a task
// delivered twice sends once; a text no longer wanted (event cancelled or
// moved, attendee removed) or that cannot be sent settles with the reason
// instead. A zero Outcome means another run dealt with it.
func (s *Store) SendDue(ctx context.Context, sys store.System, notificationID int64) (Outcome, error) {
	db := s.DB.WithContext(ctx)
	var n models.EventNotification
	if err := db.Where("firm_id = ? AND id = ?", sys.FirmID, notificationID).Take(&n).Error; err != nil {
		return Outcome{}, store.NotFound(err, "load event text")
	}
	if n.Status != models.NotificationPlanned {
		return Outcome{}, nil
	}
	var (
		ev models.Event
		a  models.EventAttendee
		c  models.Contact
	)
	firm, err := firms.Load(db, n.FirmID)
	if err != nil {
		return Outcome{}, err
	}
	if err := db.Where("firm_id = ? AND id = ?", n.FirmID, n.EventID).Take(&ev).Error; err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: load event: %w", n.ID, err)
	}
	if err := db.Where("firm_id = ? AND id = ?", n.FirmID, n.AttendeeID).Take(&a).Error; err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: load attendee: %w", n.ID, err)
	}
	if a.ContactID == nil {
		return s.settle(ctx, n, models.NotificationSkipped, "Only contacts are texted.")
	}
	if err := db.Preload("PhoneNumbers", contacts.TextingFirst).
		Where("firm_id = ? AND id = ?", n.FirmID, *a.ContactID).Take(&c).Error; err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: load contact: %w", n.ID, err)
	}

	now, zone := s.now(), calendar.Location(firm.TimeZone)
	if at := calendar.SendAt(maxTime(now, n.SendAt), zone); at.After(now.Add(time.Second)) {
		// Early (a sweep found it) or in quiet hours: wait for its time.
		return s.hold(ctx, n, at)
	}
	if why := stale(calendar.Kind(n.Kind), n, ev, a, firm, now); why != "" {
		return s.settle(ctx, n, models.NotificationCancelled, why)
	}
	r, err := texting.ContactTarget(db, firm, c)
	var refusal *texting.Refusal
	if errors.As(err, &refusal) {
		return s.settle(ctx, n, models.NotificationSkipped, refusal.Error())
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: %w", n.ID, err)
	}

	kind := calendar.Kind(n.Kind)
	txt := texting.Outbound(firm.ID, c.ID, r, calendar.Text(kind, calendar.FirmOf(firm), calendar.EventOf(ev)))
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := texting.AddOutbound(tx, &txt); err != nil {
			return err
		}
		res := tx.Model(&models.EventNotification{}).
			Where("firm_id = ? AND id = ? AND status = ?", n.FirmID, n.ID, models.NotificationPlanned).
			Updates(map[string]any{"status": models.NotificationSent, "text_message_id": txt.ID, "sent_at": now, "updated_at": now})
		if res.Error != nil {
			return fmt.Errorf("mark sent: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return errTaken
		}
		if kind.Asks() {
			// From now on a Y or N from the contact may answer this event.
			if err := tx.Model(&a).Updates(map[string]any{"asked_at": now, "updated_at": now}).Error; err != nil {
				return fmt.Errorf("mark asked: %w", err)
			}
		}
		return nil
	})
	if errors.Is(err, errTaken) {
		return Outcome{}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: %w", n.ID, err)
	}
	return Outcome{Text: &txt}, nil
}

// stale says why a planned text is no longer wanted, or "" if it is.
// A cancellation always goes: the event or the attendee's place on it is
// gone, and that is its news.
func stale(kind calendar.Kind, n models.EventNotification, ev models.Event, a models.EventAttendee, f models.Firm, now time.Time) string {
	switch {
	case kind == calendar.KindCancelled:
		return ""
	case ev.CancelledAt != nil:
		return "The event was cancelled."
	case a.RemovedAt != nil:
		return "Removed from the event."
	case !a.NotifyText:
		return "Notify via text was turned off."
	case !ev.StartsAt.After(now):
		return "The event has started."
	case kind == calendar.KindReminder && (n.ReminderFor == nil || !n.ReminderFor.Equal(ev.StartsAt)):
		return "The event moved; its reminder was planned again."
	case kind == calendar.KindReminder && f.ReminderDays == 0:
		return "Event reminders are turned off."
	}
	return ""
}

func (s *Store) settle(ctx context.Context, n models.EventNotification, status, reason string) (Outcome, error) {
	err := s.DB.WithContext(ctx).Model(&models.EventNotification{}).
		Where("firm_id = ? AND id = ? AND status = ?", n.FirmID, n.ID, models.NotificationPlanned).
		Updates(map[string]any{"status": status, "reason": reason, "updated_at": s.now()}).Error
	if err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: settle as %s: %w", n.ID, status, err)
	}
	return Outcome{Status: status, Reason: reason}, nil
}

// hold puts a planned text off until at (the morning, after quiet hours).
func (s *Store) hold(ctx context.Context, n models.EventNotification, at time.Time) (Outcome, error) {
	err := s.DB.WithContext(ctx).Model(&models.EventNotification{}).
		Where("firm_id = ? AND id = ? AND status = ?", n.FirmID, n.ID, models.NotificationPlanned).
		Updates(map[string]any{"send_at": at, "updated_at": s.now()}).Error
	if err != nil {
		return Outcome{}, fmt.Errorf("store: event text %d: hold: %w", n.ID, err)
	}
	return Outcome{HoldUntil: at}, nil
}

// Due is a planned text, for the sweep that queues lost ones.
type Due struct {
	FirmID, ID int64
	SendAt     time.Time
}

// Overdue lists planned calendar texts (of every firm: a sweep's question)
// whose time passed more than olderThan ago but that no task sent: the
// enqueue after the portal's commit failed, or Redis lost the task.
func (s *Store) Overdue(ctx context.Context, olderThan time.Duration) ([]Due, error) {
	var rows []Due
	err := s.DB.WithContext(ctx).Model(&models.EventNotification{}).Select("firm_id", "id", "send_at").
		Where("status = ? AND send_at < ?", models.NotificationPlanned, time.Now().Add(-olderThan)).
		Order("send_at").Limit(500).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: find due event texts: %w", err)
	}
	return rows, nil
}

// Answer applies a Y or N reply, in the transaction that stored it (see
// calendar.ReplyAction for the rule, YES as opt-in included): it is the
// texting store's ReplyFunc. It returns the acknowledgement to send, or nil
// when the reply is an ordinary text.
func (s *Store) Answer(tx *gorm.DB, r texting.Reply) (*models.TextMessage, error) {
	in, now := r.In, r.Now
	opted, err := texting.OptedOutOf(tx, in.To, r.From)
	if err != nil {
		return nil, err
	}
	out := opted[r.From]
	var pending []calendar.Pending
	if !out {
		if pending, err = pendingInvitations(tx, in.FirmID, r.ContactID, now); err != nil {
			return nil, err
		}
	}
	action := calendar.ReplyAction(in.Kind, out, len(pending) > 0)
	switch action {
	case calendar.ActionOptIn:
		return nil, texting.ClearOptOut(tx, in.To, r.From)
	case calendar.ActionText:
		return nil, nil
	}
	p, _ := calendar.Choose(pending)
	answer := models.AnswerConfirmed
	if action == calendar.ActionDecline {
		answer = models.AnswerDeclined
	}
	err = tx.Model(&models.EventAttendee{}).Where("firm_id = ? AND id = ?", in.FirmID, p.AttendeeID).
		Updates(map[string]any{"answer": answer, "answered_at": now, "answer_text_id": r.TextID, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("record answer: %w", err)
	}
	firm, err := firms.Load(tx, in.FirmID)
	if err != nil {
		return nil, err
	}
	// The acknowledgement answers the contact's own text, so it goes at
	// once, quiet hours or not: it is a reply, not a text out of the blue.
	ack := texting.Outbound(in.FirmID, r.ContactID, texting.Route{Dialect: string(in.Dialect), FirmNumber: in.To, ContactNumber: r.From},
		calendar.Ack(answer == models.AnswerConfirmed, calendar.FirmOf(firm), p.Event))
	if err := texting.AddOutbound(tx, &ack); err != nil {
		return nil, fmt.Errorf("queue acknowledgement: %w", err)
	}
	err = tx.Create(&models.EventNotification{FirmID: in.FirmID, EventID: p.EventID, AttendeeID: p.AttendeeID,
		Kind: string(calendar.KindAck), Status: models.NotificationSent, SendAt: now, SentAt: &now,
		TextMessageID: &ack.ID}).Error
	if err != nil {
		return nil, fmt.Errorf("record acknowledgement: %w", err)
	}
	return &ack, nil
}

// pendingInvitations lists the contact's invitations a reply may answer:
// asked by text, not removed, the event neither cancelled nor started.
func pendingInvitations(tx *gorm.DB, firmID, contactID int64, now time.Time) ([]calendar.Pending, error) {
	var rows []struct {
		AttendeeID int64
		AskedAt    time.Time
		models.Event
	}
	err := tx.Raw(`SELECT a.id AS attendee_id, a.asked_at, e.* FROM event_attendees a
		JOIN events e ON e.firm_id = a.firm_id AND e.id = a.event_id
		WHERE a.firm_id = ? AND a.contact_id = ? AND a.asked_at IS NOT NULL AND a.removed_at IS NULL
		  AND a.notify_text AND e.cancelled_at IS NULL AND e.starts_at > ?
		ORDER BY a.asked_at DESC LIMIT 50`, firmID, contactID, now).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find pending invitations: %w", err)
	}
	out := make([]calendar.Pending, len(rows))
	for i, r := range rows {
		out[i] = calendar.Pending{AttendeeID: r.AttendeeID, EventID: r.Event.ID, Event: calendar.EventOf(r.Event), AskedAt: r.AskedAt}
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

var _ texting.ReplyFunc = (*Store)(nil).Answer
