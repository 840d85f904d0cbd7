package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/tasks"
)

// errTaken rolls back a transaction that found its work already done.
var errTaken = errors.New("already sent by another run")

func (j *Jobs) now() time.Time {
	if j.Clock != nil {
		return j.Clock()
	}
	return time.Now()
}

// NotifyEvent sends one planned calendar text. The text is written from
// the event as it is now, not as it was when planned. The row moves
// planned → sent in the same transaction that records the text, with a
// conditional update, so a task delivered twice sends once; a text that
// is no longer wanted (event cancelled or moved, attendee removed) or
// cannot be sent settles with the reason instead.
func (j *Jobs) NotifyEvent(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.EventNotify](t)
	if err != nil {
		return err
	}
	db := j.DB.WithContext(ctx)
	var n models.EventNotification
	err = db.Where("firm_id = ? AND id = ?", p.FirmID, p.NotificationID).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("event text %d of firm %d does not exist: %w", p.NotificationID, p.FirmID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("event text %d: load: %w", p.NotificationID, err)
	}
	if n.Status != models.NotificationPlanned {
		return nil
	}
	var (
		firm models.Firm
		ev   models.Event
		a    models.EventAttendee
		c    models.Contact
	)
	if err := db.Take(&firm, n.FirmID).Error; err != nil {
		return fmt.Errorf("event text %d: load firm: %w", n.ID, err)
	}
	if err := db.Where("firm_id = ? AND id = ?", n.FirmID, n.EventID).Take(&ev).Error; err != nil {
		return fmt.Errorf("event text %d: load event: %w", n.ID, err)
	}
	if err := db.Where("firm_id = ? AND id = ?", n.FirmID, n.AttendeeID).Take(&a).Error; err != nil {
		return fmt.Errorf("event text %d: load attendee: %w", n.ID, err)
	}
	if a.ContactID == nil {
		return j.settleNotification(ctx, n, models.NotificationSkipped, "Only contacts are texted.")
	}
	if err := db.Preload("PhoneNumbers", func(q *gorm.DB) *gorm.DB { return q.Order("is_texting DESC, id") }).
		Where("firm_id = ? AND id = ?", n.FirmID, *a.ContactID).Take(&c).Error; err != nil {
		return fmt.Errorf("event text %d: load contact: %w", n.ID, err)
	}

	now, zone := j.now(), calendar.Location(firm.TimeZone)
	if at := calendar.SendAt(maxTime(now, n.SendAt), zone); at.After(now.Add(time.Second)) {
		// Early (a sweep found it) or in quiet hours: wait for its time.
		return j.holdNotification(ctx, n, at)
	}
	if why := stale(calendar.Kind(n.Kind), n, ev, a, firm, now); why != "" {
		return j.settleNotification(ctx, n, models.NotificationCancelled, why)
	}
	to, why, err := store.TextTarget(firm, c, func(to string) (bool, error) {
		return optedOut(db, *firm.TextingNumber, to)
	})
	if err != nil {
		return fmt.Errorf("event text %d: %w", n.ID, err)
	}
	if why != "" {
		return j.settleNotification(ctx, n, models.NotificationSkipped, why)
	}

	kind := calendar.Kind(n.Kind)
	txt := models.TextMessage{FirmID: firm.ID, ContactID: c.ID, Direction: "out", Dialect: *firm.TextingDialect,
		FirmNumber: *firm.TextingNumber, ContactNumber: to, Status: models.TextQueued,
		Body: calendar.Text(kind, calendar.FirmOf(firm), calendar.EventOf(ev))}
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Media").Create(&txt).Error; err != nil {
			return fmt.Errorf("record text: %w", err)
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
		return nil
	}
	if err != nil {
		return fmt.Errorf("event text %d: %w", n.ID, err)
	}
	j.queueText(ctx, txt)
	j.textsChanged(ctx, txt.FirmID, txt.ContactID)
	j.Log.InfoContext(ctx, "event text queued", "firm_id", firm.ID, "event_id", ev.ID, "kind", n.Kind, "text_id", txt.ID)
	return nil
}

