package portal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/outbox"
)

// EmailNotices writes one email listing everything the firm shared with or
// sent to a client since the last such email. The notices are locked and
// marked in the same transaction that records the email in the outbox, so a
// second run finds nothing left and writes nothing. It returns the email to
// hand to the worker, or nil when there was nothing to send (or the client
// has no address).
func (s *Store) EmailNotices(ctx context.Context, sys store.System, contactID int64, publicURL string) (*models.OutboundEmail, error) {
	var email *models.OutboundEmail
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var notices []models.ClientNotice
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("firm_id = ? AND contact_id = ? AND notified_at IS NULL", sys.FirmID, contactID).
			Order("created_at, id").Find(&notices).Error
		if err != nil || len(notices) == 0 {
			return err
		}
		live, err := stillNews(tx, notices)
		if err != nil {
			return err
		}
		var e *models.OutboundEmail
		if len(live) > 0 {
			if e, err = noticeEmail(tx, sys, contactID, live, publicURL); err != nil {
				return err
			}
		}
		if e != nil {
			if err := outbox.Add(tx, e); err != nil {
				return err
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
		return nil, fmt.Errorf("store: notify client %d: %w", contactID, err)
	}
	return email, nil
}

// stillNews keeps the notices whose item the client has not opened and
// the firm still shares: a batched email must not announce a message the
// client read in the portal meanwhile, or a document shared by mistake and
// unshared (Undo) before the email went.
func stillNews(tx *gorm.DB, notices []models.ClientNotice) ([]models.ClientNotice, error) {
	ids := make([]int64, len(notices))
	for i, n := range notices {
		ids[i] = n.ID
	}
	var stale []int64
	err := tx.Raw(`SELECT n.id FROM client_notices n WHERE n.id IN ? AND (
		(n.document_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM documents d
			WHERE d.firm_id = n.firm_id AND d.id = n.document_id AND d.first_viewed_by_client_at IS NULL
			AND (d.shared_with_client OR EXISTS (SELECT 1 FROM folders f
				WHERE f.firm_id = d.firm_id AND f.id = d.folder_id AND f.shared_with_client))))
		OR (n.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM portal_messages m
			WHERE m.firm_id = n.firm_id AND m.id = n.message_id AND m.read_at IS NULL))
		OR (n.folder_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM folders f
			WHERE f.firm_id = n.firm_id AND f.id = n.folder_id AND f.shared_with_client)))`, ids).Scan(&stale).Error
	if err != nil {
		return nil, fmt.Errorf("read notices' items: %w", err)
	}
	// An item shared, undone and shared again has two notices: it is
	// announced once.
	seen := map[noticeItem]bool{}
	var live []models.ClientNotice
	for _, n := range notices {
		if slices.Contains(stale, n.ID) {
			continue
		}
		if it, ok := itemOf(n); ok {
			if seen[it] {
				continue
			}
			seen[it] = true
		}
		live = append(live, n)
	}
	return live, nil
}

// noticeItem is what a notice announces: a document, message or folder.
type noticeItem struct {
	kind string
	id   int64
}

// itemOf is the item a notice announces, if it names one (notices written
// before migration 00017 do not).
func itemOf(n models.ClientNotice) (noticeItem, bool) {
	switch {
	case n.DocumentID != nil:
		return noticeItem{"document", *n.DocumentID}, true
	case n.MessageID != nil:
		return noticeItem{"message", *n.MessageID}, true
	case n.FolderID != nil:
		return noticeItem{"folder", *n.FolderID}, true
	}
	return noticeItem{}, false
}

// noticeEmail writes the email, or returns nil if the client has no address.
func noticeEmail(tx *gorm.DB, sys store.System, contactID int64, notices []models.ClientNotice, publicURL string) (*models.OutboundEmail, error) {
	var c models.Contact
	err := tx.Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Where("firm_id = ? AND id = ?", sys.FirmID, contactID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && len(c.Emails) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load contact: %w", err)
	}
	firm, err := firms.Load(tx, sys.FirmID)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hello %s,\n\n%s has shared new items with you in its secure client portal:\n\n", c.Name(), firm.Name)
	for _, n := range notices {
		fmt.Fprintf(&b, "  - %s\n", n.Summary)
	}
	fmt.Fprintf(&b, "\nSign in to read them: %s/portal\n\nFor your privacy, the items themselves are not in this email.\n", publicURL)
	subject := firm.Name + ": 1 new item in your client portal"
	if len(notices) > 1 {
		subject = fmt.Sprintf("%s: %d new items in your client portal", firm.Name, len(notices))
	}
	return &models.OutboundEmail{FirmID: sys.FirmID, ToAddress: c.Emails[0].Address, Subject: subject,
		BodyText: b.String(), Kind: "client_notice"}, nil
}

// Waiting is a client with notices not yet emailed.
type Waiting struct{ FirmID, ContactID int64 }

// WaitingNotices lists clients (of every firm: a sweep's question) whose
// notices have waited longer than olderThan: their task was lost.
func (s *Store) WaitingNotices(ctx context.Context, olderThan time.Duration) ([]Waiting, error) {
	var rows []Waiting
	err := s.DB.WithContext(ctx).Model(&models.ClientNotice{}).Distinct("firm_id", "contact_id").
		Where("notified_at IS NULL AND created_at < ?", time.Now().Add(-olderThan)).Limit(500).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: find pending notices: %w", err)
	}
	return rows, nil
}
