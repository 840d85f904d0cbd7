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
	db := s.DB.WithContext(ctx).Model(&models.Contact{})
	args := map[string]any{"firm": v.FirmID, "after": q.After}
	if found := store.ContactSearchSQL(store.ContactSearch{Query: query, ByID: true}, args); found != "" {
		// The page's IDs are cut from the search in ID order, from after
		// the cursor on; only they are read from contacts.
		db = db.Table("(?) f", s.DB.Raw(`SELECT DISTINCT contact_id FROM (`+found+`) f0 WHERE contact_id > @after`, args)).
			Joins("JOIN contacts ON contacts.id = f.contact_id")
	} else if query != "" {
		return nil, nil // nothing to search by ("@", "#"): nothing found
	}
	db = db.Where("contacts.firm_id = ? AND contacts.archived_at IS NULL", v.FirmID)
	var ids []int64
	if err := db.Scopes(q.Scope).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("store: list contact records: %w", err)
	}
	return s.records(ctx, v, ids)
}

// Record is one contact of the firm, archived or not, as Records has it.
func (s *Store) Record(ctx context.Context, v store.Viewer, id int64) (Record, error) {
	if err := store.FirmUser(v); err != nil {
		return Record{}, err
	}
	out, err := s.records(ctx, v, []int64{id})
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
	out, err := s.load(ctx, v, ids, false)
	if err != nil {
		return nil, err
	}
	cs := make([]models.Contact, len(out))
	for i, r := range out {
		cs[i] = r.Contact
	}
	return cs, nil
}

// records loads the firm's contacts ids, in ID order, with their children
// and the matters v may see them on.
func (s *Store) records(ctx context.Context, v store.Viewer, ids []int64) ([]Record, error) {
	return s.load(ctx, v, ids, true)
}

// load reads contacts ids and their children (and, withMatters, the
// matters v may see them on) in one round trip: a pgx batch of one
// statement per table, each scanned by hand. A page of fifty contacts
// sent as six statements through gorm cost more than its queries did.
func (s *Store) load(ctx context.Context, v store.Viewer, ids []int64, withMatters bool) ([]Record, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	raw := store.ViewerArgs(v, 0)
	raw["ids"] = store.Int64Array(ids)
	args := store.NamedArgs(raw)
	b := &pgx.Batch{}
	b.Queue(`SELECT id, firm_id, kind, first_name, middle_name, last_name, title, company_name, status, global_id, clio_id,
		portal_invited_at, archived_at, created_by_user_id, updated_by_user_id, created_at, updated_at
		FROM contacts WHERE firm_id = @firm AND id = ANY(CAST(@ids AS bigint[])) ORDER BY id`, args)
	b.Queue(`SELECT contact_id, address, label, is_primary FROM contact_emails
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY is_primary DESC, id`, args)
	b.Queue(`SELECT contact_id, number, label, is_primary, is_texting FROM contact_phone_numbers
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY is_texting DESC, id`, args)
	b.Queue(`SELECT contact_id, label, street, city, province, postal_code, country FROM contact_addresses
		WHERE firm_id = @firm AND contact_id = ANY(CAST(@ids AS bigint[])) ORDER BY id`, args)
	if withMatters {
		// Contact by contact, each read by its own index look-ups (as the
		// contact list's count is): one list of fifty would be read whole.
		// Only contacts on some matter are looked up (migration 00024).
		b.Queue(`SELECT c.id, matters.id
			FROM unnest(CAST(@ids AS bigint[])) c(id)
			JOIN contacts k ON k.id = c.id AND k.firm_id = @firm AND k.matter_links > 0
			CROSS JOIN LATERAL (`+store.ContactMatterIDsSQL("c.id")+`) x(matter_id)
			JOIN matters ON matters.id = x.matter_id
			WHERE `+store.MatterRule(v)+` ORDER BY 1, 2`, args)
	}
	var out []Record
	err := store.PgxConn(ctx, s.DB, func(conn *pgx.Conn) error {
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		cs, err := store.BatchAll(br, func(r store.Rows, c *models.Contact) error {
			return r.Scan(&c.ID, &c.FirmID, &c.Kind, &c.FirstName, &c.MiddleName, &c.LastName, &c.Title, &c.CompanyName, &c.Status,
				&c.GlobalID, &c.ClioID, &c.PortalInvitedAt, &c.ArchivedAt, &c.CreatedByUserID, &c.UpdatedByUserID, &c.CreatedAt, &c.UpdatedAt)
		})
		if err != nil {
			return err
		}
		out = make([]Record, len(cs))
		at := make(map[int64]*Record, len(cs))
		for i := range cs {
			out[i].Contact = cs[i]
			at[cs[i].ID] = &out[i]
		}
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
