// Package auth holds passwordless sign-in: single-use links, sessions kept
// in Redis with an idle and an absolute limit, CSRF tokens and rate limits.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
)

// LinkTTL is how long a sign-in link works.
const LinkTTL = time.Hour

// Kind tells firm users from clients.
type Kind string

const (
	KindUser   Kind = "user"
	KindClient Kind = "client"
)

// Account is someone who can sign in: a firm user, or a contact invited to
// the portal. One email address can belong to several accounts (a client of
// two firms), each signed in separately.
type Account struct {
	Kind      Kind   `json:"kind"`
	FirmID    int64  `json:"firm_id"`
	UserID    int64  `json:"user_id,omitempty"`
	ContactID int64  `json:"contact_id,omitempty"`
	Admin     bool   `json:"admin,omitempty"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	FirmName  string `json:"firm_name"`
}

// Errors of Consume and Check. Expired and used links carry the address so
// the page can offer a new link in one tap.
var (
	ErrLinkUnknown = errors.New("auth: unknown sign-in link")
	ErrLinkExpired = errors.New("auth: sign-in link expired")
	ErrLinkUsed    = errors.New("auth: sign-in link already used")
)

// LinkError is an expired or used link, with its address.
type LinkError struct {
	Err   error
	Email string
}

func (e *LinkError) Error() string { return e.Err.Error() }
func (e *LinkError) Unwrap() error { return e.Err }

// NormalizeEmail lower-cases and trims an address; "" if it is not one.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	return s
}

// Accounts lists every account that may sign in with email.
func Accounts(ctx context.Context, gdb *gorm.DB, email string) ([]Account, error) {
	var out []Account
	var users []struct {
		models.User
		FirmName string
	}
	err := gdb.WithContext(ctx).Table("users").
		Select("users.*, firms.name AS firm_name").
		Joins("JOIN firms ON firms.id = users.firm_id").
		Where("users.email = ? AND users.active", email).Order("users.id").Find(&users).Error
	if err != nil {
		return nil, fmt.Errorf("auth: find users: %w", err)
	}
	for _, u := range users {
		out = append(out, Account{Kind: KindUser, FirmID: u.FirmID, UserID: u.ID, Admin: u.Role == models.RoleAdmin,
			Email: email, Name: u.User.Name(), FirmName: u.FirmName})
	}
	var contacts []struct {
		models.Contact
		FirmName string
	}
	err = gdb.WithContext(ctx).Table("contacts").
		Select("DISTINCT contacts.*, firms.name AS firm_name").
		Joins("JOIN firms ON firms.id = contacts.firm_id").
		Joins("JOIN contact_emails ce ON ce.contact_id = contacts.id AND ce.firm_id = contacts.firm_id").
		Where("ce.address = ? AND contacts.portal_invited_at IS NOT NULL", email).
		Order("contacts.id").Find(&contacts).Error
	if err != nil {
		return nil, fmt.Errorf("auth: find contacts: %w", err)
	}
	for _, c := range contacts {
		out = append(out, Account{Kind: KindClient, FirmID: c.FirmID, ContactID: c.ID,
			Email: email, Name: c.Contact.Name(), FirmName: c.FirmName})
	}
	return out, nil
}

// NewLink stores a single-use link for acct and returns the secret token
// (256 random bits, base64url). Only its SHA-256 is stored.
func NewLink(ctx context.Context, tx *gorm.DB, acct Account, purpose models.TokenPurpose, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	row := models.LoginToken{
		FirmID: acct.FirmID, TokenHash: hashToken(token), Email: acct.Email, Purpose: purpose,
		ExpiresAt: now.Add(LinkTTL),
	}
	if acct.Kind == KindUser {
		row.UserID = &acct.UserID
	} else {
		row.ContactID = &acct.ContactID
	}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("auth: store link: %w", err)
	}
	return token, nil
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Check says whether token is a live link, without using it up: the GET of a
// link only shows a Continue button, so mail scanners that open links do
// not burn them.
func Check(ctx context.Context, gdb *gorm.DB, token string, now time.Time) (models.LoginToken, error) {
	var row models.LoginToken
	err := gdb.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrLinkUnknown
	}
	if err != nil {
		return row, fmt.Errorf("auth: look up link: %w", err)
	}
	switch {
	case row.UsedAt != nil:
		return row, &LinkError{ErrLinkUsed, row.Email}
	case !now.Before(row.ExpiresAt):
		return row, &LinkError{ErrLinkExpired, row.Email}
	}
	return row, nil
}

// Consume uses up token and returns the account it signs in. Two requests
// racing with one token: exactly one wins, by the conditional update.
func Consume(ctx context.Context, gdb *gorm.DB, token string, now time.Time) (Account, error) {
	row, err := Check(ctx, gdb, token, now)
	if err != nil {
		return Account{}, err
	}
	res := gdb.WithContext(ctx).Model(&models.LoginToken{}).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", row.ID, now).
		Updates(map[string]any{"used_at": now, "updated_at": now})
	if res.Error != nil {
		return Account{}, fmt.Errorf("auth: use link: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Account{}, &LinkError{ErrLinkUsed, row.Email}
	}
	acct, err := accountOf(ctx, gdb, row)
	if err != nil {
		return Account{}, err
	}
	if row.Purpose == models.PurposeInvite && acct.Kind == KindClient {
		// Following an invitation is what turns portal access on.
		err := gdb.WithContext(ctx).Model(&models.Contact{}).
			Where("firm_id = ? AND id = ? AND portal_invited_at IS NULL", acct.FirmID, acct.ContactID).
			Update("portal_invited_at", now).Error
		if err != nil {
			return Account{}, fmt.Errorf("auth: mark invited: %w", err)
		}
	}
	return acct, nil
}

// accountOf loads the account a link was made for, if it may still sign in.
func accountOf(ctx context.Context, gdb *gorm.DB, row models.LoginToken) (Account, error) {
	var firm models.Firm
	if err := gdb.WithContext(ctx).Take(&firm, row.FirmID).Error; err != nil {
		return Account{}, fmt.Errorf("auth: load firm: %w", err)
	}
	if row.UserID != nil {
		var u models.User
		err := gdb.WithContext(ctx).Where("firm_id = ? AND id = ? AND active", row.FirmID, *row.UserID).Take(&u).Error
		if err != nil {
			return Account{}, ErrLinkUnknown
		}
		return Account{Kind: KindUser, FirmID: u.FirmID, UserID: u.ID, Admin: u.Role == models.RoleAdmin,
			Email: row.Email, Name: u.Name(), FirmName: firm.Name}, nil
	}
	var c models.Contact
	err := gdb.WithContext(ctx).Where("firm_id = ? AND id = ?", row.FirmID, *row.ContactID).Take(&c).Error
	if err != nil {
		return Account{}, ErrLinkUnknown
	}
	return Account{Kind: KindClient, FirmID: c.FirmID, ContactID: c.ID, Email: row.Email, Name: c.Name(), FirmName: firm.Name}, nil
}
