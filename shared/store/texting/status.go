package texting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
)

// ErrTextChanging: two tries at a status found the text changed each time.
var ErrTextChanging = errors.New("store: text changed twice while being updated")

// ApplyStatus applies a carrier's delivery status to the text it is about.
// Callbacks come out of order and more than once, so a status is applied
// only if it moves the text forward (sms.Advance), with an update
// conditional on the status it was read with. It returns the text and
// whether it changed; ErrNotFound when no text has the carrier's ID (yet:
// the send may still be recording it).
func (s *Store) ApplyStatus(ctx context.Context, sys store.System, u sms.StatusUpdate) (models.TextMessage, bool, error) {
	// Two tries: a concurrent callback may change the status between the
	// read and the conditional update; the second read sees it.
	for range 2 {
		var txt models.TextMessage
		err := s.DB.WithContext(ctx).Omit("Media").
			Where("firm_id = ? AND dialect = ? AND carrier_message_id = ? AND direction = 'out'", sys.FirmID, u.Dialect, u.MessageID).
			Take(&txt).Error
		if err != nil {
			return txt, false, store.NotFound(err, "load text")
		}
		if !sms.Advance(sms.Status(txt.Status), u.Status) {
			return txt, false, nil
		}
		updates := map[string]any{"status": string(u.Status), "updated_at": time.Now()}
		optOut := u.Status == sms.StatusFailed && sms.OptedOut(u.Dialect, u.ErrorCode)
		if u.Status == sms.StatusFailed {
			reason := sms.Reason(u.Dialect, u.ErrorCode)
			if optOut {
				reason = Words(OptedOut)
			}
			updates["failure_reason"], updates["error_code"] = reason, u.ErrorCode
		}
		var applied bool
		err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&models.TextMessage{}).
				Where("firm_id = ? AND id = ? AND status = ?", txt.FirmID, txt.ID, txt.Status).Updates(updates)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			applied = true
			if optOut {
				// The carrier says the contact sent STOP: honour it here too,
				// in case the STOP itself never reached us.
				return RecordOptOut(tx, txt.FirmID, txt.FirmNumber, txt.ContactNumber)
			}
			return nil
		})
		if err != nil {
			return txt, false, fmt.Errorf("store: update text %d: %w", txt.ID, err)
		}
		if applied {
			txt.Status = models.TextStatus(u.Status)
			return txt, true, nil
		}
	}
	return models.TextMessage{}, false, ErrTextChanging
}
