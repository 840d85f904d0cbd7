package matters

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/store"
)

// IDsOfContact lists every matter the contact is on, for work done for the
// firm (media a contact texted is filed on each of them).
func IDsOfContact(tx *gorm.DB, sys store.System, contactID int64) ([]int64, error) {
	var ids []int64
	err := tx.Raw(store.ContactMatterIDsSQL("@contact")+` ORDER BY 1`, map[string]any{"firm": sys.FirmID, "contact": contactID}).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: matters of contact %d: %w", contactID, err)
	}
	return ids, nil
}

// PeopleSQL lists the client and related contacts of the matters @matters
// of firm @firm (matter_id, contact_id, role, ord; clients first).
const PeopleSQL = `SELECT id AS matter_id, client_contact_id AS contact_id, 'Client' AS role, 0 AS ord
	FROM matters WHERE firm_id = @firm AND id IN @matters
	UNION ALL
	SELECT r.matter_id, r.contact_id, ` + store.RelationshipSQL + `, 1 FROM matter_related_contacts r
	WHERE r.firm_id = @firm AND r.matter_id IN @matters`

// PeopleIDsSQL lists the clients, then the related contacts, of the
// matters @matters of firm @firm.
const PeopleIDsSQL = `SELECT contact_id FROM (` + PeopleSQL + `) p ORDER BY ord`

// onMatters scopes a query on matters to those v may see that contact is on.
func onMatters(q *gorm.DB, v store.Viewer, contact int64) *gorm.DB {
	return store.VisibleMatters(q, v).Where("matters.id IN ("+store.ContactMatterIDsSQL("@contact")+")",
		sql.Named("firm", v.FirmID), sql.Named("contact", contact))
}

// ContactMatter is a matter the contact is on, with the contact's role.
type ContactMatter struct {
	Row
	Role string // "Client", or the relationship of a related contact
}

// matterRowSelect reads a Row with gorm, from matters joined to
// their client (c).
const matterRowSelect = `matters.*, CASE WHEN c.kind = 'company' THEN c.company_name
	ELSE btrim(c.first_name || ' ' || c.last_name) END AS client_name`

// OfContact lists the matters v may see that the contact is on, open
// ones first.
func (s *Store) OfContact(ctx context.Context, v store.Viewer, id int64) ([]ContactMatter, error) {
	var out []ContactMatter
	q := s.DB.WithContext(ctx).Table("matters").
		Select(matterRowSelect+`, CASE WHEN matters.client_contact_id = @id THEN 'Client' ELSE (
			SELECT `+store.RelationshipSQL+` FROM matter_related_contacts r
			WHERE r.firm_id = matters.firm_id AND r.matter_id = matters.id AND r.contact_id = @id) END AS role`,
			sql.Named("id", id)).
		Joins("JOIN contacts c ON c.id = matters.client_contact_id")
	err := onMatters(q, v, id).
		Order("matters.status_category = 'closed', matters.updated_at DESC, matters.id DESC").
		Limit(500).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list contact matters: %w", err)
	}
	return out, nil
}

// Person is a related contact of a matter.
type Person struct {
	ContactID int64
	Name      string
	Role      string
}

// RelatedContacts lists the related contacts of a matter already
// loaded for v (so visible), by name.
func (s *Store) RelatedContacts(ctx context.Context, v store.Viewer, m Row) ([]Person, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []Person
	err := s.DB.WithContext(ctx).Raw(`SELECT r.contact_id, `+store.ContactNameSQL+` AS name, `+store.RelationshipSQL+` AS role
		FROM matter_related_contacts r JOIN contacts c ON c.firm_id = r.firm_id AND c.id = r.contact_id
		WHERE r.firm_id = ? AND r.matter_id = ? ORDER BY lower(`+store.ContactNameSQL+`), c.id`, v.FirmID, m.ID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list related contacts: %w", err)
	}
	return out, nil
}
