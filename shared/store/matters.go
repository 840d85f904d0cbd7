package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
)

// matterRule is the SQL condition on the matters table for what v may see:
// a client sees the matters they are the client of; a firm user sees matters
// open to everyone, those they are listed on, and (as an admin) all. Its
// named parameters are viewerArgs'; gorm and pgx both read @name.
func matterRule(v Viewer) string {
	switch {
	case v.IsClient():
		return "matters.firm_id = @firm AND matters.client_contact_id = @contact"
	case v.Admin:
		return "matters.firm_id = @firm"
	}
	return `matters.firm_id = @firm AND (matters.permission = 'everyone' OR EXISTS (
		SELECT 1 FROM matter_permitted_users p WHERE p.matter_id = matters.id AND p.user_id = @user))`
}

// viewerArgs are the named parameters of matterRule and of the queries of
// one matter (@matter) built on it.
func viewerArgs(v Viewer, matterID int64) map[string]any {
	return map[string]any{"firm": v.FirmID, "contact": v.ContactID, "user": v.UserID, "matter": matterID}
}

// visibleMatters scopes a gorm query on matters to what v may see.
func visibleMatters(q *gorm.DB, v Viewer) *gorm.DB {
	return q.Where(matterRule(v), viewerArgs(v, 0))
}

// MatterRow is a matter with its client's name, for lists and headers.
type MatterRow struct {
	models.Matter
	ClientName string
}

// selectMatters reads MatterRows (see scanMatter) of the matters v may see;
// a WHERE clause continues it.
func selectMatters(v Viewer) string {
	return `SELECT matters.id, matters.firm_id, matters.number, matters.description, matters.practice_area,
		matters.status, matters.status_category, matters.client_contact_id, matters.primary_contact_id,
		matters.responsible_user_id, matters.permission, matters.client_status, matters.next_steps,
		matters.opened_at, matters.closed_at, matters.created_at, matters.updated_at,
		CASE WHEN c.kind = 'company' THEN c.company_name ELSE btrim(c.first_name || ' ' || c.last_name) END
	FROM matters JOIN contacts c ON c.id = matters.client_contact_id
	WHERE ` + matterRule(v)
}

func scanMatter(r rows, m *MatterRow) error {
	return r.Scan(&m.ID, &m.FirmID, &m.Number, &m.Description, &m.PracticeArea, &m.Status, &m.StatusCategory,
		&m.ClientContactID, &m.PrimaryContactID, &m.ResponsibleUserID, &m.Permission, &m.ClientStatus, &m.NextSteps,
		&m.OpenedAt, &m.ClosedAt, &m.CreatedAt, &m.UpdatedAt, &m.ClientName)
}

// matterQuery reads the one matter @matter, if v may see it.
func matterQuery(v Viewer) string { return selectMatters(v) + " AND matters.id = @matter" }

// Matters lists the matters v may see, open ones first, newest activity first.
func (s *Store) Matters(ctx context.Context, v Viewer) ([]MatterRow, error) {
	out, err := queryAll(ctx, s.DB, selectMatters(v)+
		` ORDER BY matters.status_category = 'closed', matters.updated_at DESC, matters.id DESC LIMIT 500`,
		viewerArgs(v, 0), scanMatter)
	if err != nil {
		return nil, fmt.Errorf("store: list matters: %w", err)
	}
	return out, nil
}

// Matter returns one matter if v may see it.
func (s *Store) Matter(ctx context.Context, v Viewer, id int64) (MatterRow, error) {
	out, err := queryAll(ctx, s.DB, matterQuery(v), viewerArgs(v, id), scanMatter)
	if err != nil {
		return MatterRow{}, fmt.Errorf("store: load matter: %w", err)
	}
	if len(out) == 0 {
		return MatterRow{}, notFoundErr()
	}
	return out[0], nil
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
