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

// Row is a matter with its client's name, for its pages and headers.
type Row struct {
	models.Matter
	ClientName string
}

// ListRow is a matter as lists show it: what they print, and what they
// are ordered and paged by. A page of fifty full Rows was a sixth of the
// matter list's CPU to scan.
type ListRow struct {
	ID                                int64
	Number, Description, PracticeArea string
	Status, ClientStatus              string
	StatusCategory                    models.StatusCategory
	UpdatedAt                         time.Time
	ClientName                        string
	// Unread is how many of its portal messages from the other side (the
	// client's, for a firm user) are unread.
	Unread int
}

// List is r as lists show it.
func (r Row) List() ListRow {
	return ListRow{ID: r.ID, Number: r.Number, Description: r.Description, PracticeArea: r.PracticeArea, Status: r.Status,
		ClientStatus: r.ClientStatus, StatusCategory: r.StatusCategory, UpdatedAt: r.UpdatedAt, ClientName: r.ClientName}
}

// fromVisible joins the matters v may see to their clients (c); a WHERE
// clause continues it.
func fromVisible(v store.Viewer) string {
	return ` FROM matters JOIN contacts c ON c.id = matters.client_contact_id
	WHERE ` + store.MatterRule(v)
}

// selectRows reads Rows (see ScanRow) of the matters v may see; a WHERE
// clause continues it.
func selectRows(v store.Viewer) string {
	return `SELECT matters.id, matters.firm_id, matters.number, matters.description, matters.practice_area,
		matters.status, matters.status_category, matters.client_contact_id, matters.primary_contact_id,
		matters.responsible_user_id, matters.originating_user_id, matters.location, matters.permission,
		matters.client_status, matters.next_steps, matters.opened_at, matters.pending_at, matters.closed_at,
		matters.created_by_user_id, matters.updated_by_user_id, matters.created_at, matters.updated_at,
		matters.projected_value, matters.hired_date, matters.first_letter_sent_at, ` + store.ContactNameSQL + fromVisible(v)
}

// ScanRow reads a row of Query.
func ScanRow(r store.Rows, m *Row) error {
	return r.Scan(&m.ID, &m.FirmID, &m.Number, &m.Description, &m.PracticeArea, &m.Status, &m.StatusCategory,
		&m.ClientContactID, &m.PrimaryContactID, &m.ResponsibleUserID, &m.OriginatingUserID, &m.Location, &m.Permission,
		&m.ClientStatus, &m.NextSteps, &m.OpenedAt, &m.PendingAt, &m.ClosedAt, &m.CreatedByUserID, &m.UpdatedByUserID,
		&m.CreatedAt, &m.UpdatedAt, &m.ProjectedValue, &m.HiredDate, &m.FirstLetterSentAt, &m.ClientName)
}

// selectList reads ListRows (scanListRow) of the matters v may see; a
// WHERE clause continues it. Unread is counted a row at a time from the
// unread messages' partial index, for the rows kept only.
func selectList(v store.Viewer) string {
	author := "m.author_contact_id IS NOT NULL"
	if v.IsClient() {
		author = "m.author_user_id IS NOT NULL"
	}
	return `SELECT matters.id, matters.number, matters.description, matters.practice_area, matters.status,
		matters.client_status, matters.status_category, matters.updated_at, ` + store.ContactNameSQL + `,
		(SELECT count(*) FROM portal_messages m WHERE m.firm_id = matters.firm_id AND m.matter_id = matters.id
			AND m.read_at IS NULL AND ` + author + `)` + fromVisible(v)
}

func scanListRow(r store.Rows, m *ListRow) error {
	return r.Scan(&m.ID, &m.Number, &m.Description, &m.PracticeArea, &m.Status, &m.ClientStatus, &m.StatusCategory,
		&m.UpdatedAt, &m.ClientName, &m.Unread)
}

// Query reads the one matter @matter, if v may see it (store.ViewerArgs).
func Query(v store.Viewer) string { return selectRows(v) + " AND matters.id = @matter" }

// Filter narrows the matter list; the zero Filter lists every matter the
// viewer may see.
type Filter struct {
	// Query keeps the matters whose number or description contains it
	// (a trigram index; under three characters, the start of a number), or
	// whose client it finds (store.ContactSearchSQL).
	Query string
	// Category keeps open, pending or closed matters only.
	Category models.StatusCategory
	// Mine keeps the matters the viewer is responsible or originating
	// attorney of.
	Mine bool
	// PracticeArea and ClientID keep one practice area's, one client's.
	PracticeArea string
	ClientID     int64
}

