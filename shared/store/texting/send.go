package texting

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
)

// Route checks that the firm may text the contact now (Target) and says how.
func (s *Store) Route(ctx context.Context, v store.Viewer, contactID int64) (Route, error) {
	if err := store.FirmUser(v); err != nil {
		return Route{}, err
	}
	db := s.DB.WithContext(ctx)
	c, err := contact(db, v.FirmID, contactID)
	if err != nil {
		return Route{}, err
	}
	f, err := firms.Load(db, v.FirmID)
	if err != nil {
		return Route{}, err
	}
	return ContactTarget(db, f, c)
}

// SendText records an outbound text as queued, after Route's checks. The
// caller enqueues the send task once this returns: the row comes first, so
// a lost task leaves a queued row, never a text sent with no record.
func (s *Store) SendText(ctx context.Context, v store.Viewer, contactID int64, body string) (models.TextMessage, error) {
	r, err := s.Route(ctx, v, contactID)
	if err != nil {
		return models.TextMessage{}, err
	}
	t := Outbound(v.FirmID, contactID, r, body)
	t.SentByUserID = &v.UserID
	if err := AddOutbound(s.DB.WithContext(ctx), &t); err != nil {
		return t, err
	}
	return t, nil
}

// Outbound is a queued text along r.
func Outbound(firmID, contactID int64, r Route, body string) models.TextMessage {
	return models.TextMessage{FirmID: firmID, ContactID: contactID, Direction: "out", Dialect: r.Dialect,
		FirmNumber: r.FirmNumber, ContactNumber: r.ContactNumber, Body: body, Status: models.TextQueued}
}

// AddOutbound records a queued outbound text in the caller's transaction;
// the caller enqueues its send task after the commit.
func AddOutbound(tx *gorm.DB, t *models.TextMessage) error {
	if err := tx.Omit("Media").Create(t).Error; err != nil {
		return fmt.Errorf("store: record text: %w", err)
	}
	return nil
}

// RetryText puts a failed text back in the queue, if its reason allows a
// retry and the contact can be texted now. The carrier's ID of the failed
// attempt is cleared, so the worker sends it afresh and late callbacks
// about the old attempt match nothing. The returned time of the change is
// distinct for each retry, which makes it usable in the send task's ID.
func (s *Store) RetryText(ctx context.Context, v store.Viewer, textID int64) (models.TextMessage, time.Time, error) {
	if err := store.FirmUser(v); err != nil {
		return models.TextMessage{}, time.Time{}, err
	}
	var t models.TextMessage
	if err := s.DB.WithContext(ctx).Omit("Media").Where("firm_id = ? AND id = ?", v.FirmID, textID).Take(&t).Error; err != nil {
		return t, time.Time{}, store.NotFound(err, "load text")
	}
	if !(TextRow{TextMessage: t}).CanRetry() {
		return t, time.Time{}, ErrNotRetryable
	}
	// The same checks as a new text, and the same route: the firm's number
	// may have changed since, and the old one may now be another firm's.
	r, err := s.Route(ctx, v, t.ContactID)
	if err != nil {
		return t, time.Time{}, err
	}
	var at time.Time
	// Conditional on the state just read: two clicks make one retry.
	res := s.DB.WithContext(ctx).Raw(`UPDATE text_messages SET status = 'queued', failure_reason = '', error_code = '',
		carrier_message_id = NULL, dialect = ?, firm_number = ?, contact_number = ?, updated_at = clock_timestamp()
		WHERE firm_id = ? AND id = ? AND status = 'failed' AND failure_reason = ? RETURNING updated_at`,
		r.Dialect, r.FirmNumber, r.ContactNumber, v.FirmID, textID, t.FailureReason).Scan(&at)
	if res.Error != nil {
		return t, time.Time{}, fmt.Errorf("store: retry text: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return t, time.Time{}, ErrNotRetryable
	}
	t.Status, t.FailureReason, t.ErrorCode, t.CarrierMessageID, t.UpdatedAt = models.TextQueued, "", "", nil, at
	t.Dialect, t.FirmNumber, t.ContactNumber = r.Dialect, r.FirmNumber, r.ContactNumber
	return t, at, nil
}

// ToSend is a queued text about to go to the carrier, with where it goes
// now (the firm's current number and carrier, not the ones recorded when
// it was queued: a number given back to the pool is not the firm's).
type ToSend struct {
	Text  models.TextMessage
	Route Route
}

// TakeToSend moves a queued outbound text to "sending", after the texting
// rule allows it, so a duplicate task never sends it twice. It returns
// nil, nil when there is nothing to send (sent, failed, or another run has
// it). A text the rule refuses is failed with the refusal's words, and the
// *Refusal returned with the text. before runs after the checks and before
// the move (the send rate's wait); its error comes back with the text too.
func (s *Store) TakeToSend(ctx context.Context, sys store.System, textID int64, before func(Route) error) (*ToSend, error) {
	db := s.DB.WithContext(ctx)
	var txt models.TextMessage
	err := db.Omit("Media").Where("firm_id = ? AND id = ? AND direction = 'out'", sys.FirmID, textID).Take(&txt).Error
	if err != nil {
		return nil, store.NotFound(err, "load text")
	}
	if txt.Status != models.TextQueued {
		return nil, nil
	}
	f, err := firms.Load(db, sys.FirmID)
	if err != nil {
		return nil, err
	}
	r, err := Target(f, "", txt.ContactNumber, func(to string) (bool, error) {
		out, err := OptedOutOf(db, *f.TextingNumber, to)
		return out[to], err
	})
	if rf, ok := err.(*Refusal); ok {
		if ferr := s.Fail(ctx, txt, models.TextQueued, rf.Error(), ""); ferr != nil {
			return nil, ferr
		}
		return &ToSend{Text: txt}, rf
	}
	if err != nil {
		return nil, err
	}
	if before != nil {
		if err := before(r); err != nil {
			return &ToSend{Text: txt, Route: r}, err
		}
	}
	res := db.Exec(`UPDATE text_messages SET status = 'sending', firm_number = ?, dialect = ?,
		contact_number = ?, failure_reason = '', error_code = '', updated_at = now()
		WHERE firm_id = ? AND id = ? AND status = 'queued'`, r.FirmNumber, r.Dialect, r.ContactNumber, txt.FirmID, txt.ID)
	if res.Error != nil {
		return nil, fmt.Errorf("store: text %d: mark sending: %w", txt.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil // another run took it
	}
	txt.Status, txt.Dialect, txt.FirmNumber, txt.ContactNumber = models.TextSending, r.Dialect, r.FirmNumber, r.ContactNumber
	return &ToSend{Text: txt, Route: r}, nil
}

// Sent records the carrier's ID of a text it took.
func (s *Store) Sent(ctx context.Context, txt models.TextMessage, carrierID string) error {
	err := s.DB.WithContext(ctx).Exec(`UPDATE text_messages SET carrier_message_id = ?, updated_at = now()
		WHERE firm_id = ? AND id = ? AND status = 'sending'`, carrierID, txt.FirmID, txt.ID).Error
	if err != nil {
		return fmt.Errorf("store: text %d: record carrier ID: %w", txt.ID, err)
	}
	return nil
}

// CarrierRefused fails a text the carrier refused for good; a refusal saying the
// contact opted out records the opt-out too, in the same transaction.
func (s *Store) CarrierRefused(ctx context.Context, txt models.TextMessage, reason, code string, optedOut bool) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if optedOut {
			if err := RecordOptOut(tx, txt.FirmID, txt.FirmNumber, txt.ContactNumber); err != nil {
				return err
			}
		}
		return fail(tx, txt, models.TextSending, reason, code)
	})
}

