package webhook

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/spool"
)

const (
	// enqueueTimeout bounds the Redis attempt: the carrier waits (Telnyx 2 s),
	// and past this the spool is the better bet.
	enqueueTimeout = time.Second
	// spoolTimeout bounds the Postgres fallback.
	spoolTimeout = 2 * time.Second
)

// errNotKept answers a webhook neither Redis nor Postgres took: never 2xx
// for something not durably kept.
var errNotKept = fiber.NewError(fiber.StatusServiceUnavailable, "Service unavailable: try again later.")

// keep makes t durable before the webhook is answered: queued in Redis, or
// else written to the Postgres spool, the gateway's only database write.
// A task ID already queued or spooled counts as kept, so a duplicate
// delivery gets the same answer as the first.
func (h *Handler) keep(ctx context.Context, firmID int64, taskID string, t *asynq.Task) error {
	qctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	qerr := h.queue.Enqueue(qctx, t)
	cancel()
	if qerr == nil {
		h.keptQueue.Inc()
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, spoolTimeout)
	defer cancel()
	serr := spool.Put(sctx, h.spool, spool.Item{FirmID: firmID, TaskType: t.Type(), TaskID: taskID, Payload: t.Payload()})
	if serr != nil {
		h.log.ErrorContext(ctx, "webhook not kept: queue and spool both failed", "task_id", taskID,
			"err", errors.Join(qerr, serr))
		h.keptNone.Inc()
		return errNotKept
	}
	h.keptSpool.Inc()
	h.log.WarnContext(ctx, "queue unavailable: webhook spooled", "task_id", taskID, "err", qerr)
	return nil
}
