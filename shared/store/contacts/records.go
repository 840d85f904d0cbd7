package contacts

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"gorm.io/gorm"

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
	db := s.DB.WithContext(ctx).Model(&models.Contact{}).Where("firm_id = ? AND archived_at IS NULL", v.FirmID)
	args := map[string]any{"firm": v.FirmID}
	if found := store.ContactSearchSQL(store.ContactSearch{Query: query}, args); found != "" {
		db = db.Where("id IN (?)", s.DB.Raw(`SELECT contact_id FROM (`+found+`) f`, args))
	} else if query != "" {
		return nil, nil // nothing to search by ("@", "#"): nothing found
	}
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
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var cs []models.Contact
	err := s.DB.WithContext(ctx).
		Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Where("firm_id = ?", v.FirmID).Order("is_primary DESC, id") }).
		Preload("PhoneNumbers", func(q *gorm.DB) *gorm.DB { return TextingFirst(q.Where("firm_id = ?", v.FirmID)) }).
		Preload("Addresses", func(q *gorm.DB) *gorm.DB { return q.Where("firm_id = ?", v.FirmID).Order("id") }).
		Where("firm_id = ? AND id IN ?", v.FirmID, ids).Order("id").Find(&cs).Error
	if err != nil {
		return nil, fmt.Errorf("store: load contacts: %w", err)
	}
	return cs, nil
}

// records loads the firm's contacts ids, in ID order, with their children
// and the matters v may see them on.
func (s *Store) records(ctx context.Context, v store.Viewer, ids []int64) ([]Record, error) {
	cs, err := s.ByIDs(ctx, v, ids)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	args := store.ViewerArgs(v, 0)
	args["ids"] = store.Int64Array(ids)
	var on []struct{ ContactID, MatterID int64 }
	// Contact by contact, each read by its own index look-ups (as the
	// contact list's count is): one list of fifty would be read whole.
	err = s.DB.WithContext(ctx).Raw(`SELECT c.id AS contact_id, matters.id AS matter_id
		FROM unnest(CAST(@ids AS bigint[])) c(id)
		CROSS JOIN LATERAL (`+store.ContactMatterIDsSQL("c.id")+`) x(matter_id)
		JOIN matters ON matters.id = x.matter_id
		WHERE `+store.MatterRule(v)+` ORDER BY 1, 2`, args).Scan(&on).Error
	if err != nil {
		return nil, fmt.Errorf("store: load contact records' matters: %w", err)
	}
	out := make([]Record, len(cs))
	for i, c := range cs {
		out[i].Contact = c
		from, _ := slices.BinarySearchFunc(on, c.ID, func(m struct{ ContactID, MatterID int64 }, id int64) int {
			return cmp.Compare(m.ContactID, id)
		})
		for j := from; j < len(on) && on[j].ContactID == c.ID; j++ {
			out[i].MatterIDs = append(out[i].MatterIDs, on[j].MatterID)
		}
	}
	return out, nil
}
