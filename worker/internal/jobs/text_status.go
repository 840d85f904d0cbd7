package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/tasks"
)

// statusLookups is how many retries a callback gets to find its text: it
// can arrive before the send recorded the carrier's ID.
const statusLookups = 5

// UpdateTextStatus applies a carrier's delivery-status callback (see
// texting.Store.ApplyStatus: out of order and repeated callbacks never move
// a text backwards).
func (j *Jobs) UpdateTextStatus(ctx context.Context, t *asynq.Task) error {
	u, err := tasks.Decode[sms.StatusUpdate](t)
	if err != nil {
		return err
	}
	if u.FirmID == 0 || u.MessageID == "" || u.Status == "" {
		return fmt.Errorf("status callback %q: incomplete payload: %w", u.MessageID, asynq.SkipRetry)
	}
	txt, applied, err := j.Stores.Texting.ApplyStatus(ctx, store.System{FirmID: u.FirmID}, u)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return j.statusTooEarly(ctx, u)
	case err != nil:
		return fmt.Errorf("status callback %q: %w", u.MessageID, err)
	case !applied:
		j.Log.DebugContext(ctx, "status callback ignored", "text_id", txt.ID, "current", txt.Status, "callback", u.Status)
		return nil
	}
	j.Log.InfoContext(ctx, "text status", "text_id", txt.ID, "status", u.Status, "code", u.ErrorCode)
	j.textsChanged(ctx, txt.FirmID, txt.ContactID)
	return nil
}

// statusTooEarly asks for a retry while the send may still be recording the
// carrier's ID, then gives up: a callback for a text Parley never sent is
// not worth keeping.
func (j *Jobs) statusTooEarly(ctx context.Context, u sms.StatusUpdate) error {
	retried, _ := asynq.GetRetryCount(ctx)
	if retried >= statusLookups {
		j.Log.WarnContext(ctx, "status callback for an unknown text", "firm_id", u.FirmID, "dialect", u.Dialect,
			"message_id", u.MessageID, "status", u.Status)
		return fmt.Errorf("status callback %q: no such text: %w", u.MessageID, asynq.SkipRetry)
	}
	return &RetryAfter{After: time.Duration(retried+1) * 2 * time.Second,
		Err: fmt.Errorf("status callback %q: text not found yet", u.MessageID)}
}
