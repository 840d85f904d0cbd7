package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/phone"
	"github.com/parleyhq/parley/shared/store"
)

// Input is a contact as its form sends it.
type Input struct {
	Kind                                   models.ContactKind
	FirstName, MiddleName, LastName, Title string
	CompanyName                            string
	Status                                 string
	Emails                                 []EmailInput
	Phones                                 []PhoneInput
	Addresses                              []AddressInput
}

// EmailInput is one email row of the form.
type EmailInput struct {
	Address, Label string
	Primary        bool
}

// PhoneInput is one phone row of the form: the number as typed.
type PhoneInput struct {
	Number, Label    string
	Primary, Texting bool
}

// AddressInput is one address row of the form.
type AddressInput struct {
	Label, Street, City, Province, PostalCode, Country string
}

func (a AddressInput) blank() bool {
	return strings.TrimSpace(a.Street+a.City+a.Province+a.PostalCode+a.Country) == ""
}

// InputOf is a stored contact as its edit form starts.
func InputOf(c models.Contact) Input {
	in := Input{Kind: c.Kind, FirstName: c.FirstName, MiddleName: c.MiddleName, LastName: c.LastName, Title: c.Title,
		CompanyName: c.CompanyName, Status: c.Status}
	for _, e := range c.Emails {
		in.Emails = append(in.Emails, EmailInput{Address: e.Address, Label: e.Label, Primary: e.IsPrimary})
	}
	for _, p := range c.PhoneNumbers {
		in.Phones = append(in.Phones, PhoneInput{Number: p.Number, Label: p.Label, Primary: p.IsPrimary, Texting: p.IsTexting})
	}
	for _, a := range c.Addresses {
		in.Addresses = append(in.Addresses, AddressInput{Label: a.Label, Street: a.Street, City: a.City,
			Province: a.Province, PostalCode: a.PostalCode, Country: a.Country})
	}
	return in
}

// Check cleans in for saving (blank rows dropped, names trimmed, emails
// lower-cased, numbers in E.164, the first email and number primary when
// none is) and says what is wrong, by field: "first_name", or a row as it
// was sent, "emails.2", "phones.0", "addresses.1".
func Check(in Input) (Input, store.FieldErrors) {
	bad := store.FieldErrors{}
	clean := func(s *string, field string, max int) {
		*s = strings.Join(strings.Fields(*s), " ")
		if utf8.RuneCountInString(*s) > max {
			bad.Add(field, fmt.Sprintf("Keep it under %d characters.", max))
		}
	}
	clean(&in.FirstName, "first_name", 100)
	clean(&in.MiddleName, "middle_name", 100)
	clean(&in.LastName, "last_name", 100)
	clean(&in.Title, "title", 100)
	clean(&in.CompanyName, "company_name", 200)
	clean(&in.Status, "status", 50)
	switch in.Kind {
	case models.ContactPerson:
		if in.FirstName == "" && in.LastName == "" {
			bad.Add("first_name", "Give a first or a last name.")
		}
	case models.ContactCompany:
		if in.CompanyName == "" {
			bad.Add("company_name", "Give the company's name.")
		}
	default:
		bad.Add("kind", "Choose a person or a company.")
	}

	out := in
	out.Emails, out.Phones, out.Addresses = nil, nil, nil
	seen := map[string]bool{}
	for i, e := range in.Emails {
		field := fmt.Sprintf("emails.%d", i)
		raw := strings.TrimSpace(e.Address)
		if raw == "" {
			continue
		}
		addr := store.NormalizeEmail(raw)
		switch {
		case addr == "":
			bad.Add(field, fmt.Sprintf("%q is not an email address.", raw))
		case seen[addr]:
			bad.Add(field, fmt.Sprintf("%s is listed twice.", addr))
		}
		seen[addr] = true
		e.Address, e.Label = addr, label(e.Label, "work")
		out.Emails = append(out.Emails, e)
	}
	for i, p := range in.Phones {
		field := fmt.Sprintf("phones.%d", i)
		raw := strings.TrimSpace(p.Number)
		if raw == "" {
			continue
		}
		n, err := phone.E164(raw, "")
		switch {
		case err != nil:
			bad.Add(field, fmt.Sprintf("%q is not a phone number we can read: include the area code, and the country code if it is not a US or Canadian number.", raw))
		case seen[n]:
			bad.Add(field, fmt.Sprintf("%s is listed twice.", raw))
		}
		seen[n] = true
		p.Number, p.Label = n, label(p.Label, "mobile")
		out.Phones = append(out.Phones, p)
	}
	for i, a := range in.Addresses {
		if a.blank() {
			continue
		}
		for _, f := range []*string{&a.Street, &a.City, &a.Province, &a.PostalCode, &a.Country} {
			clean(f, fmt.Sprintf("addresses.%d", i), 200)
		}
		a.Label = label(a.Label, "home")
		out.Addresses = append(out.Addresses, a)
	}
	out.Emails = onePrimary(out.Emails, func(e *EmailInput) *bool { return &e.Primary })
	out.Phones = onePrimary(out.Phones, func(p *PhoneInput) *bool { return &p.Primary })
	texting := 0
	for _, p := range out.Phones {
		if p.Texting {
			texting++
		}
	}
	if texting > 1 {
		bad.Add("phones", "Mark one number for texting.")
	}
	return out, bad
}

