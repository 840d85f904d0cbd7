package store

import "gorm.io/gorm"

// MatterRule is the SQL condition on the matters table for what v may see:
// a client sees the matters they are the client of; a firm user sees matters
// open to everyone, those they are listed on, and (as an admin) all. Its
// named parameters are ViewerArgs'; gorm and pgx both read @name. Every
// store that shows something through a matter applies it.
func MatterRule(v Viewer) string {
	switch {
	case v.IsClient():
		return "matters.firm_id = @firm AND matters.client_contact_id = @contact"
	case v.Admin:
		return "matters.firm_id = @firm"
	}
	return `matters.firm_id = @firm AND (matters.permission = 'everyone' OR EXISTS (
		SELECT 1 FROM matter_permitted_users p WHERE p.firm_id = @firm AND p.matter_id = matters.id AND p.user_id = @user))`
}

// ViewerArgs are the named parameters of MatterRule and of the queries of
// one matter (@matter) built on it.
func ViewerArgs(v Viewer, matterID int64) map[string]any {
	return map[string]any{"firm": v.FirmID, "contact": v.ContactID, "user": v.UserID, "matter": matterID}
}

// VisibleMatters scopes a gorm query on matters to what v may see.
func VisibleMatters(q *gorm.DB, v Viewer) *gorm.DB {
	return q.Where(MatterRule(v), ViewerArgs(v, 0))
}

// ContactNameSQL is how a contact (aliased c) is named in lists.
const ContactNameSQL = `CASE WHEN c.kind = 'company' THEN c.company_name ELSE btrim(c.first_name || ' ' || c.last_name) END`

// RelationshipSQL is a related contact's role on a matter (r is
// matter_related_contacts).
const RelationshipSQL = `coalesce(nullif(r.relationship, ''), 'Related contact')`

// ContactMatterIDsSQL lists the IDs of the matters of firm @firm that
// contact (an SQL expression: @contact, or c.id in a correlated subquery)
// is on, as client or as related contact: two look-ups, each served by its
// own index, where one condition joined by OR could use neither.
func ContactMatterIDsSQL(contact string) string {
	return `SELECT id FROM matters WHERE firm_id = @firm AND client_contact_id = ` + contact + `
	UNION SELECT matter_id FROM matter_related_contacts WHERE firm_id = @firm AND contact_id = ` + contact
}
