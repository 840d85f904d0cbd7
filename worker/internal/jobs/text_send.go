package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/worker/internal/carrier"
)

// errNoCarrier: the firm's dialect has no send client.
var errNoCarrier = errors.New("no carrier client for the firm's dialect")

// SendText sends one recorded outbound text through the firm's carrier. The
// store moves it queued → sending before the carrier is called, after the
// texting rule allows it, so a duplicate task never sends the text twice;
// the carrier's status callbacks move it on from there. A user's retry sets
// a failed row back to queued and enqueues a new task for it.
func (j *Jobs) SendText(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.TextSend](t)
	if err != nil {
		return err
	}
	sys := store.System{FirmID: p.FirmID}
	var sender carrier.Sender
	take, err := j.Stores.Texting.TakeToSend(ctx, sys, p.TextID, func(r texting.Route) error {
		if sender = j.Carriers[sms.Dialect(r.Dialect)]; sender == nil {
			return errNoCarrier
		}
		return j.takeSendSlot(ctx, r.FirmNumber)
	})
	var refusal *texting.Refusal
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(err, "text %d of firm %d", p.TextID, p.FirmID)
	case errors.As(err, &refusal):
		j.textFailed(ctx, take.Text, refusal.Error(), "")
		return fmt.Errorf("text %d not sent: %w: %w", p.TextID, err, asynq.SkipRetry)
	case errors.Is(err, errNoCarrier):
		j.Log.ErrorContext(ctx, "no carrier client for the firm's dialect", "firm_id", p.FirmID, "text_id", p.TextID)
		if err := j.Stores.Texting.Fail(ctx, take.Text, models.TextQueued, sms.ReasonCarrier, ""); err != nil {
			return err
		}
		j.textFailed(ctx, take.Text, sms.ReasonCarrier, "")
		return fmt.Errorf("text %d not sent: %s: %w", p.TextID, sms.ReasonCarrier, asynq.SkipRetry)
	case err != nil:
		return fmt.Errorf("text %d: %w", p.TextID, err)
	case take == nil:
		return nil // sent, failed, or being sent by another run
	}
	txt := take.Text

	carrierID, sendErr := sender.Send(ctx, carrier.Message{From: take.Route.FirmNumber, To: take.Route.ContactNumber, Body: txt.Body})
	// What the carrier said must be recorded even if the task's time is up.
	rctx := context.WithoutCancel(ctx)
	if sendErr == nil {
		if err := j.Stores.Texting.Sent(rctx, txt, carrierID); err != nil {
			// Sent, but the ID is not kept: retrying would send it again,
			// so the row stays "sending" and FailStuckTexts settles it.
			return fmt.Errorf("text %d sent as %s, ID not recorded: %v: %w", txt.ID, carrierID, err, asynq.SkipRetry)
		}
		j.Log.InfoContext(ctx, "text sent", "text_id", txt.ID, "carrier_id", carrierID)
		j.textsChanged(rctx, txt.FirmID, txt.ContactID)
		return nil
	}

	dialect := sms.Dialect(take.Route.Dialect)
	ce, isCarrier := carrier.AsError(sendErr)
	if isCarrier && !ce.Temporary() {
		reason, optedOut := sms.Reason(dialect, ce.Code), sms.OptedOut(dialect, ce.Code)
		if optedOut {
			reason = texting.Words(texting.OptedOut)
		}
		if err := j.Stores.Texting.CarrierRefused(rctx, txt, reason, ce.Code, optedOut); err != nil {
			return fmt.Errorf("text %d: %w", txt.ID, err)
		}
		j.textFailed(rctx, txt, reason, ce.Code)
		return fmt.Errorf("text %d refused: %w: %w", txt.ID, sendErr, asynq.SkipRetry)
	}

	// No answer, a server error or the carrier's rate limit: the text may
	// go on a later try.
	code := ""
	if isCarrier {
		code = ce.Code
	}
	if lastAttempt(ctx) {
		if err := j.Stores.Texting.Fail(rctx, txt, models.TextSending, sms.ReasonTemporary, code); err != nil {
			return err
		}
		j.textFailed(rctx, txt, sms.ReasonTemporary, code)
		return fmt.Errorf("text %d: %w", txt.ID, sendErr)
	}
	if err := j.Stores.Texting.PutBack(rctx, txt, code); err != nil {
		return fmt.Errorf("%v (after %w)", err, sendErr)
	}
	return fmt.Errorf("text %d: %w", txt.ID, sendErr)
}

func (j *Jobs) textFailed(ctx context.Context, txt models.TextMessage, reason, code string) {
	j.Log.InfoContext(ctx, "text failed", "text_id", txt.ID, "reason", reason, "code", code)
	j.textsChanged(ctx, txt.FirmID, txt.ContactID)
}

// takeSendSlot keeps a firm number under its send rate. Over it, the task
// is put off by the limiter's wait; that is not a failure (see IsFailure).
func (j *Jobs) takeSendSlot(ctx context.Context, number string) error {
	if j.Limiter == nil {
		return nil
	}
	rate := j.Config.TextSendRate
	if rate <= 0 {
		rate = 3
	}
	res, err := j.Limiter.Allow(ctx, "parley:textrate:"+number, redis_rate.PerSecond(rate))
	if err != nil {
		return fmt.Errorf("send rate: %w", err)
	}
	if res.Allowed > 0 {
		return nil
	}
	return &RetryAfter{After: max(res.RetryAfter, 10*time.Millisecond), Err: fmt.Errorf("%s: %w", number, ErrRateLimited)}
}

// RequeueTexts enqueues a send for every text queued longer than olderThan:
// its task was lost (Redis refused it, or a run died before enqueuing it).
// The task's retry number is the second the row last changed, so each time a
// text is queued gets one sweep task, repeated sweeps add nothing, and a
// finished task of an earlier attempt (asynq keeps its ID) cannot mask the
// lost one. If the text's own task was only waiting, both run; the
// conditional queued → sending move lets only one of them send.
func (j *Jobs) RequeueTexts(ctx context.Context, olderThan time.Duration) (int, error) {
	rows, err := j.Stores.Texting.StaleQueued(ctx, olderThan)
	if err != nil {
		return 0, err
	}
	for i, r := range rows {
		t, err := tasks.NewTextSend(r.FirmID, r.ID, int(r.UpdatedAt.Unix()))
		if err != nil {
			return i, err
		}
		if err := j.Tasks.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}

// FailStuckTexts settles texts left "sending" without a carrier ID for
// longer than olderThan (see texting.Store.FailStuck).
func (j *Jobs) FailStuckTexts(ctx context.Context, olderThan time.Duration) (int, error) {
	return j.Stores.Texting.FailStuck(ctx, olderThan)
}