// label is a row's label, trimmed and short, or def.
func label(s, def string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return def
	}
	if r := []rune(s); len(r) > 50 {
		return string(r[:50])
	}
	return s
}

// onePrimary keeps the first row marked primary, or marks the first row.
func onePrimary[T any](rows []T, primary func(*T) *bool) []T {
	found := false
	for i := range rows {
		p := primary(&rows[i])
		*p, found = *p && !found, found || *p
	}
	if !found && len(rows) > 0 {
		*primary(&rows[0]) = true
	}
	return rows
}

// Duplicate is another contact with an email address or phone number of
// the one being saved.
type Duplicate struct {
	ContactID int64
	Name      string
	// Same is the address or number they share.
	Same     string
	Archived bool
}

// ErrDuplicates is a save held back because other contacts share an email
// or number (Duplicates); the person may save anyway.
var ErrDuplicates = errors.New("store: other contacts have the same email or phone")

// Duplicates lists the firm's other contacts that have an email address or
// phone number of in (cleaned by Check), except contact except.
func (s *Store) Duplicates(ctx context.Context, v store.Viewer, in Input, except int64) ([]Duplicate, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	emails, numbers := []string{}, []string{}
	for _, e := range in.Emails {
		emails = append(emails, e.Address)
	}
	for _, p := range in.Phones {
		numbers = append(numbers, p.Number)
	}
	if len(emails)+len(numbers) == 0 {
		return nil, nil
	}
	var out []Duplicate
	err := s.DB.WithContext(ctx).Raw(`SELECT c.id AS contact_id, `+store.ContactNameSQL+` AS name, d.same,
			c.archived_at IS NOT NULL AS archived
		FROM (SELECT contact_id, address AS same FROM contact_emails WHERE firm_id = @firm AND address IN @emails
			UNION SELECT contact_id, number FROM contact_phone_numbers WHERE firm_id = @firm AND number IN @numbers) d
		JOIN contacts c ON c.firm_id = @firm AND c.id = d.contact_id
		WHERE c.id <> @except ORDER BY name, c.id, d.same LIMIT 20`,
		map[string]any{"firm": v.FirmID, "emails": append(emails, ""), "numbers": append(numbers, ""), "except": except}).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: find duplicates: %w", err)
	}
	return out, nil
}

// Create saves a new contact of v's firm. Input to fix comes back as
// store.FieldErrors; unless force, other contacts with the same email or
// number come back with ErrDuplicates and nothing is saved.
func (s *Store) Create(ctx context.Context, v store.Viewer, in Input, force bool) (models.Contact, []Duplicate, error) {
	if err := store.FirmUser(v); err != nil {
		return models.Contact{}, nil, err
	}
	in, bad := Check(in)
	if err := bad.Err(); err != nil {
		return models.Contact{}, nil, err
	}
	if dups, err := s.Duplicates(ctx, v, in, 0); err != nil || (len(dups) > 0 && !force) {
		if err == nil {
			err = ErrDuplicates
		}
		return models.Contact{}, dups, err
	}
	c := models.Contact{FirmID: v.FirmID, CreatedByUserID: &v.UserID, UpdatedByUserID: &v.UserID}
	apply(&c, in)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return CreateTx(tx, &c) })
	if err != nil {
		return c, nil, fmt.Errorf("store: create contact: %w", err)
	}
	return c, nil, nil
}

// Update saves a contact's form over it: its emails, numbers and addresses
// become those of in. Errors as for Create.
func (s *Store) Update(ctx context.Context, v store.Viewer, id int64, in Input, force bool) ([]Duplicate, error) {
	if _, err := s.Contact(ctx, v, id); err != nil {
		return nil, err
	}
	in, bad := Check(in)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if dups, err := s.Duplicates(ctx, v, in, id); err != nil || (len(dups) > 0 && !force) {
		if err == nil {
			err = ErrDuplicates
		}
		return dups, err
	}
	c := models.Contact{FirmID: v.FirmID}
	apply(&c, in)
	for i := range c.Emails {
		c.Emails[i].ContactID = id
	}
	for i := range c.PhoneNumbers {
		c.PhoneNumbers[i].ContactID = id
	}
	for i := range c.Addresses {
		c.Addresses[i].ContactID = id
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&models.Contact{}).Where("firm_id = ? AND id = ?", v.FirmID, id).Updates(map[string]any{
			"kind": c.Kind, "first_name": c.FirstName, "middle_name": c.MiddleName, "last_name": c.LastName,
			"title": c.Title, "company_name": c.CompanyName, "status": c.Status,
			"updated_by_user_id": v.UserID, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return err
		}
		for _, m := range []any{&models.ContactEmail{}, &models.ContactPhoneNumber{}, &models.ContactAddress{}} {
			if err := tx.Where("firm_id = ? AND contact_id = ?", v.FirmID, id).Delete(m).Error; err != nil {
				return err
			}
		}
		if err := insertAll(tx, c.Emails); err != nil {
			return err
		}
		if err := insertAll(tx, c.PhoneNumbers); err != nil {
			return err
		}
		return insertAll(tx, c.Addresses)
	})
	if err != nil {
		return nil, fmt.Errorf("store: update contact: %w", err)
	}
	return nil, nil
}

