package contacts

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Matches maps the emails (lower case) and E.164 numbers among those
// given to the firm's contacts that have them, for an import to update
// rather than duplicate. One query for each list, by the indexes the
// duplicate warning uses.
func (s *Store) Matches(ctx context.Context, v store.Viewer, emails, numbers []string) (map[string]int64, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	var rows []struct {
		Key       string
		ContactID int64
	}
	for _, q := range []struct {
		sql  string
		keys []string
	}{
		{`SELECT address AS key, min(contact_id) AS contact_id FROM contact_emails WHERE firm_id = ? AND address IN ? GROUP BY address`, emails},
		{`SELECT number AS key, min(contact_id) AS contact_id FROM contact_phone_numbers WHERE firm_id = ? AND number IN ? GROUP BY number`, numbers},
	} {
		for start := 0; start < len(q.keys); start += 5000 {
			chunk := q.keys[start:min(start+5000, len(q.keys))]
			if err := s.DB.WithContext(ctx).Raw(q.sql, v.FirmID, chunk).Scan(&rows).Error; err != nil {
				return nil, fmt.Errorf("store: match contacts: %w", err)
			}
			for _, r := range rows {
				out[r.Key] = r.ContactID
			}
		}
	}
	return out, nil
}

// ImportCreateTx creates checked imported contacts in the caller's
// transaction, in one statement per table: the search terms' triggers run
// once for the batch, not once a contact.
func ImportCreateTx(tx *gorm.DB, v store.Viewer, ins []Input) error {
	if len(ins) == 0 {
		return nil
	}
	cs := make([]models.Contact, len(ins))
	for i, in := range ins {
		cs[i] = models.Contact{FirmID: v.FirmID, CreatedByUserID: &v.UserID, UpdatedByUserID: &v.UserID}
		apply(&cs[i], in)
		if cs[i].Status == "" {
			cs[i].Status = "active"
		}
		for _, p := range cs[i].PhoneNumbers {
			if !e164.MatchString(p.Number) {
				return ErrNotE164
			}
		}
	}
	if err := tx.Create(&cs).Error; err != nil {
		return fmt.Errorf("store: import contacts: %w", err)
	}
	return nil
}

// ImportTx saves one checked imported contact in the caller's
// transaction: a new contact when match is 0, else merged into contact
// match: the names it gives replace the old ones, and its emails, numbers
// and addresses that the contact lacks are added (none removed). It
// returns the contact's ID.
func ImportTx(tx *gorm.DB, v store.Viewer, in Input, match int64) (int64, error) {
	c := models.Contact{FirmID: v.FirmID, CreatedByUserID: &v.UserID, UpdatedByUserID: &v.UserID}
	apply(&c, in)
	if match == 0 {
		err := CreateTx(tx, &c)
		return c.ID, err
	}
	var old models.Contact
	if err := tx.Preload("Emails").Preload("PhoneNumbers").Preload("Addresses").
		Where("firm_id = ? AND id = ?", v.FirmID, match).Take(&old).Error; err != nil {
		return 0, store.NotFound(err, "load matched contact")
	}
	set := map[string]any{"updated_by_user_id": v.UserID, "updated_at": gorm.Expr("now()")}
	for col, val := range map[string]string{"first_name": c.FirstName, "middle_name": c.MiddleName, "last_name": c.LastName,
		"title": c.Title, "company_name": c.CompanyName} {
		if val != "" {
			set[col] = val
		}
	}
	if in.Status != "" {
		set["status"] = in.Status
	}
	if err := tx.Model(&models.Contact{}).Where("firm_id = ? AND id = ?", v.FirmID, match).Updates(set).Error; err != nil {
		return 0, fmt.Errorf("store: merge contact: %w", err)
	}
	emails := []models.ContactEmail{}
	for _, e := range c.Emails {
		if !hasEmail(old.Emails, e.Address) {
			e.ContactID, e.IsPrimary = match, e.IsPrimary && len(old.Emails) == 0
			emails = append(emails, e)
		}
	}
	phones := []models.ContactPhoneNumber{}
	for _, p := range c.PhoneNumbers {
		if !hasNumber(old.PhoneNumbers, p.Number) {
			p.ContactID, p.IsPrimary, p.IsTexting = match, p.IsPrimary && len(old.PhoneNumbers) == 0, false
			phones = append(phones, p)
		}
	}
	addresses := []models.ContactAddress{}
	for _, a := range c.Addresses {
		if !hasStreet(old.Addresses, a) {
			a.ContactID = match
			addresses = append(addresses, a)
		}
	}
	for _, err := range []error{insertAll(tx, emails), insertAll(tx, phones), insertAll(tx, addresses)} {
		if err != nil {
			return 0, fmt.Errorf("store: merge contact: %w", err)
		}
	}
	return match, nil
}

func hasEmail(have []models.ContactEmail, addr string) bool {
	for _, e := range have {
		if strings.EqualFold(e.Address, addr) {
			return true
		}
	}
	return false
}

func hasNumber(have []models.ContactPhoneNumber, number string) bool {
	for _, p := range have {
		if p.Number == number {
			return true
		}
	}
	return false
}

func hasStreet(have []models.ContactAddress, a models.ContactAddress) bool {
	for _, h := range have {
		if strings.EqualFold(h.Street, a.Street) && strings.EqualFold(h.City, a.City) {
			return true
		}
	}
	return false
}
