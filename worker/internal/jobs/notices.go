package jobs

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/outbox"
	"github.com/parleyhq/parley/shared/tasks"
)

// NotifyClient sends one email listing everything the firm shared with or
// sent to a client since the last such email (portal.Store.EmailNotices
// makes a second run send nothing).
func (j *Jobs) NotifyClient(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.ClientNotify](t)
	if err != nil {
		return err
	}
	email, err := j.Stores.Portal.EmailNotices(ctx, store.System{FirmID: p.FirmID}, p.ContactID, j.PublicURL)
	if err != nil || email == nil {
		return err
	}
	// The email row is committed; if this enqueue fails the sweep sends it.
	if err := outbox.Enqueue(ctx, j.Tasks, email); err != nil {
		j.Log.WarnContext(ctx, "notice email stored, not yet queued", "email_id", email.ID, "err", err)
	}
	return nil
}

// RequeueNotices schedules a notify task for every client with notices
// pending longer than olderThan: their task was lost (Redis refused it).
func (j *Jobs) RequeueNotices(ctx context.Context, olderThan, window time.Duration) (int, error) {
	rows, err := j.Stores.Portal.WaitingNotices(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	for i, r := range rows {
		t, err := tasks.NewClientNotify(r.FirmID, r.ContactID, time.Now(), window)
		if err != nil {
			return i, err
		}
		if err := j.Tasks.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}