// insertAll inserts rows, if there are any.
func insertAll[T any](tx *gorm.DB, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	return tx.Create(&rows).Error
}

// apply writes a checked input onto c.
func apply(c *models.Contact, in Input) {
	c.Kind, c.Status = in.Kind, in.Status
	if in.Kind == models.ContactCompany {
		c.CompanyName = in.CompanyName
	} else {
		c.FirstName, c.MiddleName, c.LastName, c.Title = in.FirstName, in.MiddleName, in.LastName, in.Title
	}
	c.Emails, c.PhoneNumbers, c.Addresses = nil, nil, nil
	for _, e := range in.Emails {
		c.Emails = append(c.Emails, models.ContactEmail{FirmID: c.FirmID, Address: e.Address, Label: e.Label, IsPrimary: e.Primary})
	}
	for _, p := range in.Phones {
		c.PhoneNumbers = append(c.PhoneNumbers, models.ContactPhoneNumber{FirmID: c.FirmID, Number: p.Number, Label: p.Label,
			IsPrimary: p.Primary, IsTexting: p.Texting})
	}
	for _, a := range in.Addresses {
		c.Addresses = append(c.Addresses, models.ContactAddress{FirmID: c.FirmID, Label: a.Label, Street: a.Street,
			City: a.City, Province: a.Province, PostalCode: a.PostalCode, Country: a.Country})
	}
}

// Usage is what a contact appears on: a contact that appears anywhere is
// archived, not deleted.
type Usage struct {
	Matters, Texts, Documents, Events, Messages int
}

// InUse reports whether anything keeps the contact.
func (u Usage) InUse() bool { return u.Matters+u.Texts+u.Documents+u.Events+u.Messages > 0 }

// Usage counts what contact id appears on, each by its own index.
func (s *Store) Usage(ctx context.Context, v store.Viewer, id int64) (Usage, error) {
	if _, err := s.Contact(ctx, v, id); err != nil {
		return Usage{}, err
	}
	var u Usage
	err := s.DB.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM (SELECT id FROM matters WHERE firm_id = @firm AND (client_contact_id = @id OR primary_contact_id = @id)
			UNION SELECT matter_id FROM matter_related_contacts WHERE firm_id = @firm AND contact_id = @id) m) AS matters,
		coalesce((SELECT texts FROM text_threads WHERE contact_id = @id AND firm_id = @firm), 0) AS texts,
		(SELECT count(*) FROM documents WHERE firm_id = @firm AND (contact_id = @id OR uploaded_by_contact_id = @id)) AS documents,
		(SELECT count(*) FROM event_attendees WHERE firm_id = @firm AND contact_id = @id) AS events,
		(SELECT count(*) FROM portal_messages WHERE firm_id = @firm AND author_contact_id = @id) AS messages`,
		map[string]any{"firm": v.FirmID, "id": id}).Scan(&u).Error
	if err != nil {
		return u, fmt.Errorf("store: contact usage: %w", err)
	}
	return u, nil
}

// ErrInUse refuses to delete a contact that appears on matters, texts,
// documents, events or messages: archive it instead.
var ErrInUse = errors.New("store: the contact is in use; archive it instead")

// Delete removes a contact that appears nowhere (see Usage).
func (s *Store) Delete(ctx context.Context, v store.Viewer, id int64) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The contact's row is locked first, so nothing can start using it
		// between the check and the delete.
		var locked int64
		if err := tx.Raw(`SELECT id FROM contacts WHERE firm_id = ? AND id = ? FOR UPDATE`, v.FirmID, id).Scan(&locked).Error; err != nil {
			return fmt.Errorf("store: lock contact: %w", err)
		}
		u, err := (&Store{DB: tx}).Usage(ctx, v, id)
		if err != nil {
			return err
		}
		if u.InUse() {
			return ErrInUse
		}
		if err := tx.Where("firm_id = ? AND id = ?", v.FirmID, id).Delete(&models.Contact{}).Error; err != nil {
			return fmt.Errorf("store: delete contact: %w", err)
		}
		return nil
	})
}

// Archive hides a contact from lists, searches and pickers, keeping it
// everywhere it appears; archived false brings it back.
func (s *Store) Archive(ctx context.Context, v store.Viewer, id int64, archived bool) error {
	if _, err := s.Contact(ctx, v, id); err != nil {
		return err
	}
	var at any
	if archived {
		at = time.Now()
	}
	err := s.DB.WithContext(ctx).Model(&models.Contact{}).Where("firm_id = ? AND id = ?", v.FirmID, id).
		Updates(map[string]any{"archived_at": at, "updated_by_user_id": v.UserID, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("store: archive contact: %w", err)
	}
	return nil
}
