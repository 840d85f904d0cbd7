package firms

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/phone"
	"github.com/parleyhq/parley/shared/store"
)

// NewFirm is what the operator gives to set up a firm.
type NewFirm struct {
	Name       string
	AdminEmail string
	// AdminName is the first admin's full name ("" leaves it to their profile).
	AdminName string
	TimeZone  string // "" is DefaultTimeZone
}

// DefaultTimeZone is a new firm's zone when none is given.
const DefaultTimeZone = "America/New_York"

// ErrEmailTaken is an address that already signs someone in as a user, in
// this firm or another: one address is one person's sign-in.
var ErrEmailTaken = errors.New("that email address already belongs to a user")

// Create sets up a firm and its first administrator, together or not at
// all. It is the operator's act (portal create-firm), so it takes no
// viewer. The admin signs in at /login with their address.
func (s *Store) Create(ctx context.Context, in NewFirm) (models.Firm, models.User, error) {
	in.Name = strings.TrimSpace(in.Name)
	email := store.NormalizeEmail(in.AdminEmail)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 200:
		return models.Firm{}, models.User{}, store.Invalid("give the firm a name of 1 to 200 characters")
	case email == "":
		return models.Firm{}, models.User{}, store.Invalid("%q is not an email address", in.AdminEmail)
	}
	if in.TimeZone == "" {
		in.TimeZone = DefaultTimeZone
	}
	if err := calendar.ValidZone(in.TimeZone); err != nil {
		return models.Firm{}, models.User{}, store.Invalid("%v (use an IANA name like America/Chicago)", err)
	}
	first, last := SplitName(in.AdminName)
	firm := models.Firm{Name: in.Name, TimeZone: in.TimeZone, ReminderDays: 1}
	admin := models.User{Email: email, FirstName: first, LastName: last, Role: models.RoleAdmin, Active: true, TextBadge: true}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Serialises set-ups, so two cannot take one address or one slug.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, setupLock).Error; err != nil {
			return fmt.Errorf("store: lock firm set-up: %w", err)
		}
		if taken, err := emailTaken(tx, email); err != nil || taken {
			if err == nil {
				err = fmt.Errorf("%w: %s", ErrEmailTaken, email)
			}
			return err
		}
		slug, err := freeSlug(tx, in.Name)
		if err != nil {
			return err
		}
		firm.Slug = slug
		if err := tx.Create(&firm).Error; err != nil {
			return fmt.Errorf("store: create firm: %w", err)
		}
		admin.FirmID = firm.ID
		if err := tx.Create(&admin).Error; err != nil {
			return fmt.Errorf("store: create admin: %w", err)
		}
		return nil
	})
	return firm, admin, err
}

// setupLock is the advisory lock firm set-ups and invitations take.
const setupLock = 7_340_100

// emailTaken reports whether address signs in a user of any firm.
func emailTaken(tx *gorm.DB, address string) (bool, error) {
	var n int64
	if err := tx.Model(&models.User{}).Where("email = ?", address).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: look up user email: %w", err)
	}
	return n > 0, nil
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// freeSlug makes a firm's slug from its name ("Ada & Byron LLP" is
// ada-byron-llp), numbered when taken.
func freeSlug(tx *gorm.DB, name string) (string, error) {
	base := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(base) > 50 {
		base = strings.TrimRight(base[:50], "-")
	}
	if len(base) < 2 {
		base = "firm"
	}
	for i := 1; ; i++ {
		slug := base
		if i > 1 {
			slug = fmt.Sprintf("%s-%d", base, i)
		}
		var n int64
		if err := tx.Model(&models.Firm{}).Where("slug = ?", slug).Count(&n).Error; err != nil {
			return "", fmt.Errorf("store: look up slug: %w", err)
		}
		if n == 0 {
			return slug, nil
		}
	}
}