// where is f as SQL conditions on matters, with its arguments in args;
// "my matters" is mineSQL, added by the caller.
func (f Filter) where(args map[string]any) string {
	var sql string
	if q := strings.ToLower(strings.TrimSpace(f.Query)); q != "" {
		sql += " AND matters.id IN (" + searchSQL(q, args) + ")"
	}
	if f.Category != "" {
		args["category"] = string(f.Category)
		sql += " AND matters.status_category = @category"
	}
	if f.PracticeArea != "" {
		args["area"] = f.PracticeArea
		sql += " AND matters.practice_area = @area"
	}
	if f.ClientID != 0 {
		args["client_id"] = f.ClientID
		sql += " AND matters.client_contact_id = @client_id"
	}
	return sql
}

// List lists the matters v may see that f keeps, open and pending ones
// first, newest activity first, a page at a time (after is the cursor of
// the page before). Each of the two groups is read by keyset from an index
// in that order.
func (s *Store) List(ctx context.Context, v store.Viewer, f Filter, after string) (store.Page[ListRow], error) {
	page, _, _, err := s.ListCounted(ctx, v, f, after, false)
	return page, err
}

// ListCounted is List, and with count also Count, reading a search's
// matters once: up to countCap of them are found first and the page is
// cut from those IDs (the search's cost is paid once, not once a group
// and once for the count). A search that finds more reads as List does.
func (s *Store) ListCounted(ctx context.Context, v store.Viewer, f Filter, after string, count bool) (page store.Page[ListRow], n int, capped bool, err error) {
	closed, at, id := false, time.Now().Add(100*365*24*time.Hour), int64(0)
	if ok, err := store.ReadCursor(after, &closed, &at, &id); err != nil {
		return page, 0, false, err
	} else if !ok {
		id = 1<<63 - 1
	}
	if f.Query != "" {
		args := store.ViewerArgs(v, 0)
		ids, err := store.QueryAll(ctx, s.DB, `SELECT matters.id FROM matters WHERE `+store.MatterRule(v)+f.where(args)+
			f.mineSQL(v, "", countCap+1)+` LIMIT `+fmt.Sprint(countCap+1), args, store.ScanID)
		if err != nil {
			return page, 0, false, fmt.Errorf("store: search matters: %w", err)
		}
		if len(ids) <= countCap {
			args := store.ViewerArgs(v, 0)
			// One array parameter, so the statement is the same whatever the count.
			args["ids"], args["closed"], args["at"], args["id"] = store.Int64Array(ids), closed, at, id
			rows, err := store.QueryAll(ctx, s.DB, selectList(v)+` AND matters.id = ANY (CAST(@ids AS bigint[]))
				AND ((matters.status_category = 'closed') > @closed
					OR ((matters.status_category = 'closed') = @closed AND (matters.updated_at, matters.id) < (@at, @id)))
				ORDER BY (matters.status_category = 'closed'), matters.updated_at DESC, matters.id DESC
				LIMIT `+fmt.Sprint(store.PageSize+1), args, scanListRow)
			if err != nil {
				return page, 0, false, fmt.Errorf("store: list matters found: %w", err)
			}
			return store.Trim(rows, rowCursor), len(ids), false, nil
		}
	}
	if page, err = s.list(ctx, v, f, closed, at, id); err != nil || !count {
		return page, 0, false, err
	}
	n, capped, err = s.Count(ctx, v, f)
	return page, n, capped, err
}

// mineSQL keeps the matters v is the responsible or originating attorney
// of: the first limit of each attorney column, read in the list's order
// from its own index (after the keyset when there is one), so a user with
// 10,000 matters costs what one with ten does. The branches apply the
// viewing rule themselves, so a matter v may not see cannot take a place.
func (f Filter) mineSQL(v store.Viewer, keyset string, limit int) string {
	if !f.Mine {
		return ""
	}
	cat := ""
	if f.Category != "" {
		cat = " AND matters.status_category = @category"
	}
	branch := func(col string) string {
		return `(SELECT matters.id FROM matters WHERE ` + store.MatterRule(v) + ` AND matters.` + col + ` = @user` + cat + keyset + `
			ORDER BY (matters.status_category = 'closed'), matters.updated_at DESC, matters.id DESC LIMIT ` + fmt.Sprint(limit) + `)`
	}
	return ` AND matters.id = ANY (ARRAY(` + branch("responsible_user_id") + ` UNION ` + branch("originating_user_id") + `))`
}

