package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
)

// NotifyClient sends one email listing everything the firm shared with or
// sent to a client since the last such email. Notices are locked and marked
// in the same transaction that records the email, so a second run of the
// task finds nothing left and sends nothing.
func (j *Jobs) NotifyClient(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.ClientNotify](t)
	if err != nil {
		return err
	}
	var email *models.OutboundEmail
	err = j.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var notices []models.ClientNotice
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("firm_id = ? AND contact_id = ? AND notified_at IS NULL", p.FirmID, p.ContactID).
			Order("created_at, id").Find(&notices).Error
		if err != nil || len(notices) == 0 {
			return err
		}
		e, err := j.noticeEmail(tx, p, notices)
		if err != nil {
			return err
		}
		if e != nil {
			if err := tx.Create(e).Error; err != nil {
				return fmt.Errorf("record email: %w", err)
			}
			email = e
		}
		ids := make([]int64, len(notices))
		for i, n := range notices {
			ids[i] = n.ID
		}
		return tx.Model(&models.ClientNotice{}).Where("id IN ?", ids).Update("notified_at", time.Now()).Error
	})
	if err != nil {
		return fmt.Errorf("notify client %d: %w", p.ContactID, err)
	}
	if email == nil {
		return nil
	}
	send, err := tasks.NewEmailSend(email.FirmID, email.ID)
	if err != nil {
		return err
	}
	// The email row is committed; if this enqueue fails the sweep sends it.
	if err := j.Tasks.Enqueue(ctx, send); err != nil {
		j.Log.WarnContext(ctx, "notice email stored, not yet queued", "email_id", email.ID, "err", err)
	}
	return nil
}

// noticeEmail writes the email, or returns nil if the client has no address.
func (j *Jobs) noticeEmail(tx *gorm.DB, p tasks.ClientNotify, notices []models.ClientNotice) (*models.OutboundEmail, error) {
	var c models.Contact
	err := tx.Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Where("firm_id = ? AND id = ?", p.FirmID, p.ContactID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && len(c.Emails) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load contact: %w", err)
	}
	var firm models.Firm
	if err := tx.Take(&firm, p.FirmID).Error; err != nil {
		return nil, fmt.Errorf("load firm: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n%s has shared new items with you in its secure client portal:\n\n", c.Name(), firm.Name)
	for _, n := range notices {
		fmt.Fprintf(&b, "  - %s\n", n.Summary)
	}
	fmt.Fprintf(&b, "\nSign in to read them: %s/portal\n\nFor your privacy, the items themselves are not in this email.\n", j.PublicURL)
	subject := firm.Name + ": 1 new item in your client portal"
	if len(notices) > 1 {
		subject = fmt.Sprintf("%s: %d new items in your client portal", firm.Name, len(notices))
	}
	return &models.OutboundEmail{FirmID: p.FirmID, ToAddress: c.Emails[0].Address, Subject: subject,
		BodyText: b.String(), Kind: "client_notice", Status: models.EmailQueued}, nil
}

// RequeueNotices schedules a notify task for every client with notices
// pending longer than olderThan: their task was lost (Redis refused it).
func RequeueNotices(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, olderThan, window time.Duration) (int, error) {
	var rows []struct{ FirmID, ContactID int64 }
	err := gdb.WithContext(ctx).Model(&models.ClientNotice{}).Distinct("firm_id", "contact_id").
		Where("notified_at IS NULL AND created_at < ?", time.Now().Add(-olderThan)).Limit(500).Find(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("find pending notices: %w", err)
	}
	for i, r := range rows {
		t, err := tasks.NewClientNotify(r.FirmID, r.ContactID, time.Now(), window)
		if err != nil {
			return i, err
		}
		if err := enq.Enqueue(ctx, t); err != nil {
			return i, err
		}
	}
	return len(rows), nil
}
