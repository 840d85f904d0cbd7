package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/tasks"
)

// NotifyEvent sends one planned calendar text (calendar.Store.SendDue: the
// text is written from the event as it is now, and a task delivered twice
// sends once), or holds it for its time, or logs why it was not sent.
func (j *Jobs) NotifyEvent(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.EventNotify](t)
	if err != nil {
		return err
	}
	o, err := j.Stores.Events.SendDue(ctx, store.System{FirmID: p.FirmID}, p.NotificationID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(err, "event text %d of firm %d", p.NotificationID, p.FirmID)
	case err != nil:
		return err
	case o.Text != nil:
		j.queueText(ctx, *o.Text)
		j.textsChanged(ctx, o.Text.FirmID, o.Text.ContactID)
		j.Log.InfoContext(ctx, "event text queued", "firm_id", p.FirmID, "notification_id", p.NotificationID, "text_id", o.Text.ID)
	case !o.HoldUntil.IsZero():
		// Its own task for that time: the ID names the time.
		t, err := tasks.NewEventNotify(p.FirmID, p.NotificationID, o.HoldUntil)
		if err != nil {
			return err
		}
		return j.Tasks.Enqueue(ctx, t)
	case o.Status != "":
		j.Log.InfoContext(ctx, "event text not sent", "firm_id", p.FirmID, "notification_id", p.NotificationID,
			"status", o.Status, "reason", o.Reason)
	}
	return nil
}

// RequeueEventTexts queues planned calendar texts whose time has come but
// that no task sent. The task ID names the planned time, so a task still
// waiting for it is not doubled.
func (j *Jobs) RequeueEventTexts(ctx context.Context, olderThan time.Duration) (int, error) {
	rows, err := j.Stores.Events.Overdue(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	for i, n := range rows {
		t, err := tasks.NewEventNotify(n.FirmID, n.ID, n.SendAt)
		if err != nil {
			return i, err
		}
		if err := j.Tasks.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}
