// Package texting owns the firm's text messages: text_messages, text_media,
// text_opt_outs, text_thread_reads and unknown_texts. It holds the one rule
// for whether and where a contact can be texted (Target), and both sides of
// texting: what staff do (threads, sending, retrying) and what the worker
// does for the firm (storing received texts, applying delivery statuses,
// keeping media).
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
)

// Store reads and writes texts.
type Store struct {
	DB *gorm.DB
	// Clock is the time replies are judged by; nil: time.Now.
	Clock func() time.Time
	// Replies applies a Y/N answer to what it answers (the calendar's
	// invitations), in the transaction that stores the answer; nil: Y and
	// N are ordinary texts.
	Replies ReplyFunc
	// Stored hears of the contacts whose threads got new texts from a
	// batch of received texts, once they are committed; nil: nobody.
	Stored func(ctx context.Context, firmContacts [][2]int64)

	plainTexts batcher
}

func (s *Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock()
}

// ErrNotRetryable is a text whose failure a second try would not mend.
var ErrNotRetryable = errors.New("store: the text cannot be retried")

// Reason is which rule keeps the firm from texting a contact now.
type Reason int

const (
	TextingOff Reason = iota + 1 // the firm's texting is off, or it has no number
	NoNumber                     // the contact has no texting or mobile number
	BadNumber                    // the number is not a US or Canadian one
	OptedOut                     // the number replied STOP to the firm's number
)

// Refusal says why a text cannot go to a contact. Its Error is the words
// users see, wherever they see it: the send box, the event form, a failed
// text, a calendar text that was not sent.
type Refusal struct {
	Reason Reason
	Name   string // the contact's name, when known
	Number error  // for BadNumber: what sms.NormalizeTextable said
}

func (r *Refusal) Error() string {
	switch r.Reason {
	case TextingOff:
		return "Texting is off for your firm. An administrator can turn it on under Settings → Text messaging."
	case NoNumber:
		name := r.Name
		if name == "" {
			name = "This contact"
		}
		return name + " has no mobile number to text."
	case BadNumber:
		return r.Number.Error()
	case OptedOut:
		return "This contact replied STOP to your firm's number, so Parley will not text them. " +
			"They can reply START to receive texts again."
	}
	return "This contact cannot be texted."
}

// Unwrap lets errors.Is(err, sms.ErrNotTextable) see a bad number.
func (r *Refusal) Unwrap() error { return r.Number }

// Is makes every Refusal errors.Is its reason's sentinel below.
func (r *Refusal) Is(target error) bool {
	t, ok := target.(*Refusal)
	return ok && t.Reason == r.Reason
}

// Sentinels for errors.Is, one per reason.
var (
	ErrTextingOff = &Refusal{Reason: TextingOff}
	ErrNoNumber   = &Refusal{Reason: NoNumber}
	ErrBadNumber  = &Refusal{Reason: BadNumber}
	ErrOptedOut   = &Refusal{Reason: OptedOut}
)

// Words are what users read for a reason that needs no name or number.
func Words(reason Reason) string { return (&Refusal{Reason: reason}).Error() }

// Route is where a text to a contact goes.
type Route struct {
	Dialect       string
	FirmNumber    string
	ContactNumber string
}

// Target is the rule for texting a contact from the firm, wherever a text
// is offered or sent: texting on, a number to text, a US or Canadian one,
// and no STOP from it. number is the contact's number texts go to ("" when
// it has none; see models.Contact.TextNumber), name the contact's name for
// the words. optedOut says whether a number sent STOP to the firm's number.
// It returns the route, or a *Refusal.
func Target(f models.Firm, name, number string, optedOut func(to string) (bool, error)) (Route, error) {
	if !f.TextingEnabled || f.TextingNumber == nil || *f.TextingNumber == "" || f.TextingDialect == nil {
		return Route{}, &Refusal{Reason: TextingOff, Name: name}
	}
	if number == "" {
		return Route{}, &Refusal{Reason: NoNumber, Name: name}
	}
	to, err := sms.NormalizeTextable(number)
	if err != nil {
		return Route{}, &Refusal{Reason: BadNumber, Name: name, Number: err}
	}
	out, err := optedOut(to)
	switch {
	case err != nil:
		return Route{}, err
	case out:
		return Route{}, &Refusal{Reason: OptedOut, Name: name}
	}
	return Route{Dialect: *f.TextingDialect, FirmNumber: *f.TextingNumber, ContactNumber: to}, nil
}