// queueText enqueues the send task of a text row just committed. If Redis
// refuses, the row stays queued and RequeueTexts sends it later.
func (j *Jobs) queueText(ctx context.Context, txt models.TextMessage) {
	st, err := tasks.NewTextSend(txt.FirmID, txt.ID, 0)
	if err == nil {
		err = j.Tasks.Enqueue(ctx, st)
	}
	if err != nil {
		j.Log.WarnContext(ctx, "text stored, not yet queued", "text_id", txt.ID, "err", err)
	}
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

func (j *Jobs) settleNotification(ctx context.Context, n models.EventNotification, status, reason string) error {
	err := j.DB.WithContext(ctx).Model(&models.EventNotification{}).
		Where("firm_id = ? AND id = ? AND status = ?", n.FirmID, n.ID, models.NotificationPlanned).
		Updates(map[string]any{"status": status, "reason": reason, "updated_at": j.now()}).Error
	if err != nil {
		return fmt.Errorf("event text %d: settle as %s: %w", n.ID, status, err)
	}
	j.Log.InfoContext(ctx, "event text not sent", "firm_id", n.FirmID, "notification_id", n.ID, "status", status, "reason", reason)
	return nil
}

// holdNotification puts a planned text off until at (the morning, after
// quiet hours) with a task of its own for that time.
func (j *Jobs) holdNotification(ctx context.Context, n models.EventNotification, at time.Time) error {
	err := j.DB.WithContext(ctx).Model(&models.EventNotification{}).
		Where("firm_id = ? AND id = ? AND status = ?", n.FirmID, n.ID, models.NotificationPlanned).
		Updates(map[string]any{"send_at": at, "updated_at": j.now()}).Error
	if err != nil {
		return fmt.Errorf("event text %d: hold: %w", n.ID, err)
	}
	t, err := tasks.NewEventNotify(n.FirmID, n.ID, at)
	if err != nil {
		return err
	}
	if err := j.Tasks.Enqueue(ctx, t); err != nil {
		return fmt.Errorf("event text %d: queue for %s: %w", n.ID, at, err)
	}
	return nil
}

// RequeueEventTexts queues planned calendar texts whose time has come but
// that no task sent: the enqueue after the portal's commit failed, or
// Redis lost the scheduled task. The task ID names the planned time, so a
// task still waiting for it is not doubled.
func RequeueEventTexts(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, olderThan time.Duration) (int, error) {
	var rows []models.EventNotification
	err := gdb.WithContext(ctx).Where("status = ? AND send_at < ?", models.NotificationPlanned, time.Now().Add(-olderThan)).
		Order("send_at").Limit(500).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("find due event texts: %w", err)
	}
	for i, n := range rows {
		t, err := tasks.NewEventNotify(n.FirmID, n.ID, n.SendAt)
		if err != nil {
			return i, err
		}
		if err := enq.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}

// answerInvitation applies a Y or N reply, in the transaction that stored
// it (see calendar.ReplyAction for the rule, YES as opt-in included). It
// returns the acknowledgement to send, or nil when the reply is an
// ordinary text.
func answerInvitation(tx *gorm.DB, in sms.Inbound, from string, contactID, textID int64, now time.Time) (*models.TextMessage, error) {
	out, err := optedOut(tx, in.To, from)
	if err != nil {
		return nil, err
	}
	var pending []calendar.Pending
	if !out {
		if pending, err = pendingInvitations(tx, in.FirmID, contactID, now); err != nil {
			return nil, err
		}
	}
	action := calendar.ReplyAction(in.Kind, out, len(pending) > 0)
	switch action {
	case calendar.ActionOptIn:
		return nil, clearOptOut(tx, in.To, from)
	case calendar.ActionText:
		return nil, nil
	}
	p, _ := calendar.Choose(pending)
	answer := models.AnswerConfirmed
	if action == calendar.ActionDecline {
		answer = models.AnswerDeclined
	}
	err = tx.Model(&models.EventAttendee{}).Where("firm_id = ? AND id = ?", in.FirmID, p.AttendeeID).
		Updates(map[string]any{"answer": answer, "answered_at": now, "answer_text_id": textID, "updated_at": now}).Error
	if err != nil {
		return nil, fmt.Errorf("record answer: %w", err)
	}
	var firm models.Firm
	if err := tx.Take(&firm, in.FirmID).Error; err != nil {
		return nil, fmt.Errorf("load firm: %w", err)
	}
	// The acknowledgement answers the contact's own text, so it goes at
	// once, quiet hours or not: it is a reply, not a text out of the blue.
	ack := &models.TextMessage{FirmID: in.FirmID, ContactID: contactID, Direction: "out", Dialect: string(in.Dialect),
		FirmNumber: in.To, ContactNumber: from, Status: models.TextQueued,
		Body: calendar.Ack(answer == models.AnswerConfirmed, calendar.FirmOf(firm), p.Event)}
	if err := tx.Omit("Media").Create(ack).Error; err != nil {
		return nil, fmt.Errorf("queue acknowledgement: %w", err)
	}
	err = tx.Create(&models.EventNotification{FirmID: in.FirmID, EventID: p.EventID, AttendeeID: p.AttendeeID,
		Kind: string(calendar.KindAck), Status: models.NotificationSent, SendAt: now, SentAt: &now,
		TextMessageID: &ack.ID}).Error
	if err != nil {
		return nil, fmt.Errorf("record acknowledgement: %w", err)
	}
	return ack, nil
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
