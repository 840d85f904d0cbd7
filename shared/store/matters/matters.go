// Package matters owns matters, their related contacts and the users a
// restricted matter is open to.
package matters

import (
	"context"
	"fmt"
	"strings"
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

// List lists the matters v may see, open and pending ones first, newest
// activity first, a page at a time (after is the cursor of the page
// before). Each of the two groups is read by keyset from the list index.
// A query keeps the matters whose number or description contains it
// (a trigram index; under three characters, the start of a number), or
// whose client it finds (store.ContactSearchSQL).
func (s *Store) List(ctx context.Context, v store.Viewer, query, after string) (store.Page[Row], error) {
	closed, at, id := false, time.Now().Add(100*365*24*time.Hour), int64(0)
	if ok, err := store.ReadCursor(after, &closed, &at, &id); err != nil {
		return store.Page[Row]{}, err
	} else if !ok {
		id = 1<<63 - 1
	}
	var out []Row
	for _, group := range []bool{false, true} {
		if group != closed && closed {
			continue // the open group was read on an earlier page
		}
		if group != closed {
			at, id = time.Now().Add(100*365*24*time.Hour), 1<<63-1 // the closed group from its top
		}
		args := store.ViewerArgs(v, 0)
		args["closed"], args["at"], args["id"] = group, at, id
		search := ""
		if q := strings.ToLower(strings.TrimSpace(query)); q != "" {
			search = " AND matters.id IN (" + searchSQL(q, args) + ")"
		}
		rows, err := store.QueryAll(ctx, s.DB, selectRows(v)+search+`
			AND (matters.status_category = 'closed') = @closed AND (matters.updated_at, matters.id) < (@at, @id)
			ORDER BY (matters.status_category = 'closed'), matters.updated_at DESC, matters.id DESC
			LIMIT `+fmt.Sprint(store.PageSize+1-len(out)), args, ScanRow)
		if err != nil {
			return store.Page[Row]{}, fmt.Errorf("store: list matters: %w", err)
		}
		out = append(out, rows...)
		if len(out) > store.PageSize {
			break
		}
	}
	return store.Trim(out, func(m Row) string {
		return store.Cursor(m.StatusCategory == models.StatusClosed, m.UpdatedAt, m.ID)
	}), nil
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

// searchSQL lists the IDs of the firm's matters a search finds (see List),
// adding its arguments to args.
func searchSQL(q string, args map[string]any) string {
	var sql string
	if len([]rune(q)) < 3 {
		// Too short for a trigram: the start of a number.
		args["number_from"], args["number_to"] = store.PrefixRange(q)
		sql = `SELECT id FROM matters WHERE firm_id = @firm
			AND lower(number) COLLATE "C" >= @number_from AND lower(number) COLLATE "C" < @number_to`
	} else {
		args["like"] = "%" + store.EscapeLike(q) + "%"
		sql = `SELECT id FROM matters WHERE firm_id = @firm AND lower(number || ' ' || description) LIKE @like`
	}
	if clients := store.ContactSearchSQL(store.ContactSearch{Query: q, WithArchived: true}, args); clients != "" {
		// Each client found is looked up by the client index (OFFSET 0 keeps
		// the planner from hashing all matters when it cannot tell how many
		// clients a search finds, as in a prepared statement's generic plan).
		sql += ` UNION SELECT m.id FROM (` + clients + `) f
			CROSS JOIN LATERAL (SELECT id FROM matters WHERE firm_id = @firm AND client_contact_id = f.contact_id OFFSET 0) m`
	}
	return sql
}
