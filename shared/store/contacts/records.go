package contacts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Record is a contact with everything on it, as the REST API answers it.
type Record struct {
	models.Contact
	// MatterIDs are the matters v may see that the contact is on, as
	// client or as related contact, in ID order.
	MatterIDs []int64
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
	return s.load(ctx, v, `SELECT `+recordColumns+` FROM `+from+`
		WHERE contacts.firm_id = @firm AND contacts.archived_at IS NULL`+q.SQL("contacts", args), args, true)
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

// ByIDs loads the firm's contacts ids (archived ones too), in ID order,
// with their emails (primary first), numbers (texting first) and addresses.
func (s *Store) ByIDs(ctx context.Context, v store.Viewer, ids []int64) ([]models.Contact, error) {
	out, err := s.byIDs(ctx, v, ids, false)
	if err != nil {
		return nil, err
	}
	cs := make([]models.Contact, len(out))
	for i, r := range out {
		cs[i] = r.Contact
	}
	return cs, nil
}

// byIDs loads the firm's contacts ids (archived ones too), in ID order,
// with their children and, withMatters, the matters v may see them on.
func (s *Store) byIDs(ctx context.Context, v store.Viewer, ids []int64, withMatters bool) ([]Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.load(ctx, v, `SELECT `+recordColumns+` FROM contacts
		WHERE contacts.firm_id = @firm AND contacts.id = ANY (CAST(@ids AS bigint[])) ORDER BY contacts.id`,
		map[string]any{"firm": v.FirmID, "ids": store.Int64Array(ids)}, withMatters)
}

// recordColumns are the contact columns of a Record (scanRecord), and
// matter_links (migration 00024): only contacts on some matter have
// theirs looked up.
const recordColumns = `contacts.id, contacts.firm_id, contacts.kind, contacts.first_name, contacts.middle_name,
	contacts.last_name, contacts.title, contacts.company_name, contacts.status, contacts.global_id, contacts.clio_id,
	contacts.portal_invited_at, contacts.archived_at, contacts.created_by_user_id, contacts.updated_by_user_id,
	contacts.created_at, contacts.updated_at, contacts.matter_links`

// linked is a contact as recordColumns read it.
type linked struct {
	Record
	links int
}

func scanRecord(r store.Rows, l *linked) error {
	c := &l.Contact
	return r.Scan(&c.ID, &c.FirmID, &c.Kind, &c.FirstName, &c.MiddleName, &c.LastName, &c.Title, &c.CompanyName, &c.Status,
		&c.GlobalID, &c.ClioID, &c.PortalInvitedAt, &c.ArchivedAt, &c.CreatedByUserID, &c.UpdatedByUserID, &c.CreatedAt, &c.UpdatedAt,
		&l.links)
}

// load reads the contacts q (recordColumns, with its named args) lists,
// in its order, then their children (and, withMatters, the matters v may
// see them on) in one more round trip: a pgx batch of one statement per
// table, each scanned by hand. A page of fifty contacts sent as six
// statements through gorm cost more than its queries did.
func (s *Store) load(ctx context.Context, v store.Viewer, q string, args map[string]any, withMatters bool) ([]Record, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	cs, err := store.QueryAll(ctx, s.DB, q, args, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("store: list contact records: %w", err)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	out := make([]Record, len(cs))
	at := make(map[int64]*Record, len(cs))
	ids, linkedIDs := make([]int64, len(cs)), []int64{}
	for i := range cs {
		out[i] = cs[i].Record
		at[out[i].ID] = &out[i]
		ids[i] = out[i].ID
		if cs[i].links > 0 {
			linkedIDs = append(linkedIDs, out[i].ID)
		}
	}
	raw := store.ViewerArgs(v, 0)
	raw["ids"], raw["linked"] = store.Int64Array(ids), store.Int64Array(linkedIDs)
	batchArgs := store.NamedArgs(raw)
	b := &pgx.Batch{}
	b.Queue(`SELECT contact_id, address, label, is_primary FROM contact_emails
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY is_primary DESC, id`, batchArgs)
	b.Queue(`SELECT contact_id, number, label, is_primary, is_texting FROM contact_phone_numbers
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY is_texting DESC, id`, batchArgs)
	b.Queue(`SELECT contact_id, label, street, city, province, postal_code, country FROM contact_addresses
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY id`, batchArgs)
	withMatters = withMatters && len(linkedIDs) > 0
	if withMatters {
		// Contact by contact, each read by its own index look-ups (as the
		// contact list's count is): one list of fifty would be read whole.
		b.Queue(`SELECT c.id, matters.id
			FROM unnest(CAST(@linked AS bigint[])) c(id)
			CROSS JOIN LATERAL (`+store.ContactMatterIDsSQL("c.id")+`) x(matter_id)
			JOIN matters ON matters.id = x.matter_id
			WHERE `+store.MatterRule(v)+` ORDER BY 1, 2`, batchArgs)
	}
	err = store.PgxConn(ctx, s.DB, func(conn *pgx.Conn) error {
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		emails, err := store.BatchAll(br, func(r store.Rows, e *models.ContactEmail) error {
			return r.Scan(&e.ContactID, &e.Address, &e.Label, &e.IsPrimary)
		})
		if err != nil {
			return err
		}
		for _, e := range emails {
			if c := at[e.ContactID]; c != nil {
				c.Emails = append(c.Emails, e)
			}
		}
		phones, err := store.BatchAll(br, func(r store.Rows, p *models.ContactPhoneNumber) error {
			return r.Scan(&p.ContactID, &p.Number, &p.Label, &p.IsPrimary, &p.IsTexting)
		})
		if err != nil {
			return err
		}
		for _, p := range phones {
			if c := at[p.ContactID]; c != nil {
				c.PhoneNumbers = append(c.PhoneNumbers, p)
			}
		}
		addrs, err := store.BatchAll(br, func(r store.Rows, a *models.ContactAddress) error {
			return r.Scan(&a.ContactID, &a.Label, &a.Street, &a.City, &a.Province, &a.PostalCode, &a.Country)
		})
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if c := at[a.ContactID]; c != nil {
				c.Addresses = append(c.Addresses, a)
			}
		}
		if withMatters {
			on, err := store.BatchAll(br, func(r store.Rows, m *[2]int64) error { return r.Scan(&m[0], &m[1]) })
			if err != nil {
				return err
			}
			for _, m := range on {
				if c := at[m[0]]; c != nil {
					c.MatterIDs = append(c.MatterIDs, m[1])
				}
			}
		}
		return br.Close()
	})
	if err != nil {
		return nil, fmt.Errorf("store: load contacts: %w", err)
	}
	return out, nil
}
