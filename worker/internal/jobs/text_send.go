package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/worker/internal/carrier"
)

// Reasons a text is refused before it reaches the carrier (the carrier's
// own failures read as one of the five reasons in shared/sms).
const (
	ReasonOptedOut   = "The contact replied STOP and has opted out of texts from this number."
	ReasonTextingOff = "Texting is turned off for this firm."
)

// SendText sends one recorded outbound text through the firm's carrier. The
// row moves queued → sending before the carrier is called, with a
// conditional update, so a duplicate task never sends the text twice; the
// carrier's status callbacks move it on from there. A user's retry sets a
// failed row back to queued and enqueues a new task for it.
func (j *Jobs) SendText(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.TextSend](t)
	if err != nil {
		return err
	}
	var txt models.TextMessage
	err = j.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND direction = 'out'", p.FirmID, p.TextID).Take(&txt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("text %d of firm %d does not exist: %w", p.TextID, p.FirmID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("load text %d: %w", p.TextID, err)
	}
	if txt.Status != models.TextQueued {
		return nil // sent, failed, or being sent by another run
	}
	refuse := func(reason string) error {
		if err := j.failText(ctx, txt, models.TextQueued, reason, ""); err != nil {
			return err
		}
		return fmt.Errorf("text %d not sent: %s: %w", txt.ID, reason, asynq.SkipRetry)
	}

	var firm models.Firm
	if err := j.DB.WithContext(ctx).Take(&firm, txt.FirmID).Error; err != nil {
		return fmt.Errorf("text %d: load firm: %w", txt.ID, err)
	}
	if !firm.TextingEnabled || firm.TextingNumber == nil || *firm.TextingNumber == "" || firm.TextingDialect == nil {
		return refuse(ReasonTextingOff)
	}
	// The firm's current number and carrier, not the ones recorded when the
	// text was queued: a number given back to the pool is not the firm's.
	from, dialect := *firm.TextingNumber, sms.Dialect(*firm.TextingDialect)
	to, err := sms.NormalizeTextable(txt.ContactNumber)
	if err != nil {
		return refuse(err.Error())
	}
	out, err := optedOut(j.DB.WithContext(ctx), from, to)
	if err != nil {
		return fmt.Errorf("text %d: %w", txt.ID, err)
	}
	if out {
		return refuse(ReasonOptedOut)
	}
	sender := j.Carriers[dialect]
	if sender == nil {
		j.Log.ErrorContext(ctx, "no carrier client for the firm's dialect", "firm_id", firm.ID, "dialect", dialect)
		return refuse(sms.ReasonCarrier)
	}
	if err := j.takeSendSlot(ctx, from); err != nil {
		return fmt.Errorf("text %d: %w", txt.ID, err)
	}

	res := j.DB.WithContext(ctx).Exec(`UPDATE text_messages SET status = 'sending', firm_number = ?, dialect = ?,
		contact_number = ?, failure_reason = '', error_code = '', updated_at = now()
		WHERE firm_id = ? AND id = ? AND status = 'queued'`, from, dialect, to, txt.FirmID, txt.ID)
	if res.Error != nil {
		return fmt.Errorf("text %d: mark sending: %w", txt.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // another run took it
	}
	txt.Status, txt.Dialect = models.TextSending, string(dialect)

	carrierID, sendErr := sender.Send(ctx, carrier.Message{From: from, To: to, Body: txt.Body})
	// What the carrier said must be recorded even if the task's time is up.
	rctx := context.WithoutCancel(ctx)
	if sendErr == nil {
		err := j.DB.WithContext(rctx).Exec(`UPDATE text_messages SET carrier_message_id = ?, updated_at = now()
			WHERE firm_id = ? AND id = ? AND status = 'sending'`, carrierID, txt.FirmID, txt.ID).Error
		if err != nil {
			// Sent, but the ID is not kept: retrying would send it again,
			// so the row stays "sending" and FailStuckTexts settles it.
			return fmt.Errorf("text %d sent as %s, ID not recorded: %v: %w", txt.ID, carrierID, err, asynq.SkipRetry)
		}
		j.Log.InfoContext(ctx, "text sent", "text_id", txt.ID, "carrier_id", carrierID)
		j.textsChanged(rctx, txt.FirmID, txt.ContactID)
		return nil
	}

	ce, isCarrier := carrier.AsError(sendErr)
	if isCarrier && !ce.Temporary() {
		reason := sms.Reason(dialect, ce.Code)
		if sms.OptedOut(dialect, ce.Code) {
			reason = ReasonOptedOut
			err := j.DB.WithContext(rctx).Transaction(func(tx *gorm.DB) error {
				return recordOptOut(tx, txt.FirmID, from, to)
			})
			if err != nil {
				return fmt.Errorf("text %d: %w", txt.ID, err)
			}
		}
		if err := j.failText(rctx, txt, models.TextSending, reason, ce.Code); err != nil {
			return err
		}
		return fmt.Errorf("text %d refused: %w: %w", txt.ID, sendErr, asynq.SkipRetry)
	}

	// No answer, a server error or the carrier's rate limit: the text may
	// go on a later try.
	code := ""
	if isCarrier {
		code = ce.Code
	}
	if lastAttempt(ctx) {
		if err := j.failText(rctx, txt, models.TextSending, sms.ReasonTemporary, code); err != nil {
			return err
		}
		return fmt.Errorf("text %d: %w", txt.ID, sendErr)
	}
	err = j.DB.WithContext(rctx).Exec(`UPDATE text_messages SET status = 'queued', error_code = ?, updated_at = now()
		WHERE firm_id = ? AND id = ? AND status = 'sending'`, code, txt.FirmID, txt.ID).Error
	if err != nil {
		return fmt.Errorf("text %d: put back in queue: %v (after %w)", txt.ID, err, sendErr)
	}
	return fmt.Errorf("text %d: %w", txt.ID, sendErr)
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

// failText marks a text failed with a reason, if it is still where this run
// left it.
func (j *Jobs) failText(ctx context.Context, txt models.TextMessage, from models.TextStatus, reason, code string) error {
	err := j.DB.WithContext(ctx).Exec(`UPDATE text_messages SET status = 'failed', failure_reason = ?, error_code = ?,
		updated_at = now() WHERE firm_id = ? AND id = ? AND status = ?`, reason, code, txt.FirmID, txt.ID, from).Error
	if err != nil {
		return fmt.Errorf("text %d: mark failed: %w", txt.ID, err)
	}
	j.Log.InfoContext(ctx, "text failed", "text_id", txt.ID, "reason", reason, "code", code)
	j.textsChanged(ctx, txt.FirmID, txt.ContactID)
	return nil
}

// RequeueTexts enqueues a send for every text queued longer than olderThan:
// its task was lost (Redis refused it, or a run died before enqueuing it).
// The task's retry number is the second the row last changed, so each time a
// text is queued gets one sweep task, repeated sweeps add nothing, and a
// finished task of an earlier attempt (asynq keeps its ID) cannot mask the
// lost one. If the text's own task was only waiting, both run; the
// conditional queued → sending update lets only one of them send.
func RequeueTexts(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, olderThan time.Duration) (int, error) {
	var rows []struct {
		FirmID, ID int64
		UpdatedAt  time.Time
	}
	err := gdb.WithContext(ctx).Raw(`SELECT firm_id, id, updated_at FROM text_messages
		WHERE direction = 'out' AND status = 'queued' AND updated_at < ? ORDER BY id LIMIT 500`,
		time.Now().Add(-olderThan)).Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("find queued texts: %w", err)
	}
	for i, r := range rows {
		t, err := tasks.NewTextSend(r.FirmID, r.ID, int(r.UpdatedAt.Unix()))
		if err != nil {
			return i, err
		}
		if err := enq.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}

// FailStuckTexts settles texts left "sending" without a carrier ID for
// longer than olderThan: the worker died between asking the carrier and
// recording its answer. Whether the carrier took the text is unknown, so it
// fails with "Unknown error", which the user may retry.
func FailStuckTexts(ctx context.Context, gdb *gorm.DB, olderThan time.Duration) (int, error) {
	res := gdb.WithContext(ctx).Exec(`UPDATE text_messages SET status = 'failed', failure_reason = ?, updated_at = now()
		WHERE direction = 'out' AND status = 'sending' AND carrier_message_id IS NULL AND updated_at < ?`,
		sms.ReasonUnknownErr, time.Now().Add(-olderThan))
	if res.Error != nil {
		return 0, fmt.Errorf("fail stuck texts: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
