package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// statusLookups is how many retries a callback gets to find its text: it
// can arrive before the send recorded the carrier's ID.
const statusLookups = 5

// UpdateTextStatus applies a carrier's delivery-status callback. Callbacks
// come out of order and more than once, so a status is applied only if it
// moves the text forward (sms.Advance), with an update conditional on the
// status it was read with.
func (j *Jobs) UpdateTextStatus(ctx context.Context, t *asynq.Task) error {
	u, err := tasks.Decode[sms.StatusUpdate](t)
	if err != nil {
		return err
	}
	if u.FirmID == 0 || u.MessageID == "" || u.Status == "" {
		return fmt.Errorf("status callback %q: incomplete payload: %w", u.MessageID, asynq.SkipRetry)
	}
	// Two tries: a concurrent callback may change the status between the
	// read and the conditional update; the second read sees it.
	for range 2 {
		var txt models.TextMessage
		err := j.DB.WithContext(ctx).
			Where("firm_id = ? AND dialect = ? AND carrier_message_id = ? AND direction = 'out'", u.FirmID, u.Dialect, u.MessageID).
			Take(&txt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return j.statusTooEarly(ctx, u)
		}
		if err != nil {
			return fmt.Errorf("status callback %q: load text: %w", u.MessageID, err)
		}
		if !sms.Advance(sms.Status(txt.Status), u.Status) {
			j.Log.DebugContext(ctx, "status callback ignored", "text_id", txt.ID, "current", txt.Status, "callback", u.Status)
			return nil
		}
		updates := map[string]any{"status": string(u.Status), "updated_at": time.Now()}
		optOut := u.Status == sms.StatusFailed && sms.OptedOut(u.Dialect, u.ErrorCode)
		if u.Status == sms.StatusFailed {
			reason := sms.Reason(u.Dialect, u.ErrorCode)
			if optOut {
				reason = ReasonOptedOut
			}
			updates["failure_reason"], updates["error_code"] = reason, u.ErrorCode
		}
		var applied bool
		err = j.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&models.TextMessage{}).
				Where("firm_id = ? AND id = ? AND status = ?", txt.FirmID, txt.ID, txt.Status).Updates(updates)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			applied = true
			if optOut {
				// The carrier says the contact sent STOP: honour it here too,
				// in case the STOP itself never reached us.
				return recordOptOut(tx, txt.FirmID, txt.FirmNumber, txt.ContactNumber)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("status callback %q: update text %d: %w", u.MessageID, txt.ID, err)
		}
		if applied {
			j.Log.InfoContext(ctx, "text status", "text_id", txt.ID, "status", u.Status, "code", u.ErrorCode)
			j.textsChanged(ctx, txt.FirmID, txt.ContactID)
			return nil
		}
	}
	return fmt.Errorf("status callback %q: text changed twice while being updated", u.MessageID)
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