// ContactTarget is Target for a contact loaded with its phone numbers, with
// the opt-outs looked up in tx.
func ContactTarget(tx *gorm.DB, f models.Firm, c models.Contact) (Route, error) {
	number, _ := c.TextNumber()
	return Target(f, c.Name(), number, func(to string) (bool, error) {
		out, err := OptedOutOf(tx, *f.TextingNumber, to)
		return out[to], err
	})
}

// OptedOutOf says which of numbers replied STOP to firmNumber.
func OptedOutOf(tx *gorm.DB, firmNumber string, numbers ...string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(numbers) == 0 {
		return out, nil
	}
	var opted []string
	err := tx.Raw(`SELECT contact_number FROM text_opt_outs WHERE firm_number = ? AND contact_number IN ?`,
		firmNumber, numbers).Scan(&opted).Error
	if err != nil {
		return nil, fmt.Errorf("store: check opt-outs: %w", err)
	}
	for _, n := range opted {
		out[n] = true
	}
	return out, nil
}

// RecordOptOut marks contactNumber opted out of texts from firmNumber.
// Opt-outs belong to the pair of numbers, so a number that moves to another
// firm takes its opt-outs with it.
func RecordOptOut(tx *gorm.DB, firmID int64, firmNumber, contactNumber string) error {
	err := tx.Exec(`INSERT INTO text_opt_outs (firm_id, firm_number, contact_number, opted_out_at)
		VALUES (?, ?, ?, now())
		ON CONFLICT (firm_number, contact_number) DO UPDATE
		SET firm_id = EXCLUDED.firm_id, opted_out_at = EXCLUDED.opted_out_at, updated_at = now()`,
		firmID, firmNumber, contactNumber).Error
	if err != nil {
		return fmt.Errorf("record opt-out: %w", err)
	}
	return nil
}

// ClearOptOut lifts contactNumber's opt-out of firmNumber (START, YES).
func ClearOptOut(tx *gorm.DB, firmNumber, contactNumber string) error {
	err := tx.Exec(`DELETE FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?`, firmNumber, contactNumber).Error
	if err != nil {
		return fmt.Errorf("clear opt-out: %w", err)
	}
	return nil
}

// OptedOutNumbers lists which of a firm's numbers replied STOP to its
// current texting number (for a contact's page).
func (s *Store) OptedOutNumbers(ctx context.Context, v store.Viewer, numbers []string) (map[string]bool, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var firmNumber *string
	if err := s.DB.WithContext(ctx).Raw(`SELECT texting_number FROM firms WHERE id = ?`, v.FirmID).Scan(&firmNumber).Error; err != nil {
		return nil, fmt.Errorf("store: firm number: %w", err)
	}
	if firmNumber == nil {
		return map[string]bool{}, nil
	}
	return OptedOutOf(s.DB.WithContext(ctx), *firmNumber, numbers...)
}

// contact loads a contact of the firm with its phone numbers, texting
// number first.
func contact(tx *gorm.DB, firmID, contactID int64) (models.Contact, error) {
	var c models.Contact
	err := tx.Preload("PhoneNumbers", contacts.TextingFirst).
		Where("firm_id = ? AND id = ?", firmID, contactID).Take(&c).Error
	if err != nil {
		return c, store.NotFound(err, "load contact")
	}
	return c, nil
}
