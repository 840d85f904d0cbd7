package contacts

import (
	"context"
	"fmt"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Record is a contact as the REST API answers it. Its emails, numbers and
// addresses are values read from the contact's own row (migration 00026),
// not the child rows: the embedded Contact's Emails, PhoneNumbers and
// Addresses stay empty.
type Record struct {
	models.Contact
	// EmailAddresses are primary first; Numbers (E.164) texting first;
	// PostalAddresses oldest first.
	EmailAddresses  []string
	Numbers         []string
	PostalAddresses []Address
	// MatterIDs are the matters v may see that the contact is on, as
	// client or as related contact, in ID order.
	MatterIDs []int64
}

// Address is a postal address of a Record.
type Address struct {
	Street, City, Province, PostalCode, Country string
}

// Records is a page of the firm's contacts in use in ID order (q), those a
// search finds when query holds one (see store.ContactSearchSQL), each
// with its emails (primary first), numbers (texting first) and addresses.
// The search's matches are read from its index and only the page's rows
// from contacts, by the (firm_id, id) key.
func (s *Store) Records(ctx context.Context, v store.Viewer, q store.IDQuery, query string) ([]Record, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	args := map[string]any{"firm": v.FirmID}
	from := "contacts"
	if found := store.ContactSearchSQL(store.ContactSearch{Query: query, ByID: true}, args); found != "" {
		// The page's IDs are cut from the search in ID order, from after
		// the cursor on; only they are read from contacts.
		from = `(SELECT DISTINCT contact_id FROM (` + found + `) f0 WHERE contact_id > @q_after) f
			JOIN contacts ON contacts.id = f.contact_id`
	} else if query != "" {
		return nil, nil // nothing to search by ("@", "#"): nothing found
	}
	return s.load(ctx, v, `SELECT `+recordColumns(v, true)+` FROM `+from+`
		WHERE contacts.firm_id = @firm AND contacts.archived_at IS NULL`+q.SQL("contacts", args), args)
}

// Record is one contact of the firm, archived or not, as Records has it.
func (s *Store) Record(ctx context.Context, v store.Viewer, id int64) (Record, error) {
	if err := store.FirmUser(v); err != nil {
		return Record{}, err
	}
	out, err := s.byIDs(ctx, v, []int64{id}, true)
	if err != nil {
		return Record{}, err
	}
	if len(out) == 0 {
		return Record{}, store.ErrNotFound
	}
	return out[0], nil
}

// ByIDs loads the firm's contacts ids (archived ones too) as Records
// without their matters, in ID order.
func (s *Store) ByIDs(ctx context.Context, v store.Viewer, ids []int64) ([]Record, error) {
	return s.byIDs(ctx, v, ids, false)
}

// byIDs loads the firm's contacts ids (archived ones too), in ID order,
// with, withMatters, the matters v may see them on.
func (s *Store) byIDs(ctx context.Context, v store.Viewer, ids []int64, withMatters bool) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.load(ctx, v, `SELECT `+recordColumns(v, withMatters)+` FROM contacts
		WHERE contacts.firm_id = @firm AND contacts.id = ANY (CAST(@ids AS bigint[])) ORDER BY contacts.id`,
		map[string]any{"ids": store.Int64Array(ids)})
}

// recordColumns are the columns of a Record (scanRecord), named
// parameters those of store.MatterRule. Its matters (withMatters) are
// those v may see among the ones on the contact's row (migration 00026),
// each looked up by key.
func recordColumns(v store.Viewer, withMatters bool) string {
	matters := `CAST('{}' AS bigint[])`
	if withMatters {
		matters = `CASE WHEN contacts.matter_ids = '{}' THEN '{}' ELSE ARRAY(SELECT matters.id FROM matters
		WHERE ` + store.MatterRule(v) + ` AND matters.id = ANY (contacts.matter_ids) ORDER BY matters.id) END`
	}
	return `contacts.id, contacts.firm_id, contacts.kind, contacts.first_name, contacts.middle_name,
	contacts.last_name, contacts.title, contacts.company_name, contacts.status, contacts.global_id, contacts.clio_id,
	contacts.portal_invited_at, contacts.archived_at, contacts.created_by_user_id, contacts.updated_by_user_id,
	contacts.created_at, contacts.updated_at, contacts.all_emails, contacts.all_phones, contacts.all_addresses, ` + matters
}

func scanRecord(r store.Rows, c *Record) error {
	var addrs [][]string // an address's five parts a row
	err := r.Scan(&c.ID, &c.FirmID, &c.Kind, &c.FirstName, &c.MiddleName, &c.LastName, &c.Title, &c.CompanyName, &c.Status,
		&c.GlobalID, &c.ClioID, &c.PortalInvitedAt, &c.ArchivedAt, &c.CreatedByUserID, &c.UpdatedByUserID, &c.CreatedAt, &c.UpdatedAt,
		&c.EmailAddresses, &c.Numbers, &addrs, &c.MatterIDs)
	if err != nil {
		return err
	}
	c.PostalAddresses = make([]Address, 0, len(addrs))
	for _, a := range addrs {
		if len(a) != 5 {
			return fmt.Errorf("store: contact %d: an address of %d parts", c.ID, len(a))
		}
		c.PostalAddresses = append(c.PostalAddresses, Address{Street: a[0], City: a[1], Province: a[2], PostalCode: a[3], Country: a[4]})
	}
	return nil
}

// load reads the Records q (with its named args, and v's) lists, in its
// order: one statement, each contact's row read once.
func (s *Store) load(ctx context.Context, v store.Viewer, q string, args map[string]any) ([]Record, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	for k, val := range store.ViewerArgs(v, 0) {
		args[k] = val
	}
	out, err := store.QueryAll(ctx, s.DB, q, args, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("store: list contact records: %w", err)
	}
	return out, nil
}