// SplitName splits a full name at its last space: "Ada King Lovelace" is
// "Ada King" and "Lovelace".
func SplitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	if i := strings.LastIndexByte(full, ' '); i > 0 {
		return full[:i], full[i+1:]
	}
	return full, ""
}

// Details are what Settings → Firm edits.
type Details struct {
	Name     string
	TimeZone string
	// MatterNumberFormat writes new matters' numbers (matters.FormatNumber).
	MatterNumberFormat                          string
	Street, City, Province, PostalCode, Country string
	MainPhone, MainEmail                        string
}

// Details reads the firm's details.
func (s *Store) Details(ctx context.Context, v store.Viewer) (Details, error) {
	if err := store.FirmUser(v); err != nil {
		return Details{}, err
	}
	f, err := Load(s.DB.WithContext(ctx), v.FirmID)
	if err != nil {
		return Details{}, err
	}
	return Details{Name: f.Name, MatterNumberFormat: f.MatterNumberFormat, TimeZone: f.TimeZone, Street: f.Street, City: f.City, Province: f.Province,
		PostalCode: f.PostalCode, Country: f.Country, MainPhone: f.MainPhone, MainEmail: f.MainEmail}, nil
}

// CheckDetails cleans d and says what is wrong with it, by field. The
// phone is stored as E.164.
func CheckDetails(d Details) (Details, store.FieldErrors) {
	bad := store.FieldErrors{}
	trim := func(s *string, field string, max int) {
		*s = strings.TrimSpace(*s)
		if utf8.RuneCountInString(*s) > max {
			bad.Add(field, fmt.Sprintf("Keep it under %d characters.", max))
		}
	}
	trim(&d.Name, "name", 200)
	if d.Name == "" {
		bad.Add("name", "Give the firm's name.")
	}
	for _, f := range []struct {
		v    *string
		name string
	}{{&d.Street, "street"}, {&d.City, "city"}, {&d.Province, "province"}, {&d.PostalCode, "postal_code"}, {&d.Country, "country"}} {
		trim(f.v, f.name, 200)
	}
	trim(&d.MatterNumberFormat, "matter_number_format", 60)
	if !strings.Contains(d.MatterNumberFormat, "{number}") {
		bad.Add("matter_number_format", "Include {number}, the matter's place in the firm's sequence, like {number}-{client}.")
	}
	if err := calendar.ValidZone(d.TimeZone); err != nil {
		bad.Add("time_zone", "Choose a time zone from the list.")
	}
	if d.MainPhone = strings.TrimSpace(d.MainPhone); d.MainPhone != "" {
		n, err := phone.E164(d.MainPhone, "")
		if err != nil {
			bad.Add("main_phone", fmt.Sprintf("%q is not a phone number we can read; include the area code.", d.MainPhone))
		}
		d.MainPhone = n
	}
	if raw := strings.TrimSpace(d.MainEmail); raw != "" {
		if d.MainEmail = store.NormalizeEmail(raw); d.MainEmail == "" {
			bad.Add("main_email", fmt.Sprintf("%q is not an email address.", raw))
		}
	} else {
		d.MainEmail = ""
	}
	return d, bad
}

// SaveDetails writes the firm's name, address and main phone and email
// (admins). The time zone is saved with the calendar settings, which
// re-plan reminders (events.Store.SetCalendarSettings).
func (s *Store) SaveDetails(ctx context.Context, v store.Viewer, d Details) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	d, bad := CheckDetails(d)
	delete(bad, "time_zone")
	if err := bad.Err(); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Model(&models.Firm{ID: v.FirmID}).Updates(map[string]any{
		"name": d.Name, "matter_number_format": d.MatterNumberFormat, "street": d.Street, "city": d.City, "province": d.Province, "postal_code": d.PostalCode,
		"country": d.Country, "main_phone": d.MainPhone, "main_email": d.MainEmail, "updated_at": gorm.Expr("now()"),
	}).Error
	if err != nil {
		return fmt.Errorf("store: save firm details: %w", err)
	}
	return nil
}
