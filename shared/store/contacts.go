package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
)

// Who sees a contact. Every firm user sees every contact of the firm: the
// rule the texts pages already follow (Conversations, TextContact,
// TextableContacts), so hiding a contact page would hide nothing those
// pages show, and a contact on no matter (made from an unknown text) stays
// reachable. What is seen through a matter is scoped like the matter: a
// contact's matters, how many there are, and its related contacts (the
// people on those matters) come only from matters the user may see, so a
// restricted matter and who is on it stay hidden from users not listed on
// it. Clients see no contact pages.

// ContactListLimit caps the contact list; a search narrows it.
const ContactListLimit = 500

// ContactRow is a contact as the list shows it.
type ContactRow struct {
	ID    int64
	Name  string
	Email string // the primary address, else the first
	Phone string // the texting number, else the first mobile, else the first
	// Matters counts the matters v may see that the contact is on.
	Matters int
}

// onMatters scopes a query on matters to those v may see that contact is
// on, as client or related contact. contact is an ID or an SQL expression
// (gorm.Expr) naming one.
func onMatters(q *gorm.DB, v Viewer, contact any) *gorm.DB {
	return visibleMatters(q, v).Where(`matters.client_contact_id = @contact OR EXISTS (
		SELECT 1 FROM matter_related_contacts r WHERE r.firm_id = matters.firm_id AND r.matter_id = matters.id AND r.contact_id = @contact)`,
		sql.Named("contact", contact))
}