// PutBack returns a text whose send may work on a later try to the queue.
func (s *Store) PutBack(ctx context.Context, txt models.TextMessage, code string) error {
	err := s.DB.WithContext(ctx).Exec(`UPDATE text_messages SET status = 'queued', error_code = ?, updated_at = now()
		WHERE firm_id = ? AND id = ? AND status = 'sending'`, code, txt.FirmID, txt.ID).Error
	if err != nil {
		return fmt.Errorf("store: text %d: put back in queue: %w", txt.ID, err)
	}
	return nil
}

// Fail marks a text failed with a reason, if it is still in status from.
func (s *Store) Fail(ctx context.Context, txt models.TextMessage, from models.TextStatus, reason, code string) error {
	return fail(s.DB.WithContext(ctx), txt, from, reason, code)
}

func fail(tx *gorm.DB, txt models.TextMessage, from models.TextStatus, reason, code string) error {
	err := tx.Exec(`UPDATE text_messages SET status = 'failed', failure_reason = ?, error_code = ?,
		updated_at = now() WHERE firm_id = ? AND id = ? AND status = ?`, reason, code, txt.FirmID, txt.ID, from).Error
	if err != nil {
		return fmt.Errorf("store: text %d: mark failed: %w", txt.ID, err)
	}
	return nil
}

// Queued is a queued text and when it last changed.
type Queued struct {
	FirmID, ID int64
	UpdatedAt  time.Time
}

// StaleQueued lists texts (of every firm: a sweep's question) queued
// longer than olderThan: their task was lost.
func (s *Store) StaleQueued(ctx context.Context, olderThan time.Duration) ([]Queued, error) {
	var rows []Queued
	err := s.DB.WithContext(ctx).Raw(`SELECT firm_id, id, updated_at FROM text_messages
		WHERE direction = 'out' AND status = 'queued' AND updated_at < ? ORDER BY id LIMIT 500`,
		time.Now().Add(-olderThan)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: find queued texts: %w", err)
	}
	return rows, nil
}

// FailStuck settles texts left "sending" without a carrier ID for longer
// than olderThan: the worker died between asking the carrier and recording
// its answer. Whether the carrier took the text is unknown, so it fails
// with "Unknown error", which the user may retry.
func (s *Store) FailStuck(ctx context.Context, olderThan time.Duration) (int, error) {
	res := s.DB.WithContext(ctx).Exec(`UPDATE text_messages SET status = 'failed', failure_reason = ?, updated_at = now()
		WHERE direction = 'out' AND status = 'sending' AND carrier_message_id IS NULL AND updated_at < ?`,
		sms.ReasonUnknownErr, time.Now().Add(-olderThan))
	if res.Error != nil {
		return 0, fmt.Errorf("store: fail stuck texts: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}
