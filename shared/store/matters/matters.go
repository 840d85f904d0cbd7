// Package matters owns matters, their related contacts and the users a
// restricted matter is open to.
package matters

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes matters.
type Store struct {
	DB *gorm.DB
}

// Row is a matter with its client's name, for lists and headers.
type Row struct {
	models.Matter
	ClientName string
}

// selectRows reads Rows (see ScanRow) of the matters v may see; a WHERE
// clause continues it.
func selectRows(v store.Viewer) string {
	return `SELECT matters.id, matters.firm_id, matters.number, matters.description, matters.practice_area,
		matters.status, matters.status_category, matters.client_contact_id, matters.primary_contact_id,
		matters.responsible_user_id, matters.permission, matters.client_status, matters.next_steps,
		matters.opened_at, matters.closed_at, matters.created_at, matters.updated_at,
		CASE WHEN c.kind = 'company' THEN c.company_name ELSE btrim(c.first_name || ' ' || c.last_name) END
	FROM matters JOIN contacts c ON c.id = matters.client_contact_id
	WHERE ` + store.MatterRule(v)
}

// ScanRow reads a row of Query.
func ScanRow(r store.Rows, m *Row) error {
	return r.Scan(&m.ID, &m.FirmID, &m.Number, &m.Description, &m.PracticeArea, &m.Status, &m.StatusCategory,
		&m.ClientContactID, &m.PrimaryContactID, &m.ResponsibleUserID, &m.Permission, &m.ClientStatus, &m.NextSteps,
		&m.OpenedAt, &m.ClosedAt, &m.CreatedAt, &m.UpdatedAt, &m.ClientName)
}

// Query reads the one matter @matter, if v may see it (store.ViewerArgs).
func Query(v store.Viewer) string { return selectRows(v) + " AND matters.id = @matter" }

// Matters lists the matters v may see, open ones first, newest activity first.
func (s *Store) Matters(ctx context.Context, v store.Viewer) ([]Row, error) {
	out, err := store.QueryAll(ctx, s.DB, selectRows(v)+
		` ORDER BY matters.status_category = 'closed', matters.updated_at DESC, matters.id DESC LIMIT 500`,
		store.ViewerArgs(v, 0), ScanRow)
	if err != nil {
		return nil, fmt.Errorf("store: list matters: %w", err)
	}
	return out, nil
}

// Matter returns one matter if v may see it.
func (s *Store) Matter(ctx context.Context, v store.Viewer, id int64) (Row, error) {
	out, err := store.QueryAll(ctx, s.DB, Query(v), store.ViewerArgs(v, id), ScanRow)
	if err != nil {
		return Row{}, fmt.Errorf("store: load matter: %w", err)
	}
	if len(out) == 0 {
		return Row{}, store.ErrNotFound
	}
	return out[0], nil
}

// Visible reports whether v may see matter id, in the caller's transaction.
func Visible(tx *gorm.DB, v store.Viewer, id int64) (bool, error) {
	var n int64
	if err := store.VisibleMatters(tx.Table("matters"), v).Where("matters.id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: check matter: %w", err)
	}
	return n > 0, nil
}

// SetClientStatus changes what the client reads as status and next steps.
// Only firm users may.
func (s *Store) SetClientStatus(ctx context.Context, v store.Viewer, id int64, status, nextSteps string) error {
	if v.IsClient() {
		return store.ErrForbidden
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
func (s *Store) ClientOf(ctx context.Context, v store.Viewer, m Row) (models.Contact, error) {
	var c models.Contact
	err := s.DB.WithContext(ctx).Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Where("firm_id = ? AND id = ?", v.FirmID, m.ClientContactID).Take(&c).Error
	if err != nil {
		return c, store.NotFound(err, "load client")
	}
	return c, nil
}
