package texting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/inboxleads"
)

// UnknownTexts lists texts from numbers that were no contact of the firm,
// newest first, a page at a time (after is the cursor of the page before).
// Administrators only.
func (s *Store) UnknownTexts(ctx context.Context, v store.Viewer, after string) (store.Page[models.UnknownText], error) {
	if err := store.Admin(v); err != nil {
		return store.Page[models.UnknownText]{}, err
	}
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(after, &at, &id); err != nil {
		return store.Page[models.UnknownText]{}, err
	}
	var out []models.UnknownText
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND (created_at, id) < (?, ?)", v.FirmID, at, id).
		Order("created_at DESC, id DESC").Limit(store.PageSize + 1).Find(&out).Error
	if err != nil {
		return store.Page[models.UnknownText]{}, fmt.Errorf("store: list unknown texts: %w", err)
	}
	return store.Trim(out, func(u models.UnknownText) string { return store.Cursor(u.CreatedAt, u.ID) }), nil
}

// UnknownFrom is the last n texts number sent while it was no contact's,
// newest first (an inbox lead's page shows them to any firm user).
func (s *Store) UnknownFrom(ctx context.Context, v store.Viewer, number string, n int) ([]models.UnknownText, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []models.UnknownText
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND from_number = ?", v.FirmID, number).
		Order("created_at DESC, id DESC").Limit(n).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: texts from %s: %w", number, err)
	}
	return out, nil
}

// enquiryCap is where counting open enquiries stops: the badge says "99+".
const enquiryCap = 99

// Enquiries are the open texts from unknown numbers (neither made a
// contact nor dismissed), newest first: up to n of them, and how many
// there are, up to enquiryCap+1. Administrators only; anyone else has none.
func (s *Store) Enquiries(ctx context.Context, v store.Viewer, n int) ([]models.UnknownText, int, error) {
	if store.Admin(v) != nil {
		return nil, 0, nil
	}
	count, err := s.enquiryCount(ctx, v)
	if err != nil || count == 0 || n == 0 {
		return nil, count, err
	}
	var out []models.UnknownText
	err = s.DB.WithContext(ctx).Where("firm_id = ? AND contact_id IS NULL AND dismissed_at IS NULL", v.FirmID).
		Order("created_at DESC, id DESC").Limit(n).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("store: list enquiries: %w", err)
	}
	return out, count, nil
}

// enquiryCount counts v's firm's open enquiries, up to enquiryCap+1.
func (s *Store) enquiryCount(ctx context.Context, v store.Viewer) (int, error) {
	var n int
	// In the open index's order, so the count reads that index alone.
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM unknown_texts
		WHERE firm_id = ? AND contact_id IS NULL AND dismissed_at IS NULL
		ORDER BY created_at DESC, id DESC LIMIT ?) e`, v.FirmID, enquiryCap+1).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count enquiries: %w", err)
	}
	return n, nil
}

// DismissUnknown marks unknown text id, and the sender's open texts before
// it, as no enquiry (spam, a wrong number): they stay listed, out of the
// badge. A text that came after the one the administrator saw stays open.
// Administrators only.
func (s *Store) DismissUnknown(ctx context.Context, v store.Viewer, id int64) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	var number string
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`UPDATE unknown_texts SET dismissed_at = now(), updated_at = now()
			WHERE firm_id = ? AND contact_id IS NULL AND dismissed_at IS NULL AND id <= ?
			AND from_number = (SELECT from_number FROM unknown_texts WHERE firm_id = ? AND id = ?)
			RETURNING from_number`, v.FirmID, id, v.FirmID, id).Scan(&number).Error
		if err != nil || number == "" {
			return err
		}
		// Not an enquiry: the sender's lead leaves the Inbox too.
		return inboxleads.IgnoredTx(tx, v, number)
	})
	if err != nil {
		return fmt.Errorf("store: dismiss unknown text: %w", err)
	}
	if number == "" {
		var exists bool
		if err := s.DB.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM unknown_texts WHERE firm_id = ? AND id = ?)`,
			v.FirmID, id).Scan(&exists).Error; err != nil {
			return fmt.Errorf("store: dismiss unknown text: %w", err)
		}
		if !exists {
			return store.ErrNotFound
		}
	}
	return nil
}

