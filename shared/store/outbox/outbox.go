// Package outbox owns outbound_emails: every email Parley sends is a row
// here before it is a task, so a lost task only delays it.
package outbox

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/tasks"
)

// Store reads and settles recorded emails.
type Store struct {
	DB *gorm.DB
}

// Email loads a recorded email of the firm.
func (s *Store) Email(ctx context.Context, sys store.System, id int64) (models.OutboundEmail, error) {
	var e models.OutboundEmail
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", sys.FirmID, id).Take(&e).Error
	if err != nil {
		return e, store.NotFound(err, "load email")
	}
	return e, nil
}

// Outcome is what came of one try at sending an email.
type Outcome struct {
	Sent   bool
	Failed bool   // for good: a permanent refusal, or the last try
	Err    string // the server's answer, when not sent
}

// Record writes the outcome of a try. Only a still-queued row moves, so a
// duplicate delivery racing this one cannot overwrite its outcome.
func (s *Store) Record(ctx context.Context, e models.OutboundEmail, o Outcome) error {
	updates := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": o.Err}
	switch {
	case o.Sent:
		now := time.Now()
		updates["status"], updates["sent_at"] = models.EmailSent, &now
	case o.Failed:
		updates["status"] = models.EmailFailed
	}
	err := s.DB.WithContext(ctx).Model(&models.OutboundEmail{}).
		Where("firm_id = ? AND id = ? AND status = ?", e.FirmID, e.ID, models.EmailQueued).
		Updates(updates).Error
	if err != nil {
		return fmt.Errorf("outbox: record email %d outcome: %w", e.ID, err)
	}
	return nil
}

// Recent lists the newest emails, to one address when to is not empty (the
// development mailbox).
func (s *Store) Recent(ctx context.Context, to string, limit int) ([]models.OutboundEmail, error) {
	var emails []models.OutboundEmail
	q := s.DB.WithContext(ctx).Order("id DESC").Limit(limit)
	if to != "" {
		q = q.Where("to_address = ?", to)
	}
	if err := q.Find(&emails).Error; err != nil {
		return nil, fmt.Errorf("outbox: recent emails: %w", err)
	}
	return emails, nil
}

// Add records e as a queued email in the caller's transaction; after the
// commit, Enqueue hands it to the worker.
func Add(tx *gorm.DB, e *models.OutboundEmail) error {
	e.Status = models.EmailQueued
	if e.Kind == "" {
		e.Kind = "notice"
	}
	if err := tx.Create(e).Error; err != nil {
		return fmt.Errorf("outbox: record email: %w", err)
	}
	return nil
}

// Enqueue asks the worker to send a recorded email. If Redis refuses, the
// email is still kept and RequeueStale hands it to the queue later; the
// error says so.
func Enqueue(ctx context.Context, enq tasks.Enqueuer, e *models.OutboundEmail) error {
	t, err := tasks.NewEmailSend(e.FirmID, e.ID)
	if err != nil {
		return err
	}
	if err := enq.Enqueue(ctx, t); err != nil {
		return fmt.Errorf("outbox: email %d kept, will be retried: %w", e.ID, err)
	}
	return nil
}

// Queue records e and then enqueues its task (Add, commit, Enqueue).
func Queue(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, e *models.OutboundEmail) error {
	if err := Add(gdb.WithContext(ctx), e); err != nil {
		return err
	}
	return Enqueue(ctx, enq, e)
}

// Stale lists emails (of every firm: a sweep's question) still queued
// after olderThan: their task was lost (Redis was down at the time, or lost
// its data). Task IDs make queuing them again harmless for emails whose
// task is merely slow.
func (s *Store) Stale(ctx context.Context, olderThan time.Duration) ([]models.OutboundEmail, error) {
	var stale []models.OutboundEmail
	err := s.DB.WithContext(ctx).Select("id", "firm_id").
		Where("status = ? AND created_at < ?", models.EmailQueued, time.Now().Add(-olderThan)).
		Order("created_at").Limit(500).Find(&stale).Error
	if err != nil {
		return nil, fmt.Errorf("outbox: find stale emails: %w", err)
	}
	return stale, nil
}