// Contacts lists the firm's contacts by name. A non-empty query keeps those
// whose name or an email address contains it, or a phone number its digits
// (at least three, so "415" finds "+1 415…" however it is typed).
func (s *Store) Contacts(ctx context.Context, v Viewer, query string) ([]ContactRow, error) {
	if err := firmUser(v); err != nil {
		return nil, err
	}
	matters := onMatters(s.DB.Table("matters"), v, gorm.Expr("c.id")).Select("count(*)")
	q := s.DB.WithContext(ctx).Table("contacts c").Select(`c.id, `+contactNameSQL+` AS name,
		coalesce((SELECT e.address FROM contact_emails e WHERE e.firm_id = c.firm_id AND e.contact_id = c.id
			ORDER BY e.is_primary DESC, e.id LIMIT 1), '') AS email,
		coalesce((SELECT p.number FROM contact_phone_numbers p WHERE p.firm_id = c.firm_id AND p.contact_id = c.id
			ORDER BY p.is_texting DESC, p.label = 'mobile' DESC, p.id LIMIT 1), '') AS phone,
		(?) AS matters`, matters).
		Where("c.firm_id = ?", v.FirmID)
	if query = strings.TrimSpace(query); query != "" {
		like := "%" + escapeLike(query) + "%"
		digits := "no digits" // matches no number
		if d := onlyDigits(query); len(d) >= 3 {
			digits = "%" + d + "%"
		}
		q = q.Where(contactNameSQL+` ILIKE @like
			OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.firm_id = c.firm_id AND e.contact_id = c.id AND e.address ILIKE @like)
			OR EXISTS (SELECT 1 FROM contact_phone_numbers p WHERE p.firm_id = c.firm_id AND p.contact_id = c.id AND p.number LIKE @digits)`,
			sql.Named("like", like), sql.Named("digits", digits))
	}
	var out []ContactRow
	if err := q.Order("lower(" + contactNameSQL + "), c.id").Limit(ContactListLimit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	return out, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Contact returns a contact of the firm with its emails, phone numbers and
// addresses.
func (s *Store) Contact(ctx context.Context, v Viewer, id int64) (models.Contact, error) {
	if err := firmUser(v); err != nil {
		return models.Contact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).
		Preload("Emails", func(q *gorm.DB) *gorm.DB { return q.Order("is_primary DESC, id") }).
		Preload("PhoneNumbers", func(q *gorm.DB) *gorm.DB { return q.Order("is_texting DESC, id") }).
		Preload("Addresses", func(q *gorm.DB) *gorm.DB { return q.Order("id") }).
		Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&c).Error
	if err != nil {
		return c, notFound(err, "load contact")
	}
	return c, nil
}

// ContactPhone is a phone number with whether it replied STOP to the
// firm's texting number.
type ContactPhone struct {
	models.ContactPhoneNumber
	OptedOut bool
}

// ContactMatter is a matter the contact is on, with the contact's role.
type ContactMatter struct {
	MatterRow
	Role string // "Client", or the relationship of a related contact
}

// PortalAccess is what is known of a contact's use of the portal.
type PortalAccess struct {
	// Since is when access was turned on (the first invitation followed).
	Since        *time.Time
	LastInvited  *time.Time
	LastSignedIn *time.Time
}

// ContactPage is what a contact's page shows.
type ContactPage struct {
	Contact models.Contact
	Phones  []ContactPhone
	Matters []ContactMatter
	// Threads is the contact's own text thread, then each related contact's.
	Threads []MatterThread
	Portal  PortalAccess
}

// ContactPage loads a contact's page for a firm user.
func (s *Store) ContactPage(ctx context.Context, v Viewer, id int64) (ContactPage, error) {
	var p ContactPage
	var err error
	if p.Contact, err = s.Contact(ctx, v, id); err != nil {
		return p, err
	}
	if p.Phones, err = s.contactPhones(ctx, v, p.Contact); err != nil {
		return p, err
	}
	if p.Matters, err = s.contactMatters(ctx, v, id); err != nil {
		return p, err
	}
	if p.Threads, err = s.contactThreads(ctx, v, id, p.Matters); err != nil {
		return p, err
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT max(created_at) FILTER (WHERE purpose = 'invite') AS last_invited,
		max(used_at) AS last_signed_in FROM login_tokens WHERE firm_id = ? AND contact_id = ?`, v.FirmID, id).
		Scan(&p.Portal).Error
	if err != nil {
		return p, fmt.Errorf("store: contact portal access: %w", err)
	}
	p.Portal.Since = p.Contact.PortalInvitedAt
	return p, nil
}

// contactPhones marks the numbers that opted out of the firm's current
// texting number, the opt-out TextRoute would refuse a text for.
func (s *Store) contactPhones(ctx context.Context, v Viewer, c models.Contact) ([]ContactPhone, error) {
	out := make([]ContactPhone, len(c.PhoneNumbers))
	numbers := make([]string, len(c.PhoneNumbers))
	for i, p := range c.PhoneNumbers {
		out[i].ContactPhoneNumber = p
		numbers[i] = p.Number
	}
	if len(numbers) == 0 {
		return out, nil
	}
	var opted []string
	err := s.DB.WithContext(ctx).Raw(`SELECT o.contact_number FROM text_opt_outs o
		JOIN firms f ON f.id = o.firm_id AND f.texting_number = o.firm_number
		WHERE o.firm_id = ? AND o.contact_number IN ?`, v.FirmID, numbers).Scan(&opted).Error
	if err != nil {
		return nil, fmt.Errorf("store: contact opt-outs: %w", err)
	}
	for i := range out {
		for _, n := range opted {
			out[i].OptedOut = out[i].OptedOut || n == out[i].Number
		}
	}
	return out, nil
}

// matterRowSelect reads a MatterRow with gorm, from matters joined to
// their client (c).
const matterRowSelect = `matters.*, CASE WHEN c.kind = 'company' THEN c.company_name
	ELSE btrim(c.first_name || ' ' || c.last_name) END AS client_name`

// contactMatters lists the matters v may see that the contact is on, open
// ones first.
func (s *Store) contactMatters(ctx context.Context, v Viewer, id int64) ([]ContactMatter, error) {
	var out []ContactMatter
	q := s.DB.WithContext(ctx).Table("matters").
		Select(matterRowSelect+`, CASE WHEN matters.client_contact_id = @id THEN 'Client' ELSE (
			SELECT `+relationshipSQL+` FROM matter_related_contacts r
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

// contactThreads is the contact's text thread and those of the people on
// its matters (already scoped to v), each related contact once with its
// roles ("Spouse on 00001").
func (s *Store) contactThreads(ctx context.Context, v Viewer, id int64, matters []ContactMatter) ([]MatterThread, error) {
	ids := make([]int64, len(matters))
	for i, m := range matters {
		ids[i] = m.ID
	}
	people := `SELECT CAST(@contact AS bigint) AS contact_id, 'This contact' AS role, 0 AS ord`
	if len(ids) > 0 {
		people += `
			UNION ALL
			SELECT x.contact_id, string_agg(x.role || ' on ' || m.number, ', ' ORDER BY m.number, x.role), 1
			FROM (` + matterPeopleSQL + `) x JOIN matters m ON m.firm_id = @firm AND m.id = x.matter_id
			WHERE x.contact_id <> @contact GROUP BY x.contact_id`
	}
	return s.threads(ctx, v, people, map[string]any{"firm": v.FirmID, "contact": id, "matters": ids})
}

// Related is everyone on the contact's matters but the contact.
func (p ContactPage) Related() []MatterThread {
	if len(p.Threads) < 2 {
		return nil
	}
	return p.Threads[1:]
}

// MatterPerson is a related contact of a matter.
type MatterPerson struct {
	ContactID int64
	Name      string
	Role      string
}

// MatterRelatedContacts lists the related contacts of a matter already
// loaded for v (so visible), by name.
func (s *Store) MatterRelatedContacts(ctx context.Context, v Viewer, m MatterRow) ([]MatterPerson, error) {
	if err := firmUser(v); err != nil {
		return nil, err
	}
	var out []MatterPerson
	err := s.DB.WithContext(ctx).Raw(`SELECT r.contact_id, `+contactNameSQL+` AS name, `+relationshipSQL+` AS role
		FROM matter_related_contacts r JOIN contacts c ON c.firm_id = r.firm_id AND c.id = r.contact_id
		WHERE r.firm_id = ? AND r.matter_id = ? ORDER BY lower(`+contactNameSQL+`), c.id`, v.FirmID, m.ID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list related contacts: %w", err)
	}
	return out, nil
}
