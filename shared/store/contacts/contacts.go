// Package contacts owns contacts and their emails, phone numbers and
// addresses.
package contacts

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes contacts.
type Store struct {
	DB *gorm.DB
}

// Who sees a contact. Every firm user sees every contact of the firm: the
// rule the texts pages already follow (Conversations, TextContact,
// TextableContacts), so hiding a contact page would hide nothing those
// pages show, and a contact on no matter (made from an unknown text) stays
// reachable. What is seen through a matter is scoped like the matter: a
// contact's matters, how many there are, and its related contacts (the
// people on those matters) come only from matters the user may see, so a
// restricted matter and who is on it stay hidden from users not listed on
// it. Clients see no contact pages.

// Row is a contact as the list shows it.
type Row struct {
	ID       int64
	SortName string
	Name     string
	Email    string // the primary address, else the first
	Phone    string // the texting number, else the first mobile, else the first
	// Matters counts the matters v may see that the contact is on.
	Matters int
}

// Filter narrows the contact list: a search (see store.ContactSearchSQL)
// and people or companies only ("" for both).
type Filter struct {
	Query string
	Kind  models.ContactKind
}

// List lists the firm's contacts in use by name, a page at a time (after is
// the cursor of the page before), keeping those f finds. The page is read
// by the name index, or cut from the search's, so it costs about the same
// in a firm of 100 contacts as in one of 100,000. Archived contacts are
// left out.
func (s *Store) List(ctx context.Context, v store.Viewer, f Filter, after string) (store.Page[Row], error) {
	rows, err := s.list(ctx, v, f, after, store.PageSize+1)
	if err != nil {
		return store.Page[Row]{}, err
	}
	return store.Trim(rows, func(c Row) string { return store.Cursor(c.SortName, c.ID) }), nil
}

// Search is the first n contacts a query finds, by name, for type-ahead
// pickers.
func (s *Store) Search(ctx context.Context, v store.Viewer, query string, n int) ([]Row, error) {
	return s.list(ctx, v, Filter{Query: query}, "", n)
}

// countCap is where counting a search's contacts stops: "more than 100".
// Counting reads every match up to it, so it bounds a search's cost in a
// big firm: a common name's 800 contacts made the count dearer than the
// page itself, and past two pages of matches people narrow the search.
const countCap = 100

// Count is how many contacts f finds; capped says it stopped at countCap.
// Without a query it reads the firm's running totals.
func (s *Store) Count(ctx context.Context, v store.Viewer, f Filter) (n int, capped bool, err error) {
	if err := store.FirmUser(v); err != nil {
		return 0, false, err
	}
	args := map[string]any{"firm": v.FirmID, "kind": string(f.Kind)}
	q := `SELECT coalesce(sum(n), 0) FROM contact_totals WHERE firm_id = @firm AND (@kind = '' OR kind = @kind)`
	// Ordered: a short word's matches are read in name order, distinct as
	// they come, and the LIMIT stops the reading (a range's matches are all
	// gathered and hashed first).
	if found := store.ContactSearchSQL(store.ContactSearch{Query: f.Query, Kind: string(f.Kind), Ordered: true}, args); found != "" {
		q = `SELECT count(*) FROM (SELECT 1 FROM (` + found + `) f LIMIT ` + fmt.Sprint(countCap+1) + `) x`
	}
	if n, err = store.QueryInt(ctx, s.DB, q, args); err != nil {
		return 0, false, fmt.Errorf("store: count contacts: %w", err)
	}
	if n > countCap && f.Query != "" {
		return countCap, true, nil
	}
	return n, false, nil
}

