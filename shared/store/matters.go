package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
)

// visibleMatters scopes a query on matters to what v may see: a client sees
// the matters they are the client of; a firm user sees matters open to
// everyone, those they are listed on, and (as an admin) all.
func visibleMatters(q *gorm.DB, v Viewer) *gorm.DB {
	q = q.Where("matters.firm_id = ?", v.FirmID)
	if v.IsClient() {
		return q.Where("matters.client_contact_id = ?", v.ContactID)
	}
	if v.Admin {
		return q
	}
	return q.Where(`matters.permission = 'everyone' OR EXISTS (
		SELECT 1 FROM matter_permitted_users p WHERE p.matter_id = matters.id AND p.user_id = ?)`, v.UserID)
}

// MatterRow is a matter with its client's name, for lists and headers.
type MatterRow struct {
	models.Matter
	ClientName string
}

const matterRowSelect = `matters.*, CASE WHEN c.kind = 'company' THEN c.company_name
	ELSE btrim(c.first_name || ' ' || c.last_name) END AS client_name`

// Matters lists the matters v may see, open ones first, newest activity first.
func (s *Store) Matters(ctx context.Context, v Viewer) ([]MatterRow, error) {
	var out []MatterRow
	q := s.DB.WithContext(ctx).Table("matters").Select(matterRowSelect).
		Joins("JOIN contacts c ON c.id = matters.client_contact_id")
	err := visibleMatters(q, v).
		Order("matters.status_category = 'closed', matters.updated_at DESC, matters.id DESC").
		Limit(500).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list matters: %w", err)
	}
	return out, nil
}

// Matter returns one matter if v may see it.
func (s *Store) Matter(ctx context.Context, v Viewer, id int64) (MatterRow, error) {
	var m MatterRow
	q := s.DB.WithContext(ctx).Table("matters").Select(matterRowSelect).
		Joins("JOIN contacts c ON c.id = matters.client_contact_id")
	err := visibleMatters(q, v).Where("matters.id = ?", id).Take(&m).Error
	if err != nil {
		return MatterRow{}, notFound(err, "load matter")
	}
	return m, nil
}

// SetClientStatus changes what the client reads as status and next steps.
// Only firm users may.
func (s *Store) SetClientStatus(ctx context.Context, v Viewer, id int64, status, nextSteps string) error {
	if v.IsClient() {
		return errForbidden
	}
	if _, err := s.Matter(ctx, v, id); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Model(&models.Matter{}).
		Where("firm_id = ? AND id = ?", v.FirmID, id).
		Updates(map[string]any{"client_status": status, "next_steps": nextSteps, "updated_at": time.Now()}).Error
	if err != nil {
		return fmt.Errorf("store: update matter status: %w", err)
	}
	return nil
}

// ClientOf returns the matter's client contact with emails (for invites).
func (s *Store) ClientOf(ctx context.Context, v Viewer, m MatterRow) (models.Contact, error) {
	var c models.Contact
	err := s.DB.WithContext(ctx).Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Where("firm_id = ? AND id = ?", v.FirmID, m.ClientContactID).Take(&c).Error
	if err != nil {
		return c, notFound(err, "load client")
	}
	return c, nil
}
