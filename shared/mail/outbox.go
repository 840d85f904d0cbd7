package mail

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
)

// Queue records e as a queued email and then enqueues its task. The row is
// committed first, so if Redis refuses the task the email is still kept and
// RequeueStale hands it to the queue later; the error says so.
func Queue(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, e *models.OutboundEmail) error {
	e.Status = models.EmailQueued
	if e.Kind == "" {
		e.Kind = "notice"
	}
	if err := gdb.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("mail: record email: %w", err)
	}
	t, err := tasks.NewEmailSend(e.FirmID, e.ID)
	if err != nil {
		return err
	}
	if err := enq.Enqueue(ctx, t); err != nil {
		return fmt.Errorf("mail: email %d kept, will be retried: %w", e.ID, err)
	}
	return nil
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
		return 0, fmt.Errorf("mail: find stale emails: %w", err)
	}
	for i, e := range stale {
		t, err := tasks.NewEmailSend(e.FirmID, e.ID)
		if err != nil {
			return i, err
		}
		if err := enq.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(stale), nil
}
