package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/outbox"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/worker/internal/mail"
)

// SendEmail sends one recorded email. A sent email is not sent again; an
// address the server refuses is marked failed and not retried.
func (j *Jobs) SendEmail(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.EmailSend](t)
	if err != nil {
		return err
	}
	e, err := j.Stores.Outbox.Email(ctx, store.System{FirmID: p.FirmID}, p.EmailID)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(err, "email %d of firm %d", p.EmailID, p.FirmID)
	}
	if err != nil {
		return err
	}
	if e.Status != models.EmailQueued {
		j.Log.InfoContext(ctx, "email already handled", "email_id", e.ID, "status", e.Status)
		return nil
	}

	sendErr := j.Mail.Send(ctx, mail.Message{To: e.ToAddress, Subject: e.Subject, Text: e.BodyText})
	var o outbox.Outcome
	switch {
	case sendErr == nil:
		o.Sent = true
	case errors.Is(sendErr, mail.ErrPermanent) || lastAttempt(ctx):
		o.Failed, o.Err = true, sendErr.Error()
	default:
		o.Err = sendErr.Error()
	}
	if err := j.Stores.Outbox.Record(ctx, e, o); err != nil {
		return err
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

// RequeueEmails enqueues emails still queued after olderThan: their task was
// lost (Redis was down at the time, or lost its data).
func (j *Jobs) RequeueEmails(ctx context.Context, olderThan time.Duration) (int, error) {
	stale, err := j.Stores.Outbox.Stale(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	for i := range stale {
		if err := outbox.Enqueue(ctx, j.Tasks, &stale[i]); err != nil {
			return i, err
		}
	}
	return len(stale), nil
}