// list reads up to limit contacts after the cursor after (see List).
func (s *Store) list(ctx context.Context, v store.Viewer, f Filter, after string, limit int) ([]Row, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	args := map[string]any{"firm": v.FirmID, "user": v.UserID, "contact": int64(0)}
	var afterName string
	var afterID int64
	// Only a later page has a lower bound: Postgres starts an index scan
	// at a row comparison over a name prefix's range, so ('', 0) on the
	// first page would read the firm from its first name.
	hitAfter, cAfter := "", ""
	if ok, err := store.ReadCursor(after, &afterName, &afterID); err != nil {
		return nil, err
	} else if ok {
		args["after_name"], args["after_id"] = afterName, afterID
		hitAfter, cAfter = "WHERE (sort_name, contact_id) > (@after_name, @after_id)", "AND (c.sort_name, c.id) > (@after_name, @after_id)"
	}
	from, where := "contacts c", " AND c.archived_at IS NULL"
	if f.Kind != "" {
		args["kind"] = string(f.Kind)
		where += " AND c.kind = @kind"
	}
	if found := store.ContactSearchSQL(store.ContactSearch{Query: f.Query, Kind: string(f.Kind), Ordered: true}, args); found != "" {
		// The page is cut from the search's index alone; only its rows
		// are read from contacts.
		from, where = `(SELECT contact_id, sort_name FROM (`+found+`) f `+hitAfter+`
			ORDER BY sort_name, contact_id LIMIT `+fmt.Sprint(limit)+`) hit JOIN contacts c ON c.id = hit.contact_id`, ""
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT c.id, c.sort_name, `+store.ContactNameSQL+`,
		c.list_email, c.list_phone,
		-- Only the matters on the contact's row (migration 00026), those
		-- the viewer may see.
		CASE WHEN c.matter_ids = '{}' THEN 0 ELSE
			(SELECT count(*) FROM matters WHERE `+store.MatterRule(v)+` AND matters.id = ANY (c.matter_ids)) END
		FROM `+from+`
		WHERE c.firm_id = @firm `+cAfter+where+`
		ORDER BY c.sort_name, c.id LIMIT `+fmt.Sprint(limit), args,
		func(r store.Rows, c *Row) error {
			return r.Scan(&c.ID, &c.SortName, &c.Name, &c.Email, &c.Phone, &c.Matters)
		})
	if err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	return rows, nil
}

// Contact returns a contact of the firm with its emails, phone numbers and
// addresses.
func (s *Store) Contact(ctx context.Context, v store.Viewer, id int64) (models.Contact, error) {
	if err := store.FirmUser(v); err != nil {
		return models.Contact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).
		Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Preload("PhoneNumbers", TextingFirst).
		Preload("Addresses", func(q *gorm.DB) *gorm.DB { return q.Order("id") }).
		Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&c).Error
	if err != nil {
		return c, store.NotFound(err, "load contact")
	}
	return c, nil
}

// TextingFirst orders a contact's phone numbers for texting: the one marked
// for texting first (models.Contact.TextNumber picks from this order).
func TextingFirst(q *gorm.DB) *gorm.DB { return q.Order("is_texting DESC, id") }

// ErrNotE164 is a number that cannot be saved on a contact.
var ErrNotE164 = errors.New("store: the number cannot be saved on a contact")

// e164 is what contact_phone_numbers.number accepts.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// CreateTx records a new contact, with its emails, numbers and addresses,
// in the caller's transaction.
func CreateTx(tx *gorm.DB, c *models.Contact) error {
	for _, p := range c.PhoneNumbers {
		if !e164.MatchString(p.Number) {
			return ErrNotE164
		}
	}
	if c.Status == "" {
		c.Status = "active"
	}
	if err := tx.Create(c).Error; err != nil {
		return fmt.Errorf("store: create contact: %w", err)
	}
	return nil
}

// byNumberSQL finds the firm's contact with an E.164 number (firm and
// number are SQL expressions): the one that marked it for texting first.
func byNumberSQL(firm, number string) string {
	return `SELECT p.contact_id FROM contact_phone_numbers p
		JOIN contacts c ON c.firm_id = p.firm_id AND c.id = p.contact_id
		WHERE p.firm_id = ` + firm + ` AND p.number = ` + number + `
		ORDER BY p.is_texting DESC, p.contact_id LIMIT 1`
}

// ByNumberLateral is byNumberSQL as a lateral join over rows t with
// columns firm_id and contact_number (the batched inbound insert).
var ByNumberLateral = `CROSS JOIN LATERAL (` + byNumberSQL("t.firm_id", "t.contact_number") + `) c`

// ByNumber finds the firm's contact with this E.164 number; ErrNotFound if
// none has it.
func ByNumber(tx *gorm.DB, sys store.System, number string) (int64, error) {
	var ids []int64
	if err := tx.Raw(byNumberSQL("?", "?"), sys.FirmID, number).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("store: find contact by number: %w", err)
	}
	if len(ids) == 0 {
		return 0, store.ErrNotFound
	}
	return ids[0], nil
}
