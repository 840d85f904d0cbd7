package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/mail"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
)

// SendEmail sends one recorded email. A sent email is not sent again; an
// address the server refuses is marked failed and not retried.
func (j *Jobs) SendEmail(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.EmailSend](t)
	if err != nil {
		return err
	}
	var e models.OutboundEmail
	err = j.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", p.FirmID, p.EmailID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("email %d of firm %d does not exist: %w", p.EmailID, p.FirmID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("load email %d: %w", p.EmailID, err)
	}
	if e.Status != models.EmailQueued {
		j.Log.InfoContext(ctx, "email already handled", "email_id", e.ID, "status", e.Status)
		return nil
	}

	sendErr := j.Mail.Send(ctx, mail.Message{To: e.ToAddress, Subject: e.Subject, Text: e.BodyText})
	updates := map[string]any{"attempts": gorm.Expr("attempts + 1")}
	switch {
	case sendErr == nil:
		now := time.Now()
		updates["status"], updates["sent_at"], updates["last_error"] = models.EmailSent, &now, ""
	case errors.Is(sendErr, mail.ErrPermanent) || lastAttempt(ctx):
		updates["status"], updates["last_error"] = models.EmailFailed, sendErr.Error()
	default:
		updates["last_error"] = sendErr.Error()
	}
	// Only a still-queued row moves, so a duplicate delivery racing this one
	// cannot overwrite its outcome.
	err = j.DB.WithContext(ctx).Model(&models.OutboundEmail{}).
		Where("firm_id = ? AND id = ? AND status = ?", e.FirmID, e.ID, models.EmailQueued).
		Updates(updates).Error
	if err != nil {
		return fmt.Errorf("record email %d outcome: %w", e.ID, err)
	}
	if sendErr != nil {
		if errors.Is(sendErr, mail.ErrPermanent) {
			return fmt.Errorf("%w: %w", sendErr, asynq.SkipRetry)
		}
		return sendErr
	}
	j.Log.InfoContext(ctx, "email sent", "email_id", e.ID, "kind", e.Kind)
	return nil
}

// lastAttempt reports whether asynq will not retry this task after a failure.
func lastAttempt(ctx context.Context) bool {
	retried, ok1 := asynq.GetRetryCount(ctx)
	maxRetry, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && retried >= maxRetry
}