// rowCursor is where a page of the list ends.
func rowCursor(m ListRow) string {
	return store.Cursor(m.StatusCategory == models.StatusClosed, m.UpdatedAt, m.ID)
}

// list reads a page of each group by keyset from its index.
func (s *Store) list(ctx context.Context, v store.Viewer, f Filter, closed bool, at time.Time, id int64) (store.Page[ListRow], error) {
	var out []ListRow
	for _, group := range []bool{false, true} {
		if group != closed && closed {
			continue // the open group was read on an earlier page
		}
		if f.Category != "" && (f.Category == models.StatusClosed) != group {
			continue // the filter keeps the other group only
		}
		if group != closed {
			at, id = time.Now().Add(100*365*24*time.Hour), 1<<63-1 // the closed group from its top
		}
		args := store.ViewerArgs(v, 0)
		args["closed"], args["at"], args["id"] = group, at, id
		keyset := ` AND (matters.status_category = 'closed') = @closed AND (matters.updated_at, matters.id) < (@at, @id)`
		rows, err := store.QueryAll(ctx, s.DB, selectList(v)+f.where(args)+f.mineSQL(v, keyset, store.PageSize+1-len(out))+`
			AND (matters.status_category = 'closed') = @closed AND (matters.updated_at, matters.id) < (@at, @id)
			ORDER BY (matters.status_category = 'closed'), matters.updated_at DESC, matters.id DESC
			LIMIT `+fmt.Sprint(store.PageSize+1-len(out)), args, scanListRow)
		if err != nil {
			return store.Page[ListRow]{}, fmt.Errorf("store: list matters: %w", err)
		}
		out = append(out, rows...)
		if len(out) > store.PageSize {
			break
		}
	}
	return store.Trim(out, rowCursor), nil
}

// countCap is where counting a filtered list stops: "more than 1,000".
const countCap = 1000

// Count is how many matters v may see that f keeps; capped says it stopped
// at countCap. Unfiltered, or by status category, it reads the firm's
// running totals (plus, for a member, the restricted matters they are
// listed on, each listing carrying its matter's permission and category).
func (s *Store) Count(ctx context.Context, v store.Viewer, f Filter) (n int, capped bool, err error) {
	args := store.ViewerArgs(v, 0)
	args["category"] = string(f.Category)
	var q string
	counted := false // counted the rows themselves, up to countCap+1
	switch {
	case f.Query != "" || f.Mine || f.PracticeArea != "" || f.ClientID != 0 || v.IsClient():
		counted = true
		q = `SELECT count(*) FROM (SELECT 1 FROM matters WHERE ` + store.MatterRule(v) + f.where(args) + f.mineSQL(v, "", countCap+1) +
			` LIMIT ` + fmt.Sprint(countCap+1) + `) x`
	case v.Admin:
		q = `SELECT coalesce(sum(n), 0) FROM matter_totals WHERE firm_id = @firm AND (@category = '' OR status_category = @category)`
	default:
		q = `SELECT coalesce((SELECT sum(n) FROM matter_totals WHERE firm_id = @firm AND permission = 'everyone'
				AND (@category = '' OR status_category = @category)), 0)
			+ (SELECT count(*) FROM matter_permitted_users WHERE firm_id = @firm AND user_id = @user
				AND permission = 'users' AND (@category = '' OR status_category = @category))`
	}
	if n, err = store.QueryInt(ctx, s.DB, q, args); err != nil {
		return 0, false, fmt.Errorf("store: count matters: %w", err)
	}
	if counted && n > countCap {
		return countCap, true, nil
	}
	return n, false, nil
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
	if clients := store.ContactSearchSQL(store.ContactSearch{Query: q, WithArchived: true, OnMatter: true}, args); clients != "" {
		// Each client found is looked up by the client index (OFFSET 0 keeps
		// the planner from hashing all matters when it cannot tell how many
		// clients a search finds, as in a prepared statement's generic plan).
		sql += ` UNION SELECT m.id FROM (` + clients + `) f
			CROSS JOIN LATERAL (SELECT id FROM matters WHERE firm_id = @firm AND client_contact_id = f.contact_id OFFSET 0) m`
	}
	return sql
}
