package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Relationship is a link from the contact a page shows to another.
type Relationship struct {
	ID        int64
	ContactID int64 // the other contact
	Name      string
	Label     string
	Archived  bool
}

// Relationships lists a contact's relationships, whichever side they were
// made from, by the other contact's name.
func (s *Store) Relationships(ctx context.Context, v store.Viewer, id int64) ([]Relationship, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	out, err := store.QueryAll(ctx, s.DB, `SELECT r.id, c.id, `+store.ContactNameSQL+`, r.label, c.archived_at IS NOT NULL
		FROM (SELECT id, related_contact_id AS other, label FROM contact_relationships WHERE firm_id = @firm AND contact_id = @id
			UNION ALL SELECT id, contact_id, label FROM contact_relationships WHERE firm_id = @firm AND related_contact_id = @id) r
		JOIN contacts c ON c.firm_id = @firm AND c.id = r.other
		ORDER BY c.sort_name, c.id LIMIT 200`, map[string]any{"firm": v.FirmID, "id": id},
		func(r store.Rows, x *Relationship) error {
			return r.Scan(&x.ID, &x.ContactID, &x.Name, &x.Label, &x.Archived)
		})
	if err != nil {
		return nil, fmt.Errorf("store: list relationships: %w", err)
	}
	return out, nil
}

// ErrRelated refuses a second relationship between the same two contacts.
var ErrRelated = errors.New("store: the contacts are already related")

// Relate links contact id to other with label ("spouse", "employer").
func (s *Store) Relate(ctx context.Context, v store.Viewer, id, other int64, label string) error {
	label = strings.Join(strings.Fields(label), " ")
	bad := store.FieldErrors{}
	if label == "" || utf8.RuneCountInString(label) > 100 {
		bad.Add("label", "Say how they are related (spouse, employer…), in under 100 characters.")
	}
	if other == id {
		bad.Add("related_contact_id", "Choose another contact.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	for _, c := range []int64{id, other} {
		if _, err := s.Contact(ctx, v, c); err != nil {
			return err
		}
	}
	rel := models.ContactRelationship{FirmID: v.FirmID, ContactID: id, RelatedContactID: other, Label: label, CreatedByUserID: &v.UserID}
	if err := s.DB.WithContext(ctx).Create(&rel).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return ErrRelated
		}
		return fmt.Errorf("store: relate contacts: %w", err)
	}
	return nil
}

// Unrelate removes relationship rel from contact id's page (and the
// other's).
func (s *Store) Unrelate(ctx context.Context, v store.Viewer, id, rel int64) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND (contact_id = ? OR related_contact_id = ?)", v.FirmID, rel, id, id).
		Delete(&models.ContactRelationship{})
	if res.Error != nil {
		return fmt.Errorf("store: unrelate contacts: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return nil
}