// ContactFromUnknown turns the sender of an unknown text into a contact in
// one step: a person with that number as texting number. Every unknown
// text from the number is linked to the contact and joins their
// conversation, so nothing the person wrote is left behind.
func (s *Store) ContactFromUnknown(ctx context.Context, v store.Viewer, unknownID int64, first, last string) (models.Contact, error) {
	if err := store.Admin(v); err != nil {
		return models.Contact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.UnknownText
		// The row lock makes a double click create one contact.
		err := tx.Raw(`SELECT * FROM unknown_texts WHERE firm_id = ? AND id = ? FOR UPDATE`, v.FirmID, unknownID).Take(&u).Error
		if err != nil {
			return store.NotFound(err, "load unknown text")
		}
		if u.ContactID != nil {
			return tx.Where("firm_id = ? AND id = ?", v.FirmID, *u.ContactID).Take(&c).Error
		}
		number := sms.NormalizeInbound(u.FromNumber)
		c = models.Contact{FirmID: v.FirmID, Kind: models.ContactPerson, FirstName: first, LastName: last, Status: "active",
			PhoneNumbers: []models.ContactPhoneNumber{{FirmID: v.FirmID, Number: number, Label: "mobile", IsTexting: true}}}
		if err := contacts.CreateTx(tx, &c); err != nil {
			return err
		}
		if err := LinkUnknownTx(tx, v, u.FromNumber, c.ID); err != nil {
			return err
		}
		return inboxleads.ConvertedTx(tx, v, number, c.ID, 0)
	})
	if err != nil {
		if errors.Is(err, contacts.ErrNotE164) || errors.Is(err, store.ErrNotFound) {
			return c, err
		}
		return c, fmt.Errorf("store: contact from unknown text: %w", err)
	}
	return c, nil
}

// LinkUnknownTx gives every unknown text from number to contact, in the
// caller's transaction: linked, and joining the contact's conversation.
func LinkUnknownTx(tx *gorm.DB, v store.Viewer, number string, contactID int64) error {
	var from []models.UnknownText
	err := tx.Raw(`UPDATE unknown_texts SET contact_id = ?, updated_at = now()
		WHERE firm_id = ? AND contact_id IS NULL AND from_number = ? RETURNING *`,
		contactID, v.FirmID, number).Scan(&from).Error
	if err != nil {
		return fmt.Errorf("link unknown texts: %w", err)
	}
	// The firm's current number is the best record of where they were sent.
	var firmNumber string
	if err := tx.Raw(`SELECT coalesce(texting_number, '') FROM firms WHERE id = ?`, v.FirmID).Scan(&firmNumber).Error; err != nil {
		return fmt.Errorf("firm number: %w", err)
	}
	for _, t := range from {
		// ON CONFLICT: a redelivery the worker stored after the contact existed.
		err := tx.Exec(`INSERT INTO text_messages (firm_id, contact_id, direction, dialect, carrier_message_id,
			firm_number, contact_number, body, status, created_at, updated_at)
			VALUES (?, ?, 'in', ?, ?, ?, ?, ?, 'received', ?, now())
			ON CONFLICT (dialect, carrier_message_id) WHERE carrier_message_id IS NOT NULL DO NOTHING`,
			v.FirmID, contactID, t.Dialect, t.CarrierMessageID, firmNumber, sms.NormalizeInbound(t.FromNumber), t.Body, t.CreatedAt).Error
		if err != nil {
			return fmt.Errorf("move unknown text %d: %w", t.ID, err)
		}
	}
	return nil
}
