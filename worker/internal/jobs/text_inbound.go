package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
)

// ReceiveText stores a received text (texting.Store.Receive: in its
// contact's conversation, or among the unknown texts, once however often it
// is delivered), then queues its media to fetch and its reply to send.
func (j *Jobs) ReceiveText(ctx context.Context, t *asynq.Task) error {
	in, err := tasks.Decode[sms.Inbound](t)
	if err != nil {
		return err
	}
	if in.FirmID == 0 || in.MessageID == "" || in.From == "" || in.To == "" || in.Dialect == "" {
		return fmt.Errorf("inbound text %q: incomplete payload: %w", in.MessageID, asynq.SkipRetry)
	}
	got, err := j.Stores.Texting.Receive(ctx, in)
	if errors.Is(err, texting.ErrNoFirm) {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("inbound text %q: %w", in.MessageID, err)
	}
	if got.ContactID == 0 {
		j.Log.InfoContext(ctx, "text from an unknown number", "firm_id", in.FirmID, "message_id", in.MessageID)
		return nil
	}
	if got.Batched {
		return nil // its batch told the open pages
	}
	// Enqueued after the commit, so a task never names a row that is not
	// there. If Redis refuses, the error makes asynq run this task again,
	// and that run finds the stored text and enqueues its pending media.
	for _, id := range got.Media {
		mt, err := tasks.NewTextMedia(in.FirmID, id)
		if err != nil {
			return err
		}
		if err := j.Tasks.Enqueue(ctx, mt); err != nil {
			return fmt.Errorf("inbound text %q: queue media %d: %w", in.MessageID, id, err)
		}
	}
	if got.Reply != nil {
		j.queueText(ctx, *got.Reply)
	}
	j.Log.InfoContext(ctx, "text received", "firm_id", in.FirmID, "text_id", got.TextID, "contact_id", got.ContactID,
		"kind", in.Kind, "media", len(in.Media))
	j.textsChanged(ctx, in.FirmID, got.ContactID)
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
