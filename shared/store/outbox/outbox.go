// Package outbox owns outbound_emails: every email Parley sends is a row
// here before it is a task, so a lost task only delays it.
package outbox

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
)

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

// RequeueStale enqueues emails still queued after olderThan: their task was
// lost (Redis was down at the time, or lost its data). Task IDs make this
// harmless for emails whose task is merely slow.
func RequeueStale(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, olderThan time.Duration) (int, error) {
	var stale []models.OutboundEmail
	err := gdb.WithContext(ctx).Select("id", "firm_id").
		Where("status = ? AND created_at < ?", models.EmailQueued, time.Now().Add(-olderThan)).
		Order("created_at").Limit(500).Find(&stale).Error
	if err != nil {
		return 0, fmt.Errorf("outbox: find stale emails: %w", err)
	}
	for i := range stale {
		if err := Enqueue(ctx, enq, &stale[i]); err != nil {
			return i, err
		}
	}
	return len(stale), nil
}
