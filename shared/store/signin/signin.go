// Package signin owns login_tokens: the single-use links people sign in
// with. It finds the accounts an address may sign in to, makes and emails
// their links, and uses them up.
package signin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/outbox"
	"github.com/parleyhq/parley/shared/tasks"
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
	// InvitedBy names who invited a new user, for their first email only.
	InvitedBy string `json:"-"`
}

// Errors of Consume and Check. Expired and used links carry the address so
// the page can offer a new link in one tap.
var (
	ErrLinkUnknown = errors.New("signin: unknown sign-in link")
	ErrLinkExpired = errors.New("signin: sign-in link expired")
	ErrLinkUsed    = errors.New("signin: sign-in link already used")
	// ErrNotContactEmail refuses an invitation to an address the contact lacks.
	ErrNotContactEmail = errors.New("that address is not one of the contact's email addresses")
)

// LinkError is an expired or used link, with its address.
type LinkError struct {
	Err   error
	Email string
}

func (e *LinkError) Error() string { return e.Err.Error() }
func (e *LinkError) Unwrap() error { return e.Err }

// Store makes and checks sign-in links.
type Store struct {
	DB    *gorm.DB
	Tasks tasks.Enqueuer
	// PublicURL is the portal's address, the base of every link.
	PublicURL string
	Now       func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// LinkURL is where a token is opened.
func (s *Store) LinkURL(token string) string { return s.PublicURL + "/login/link/" + token }

// Accounts lists every account that may sign in with email.
func (s *Store) Accounts(ctx context.Context, email string) ([]Account, error) {
	var out []Account
	var users []struct {
		models.User
		FirmName string
	}
	err := s.DB.WithContext(ctx).Table("users").
		Select("users.*, firms.name AS firm_name").
		Joins("JOIN firms ON firms.id = users.firm_id").
		Where("users.email = ? AND users.active", email).Order("users.id").Find(&users).Error
	if err != nil {
		return nil, fmt.Errorf("signin: find users: %w", err)
	}
	for _, u := range users {
		out = append(out, Account{Kind: KindUser, FirmID: u.FirmID, UserID: u.ID, Admin: u.Role == models.RoleAdmin,
			Email: email, Name: u.User.Name(), FirmName: u.FirmName})
	}
	var contacts []struct {
		models.Contact
		FirmName string
	}
	err = s.DB.WithContext(ctx).Table("contacts").
		Select("DISTINCT contacts.*, firms.name AS firm_name").
		Joins("JOIN firms ON firms.id = contacts.firm_id").
		Joins("JOIN contact_emails ce ON ce.contact_id = contacts.id AND ce.firm_id = contacts.firm_id").
		Where("ce.address = ? AND contacts.portal_invited_at IS NOT NULL", email).
		Order("contacts.id").Find(&contacts).Error
	if err != nil {
		return nil, fmt.Errorf("signin: find contacts: %w", err)
	}
	for _, c := range contacts {
		out = append(out, Account{Kind: KindClient, FirmID: c.FirmID, ContactID: c.ID,
			Email: email, Name: c.Contact.Name(), FirmName: c.FirmName})
	}
	return out, nil
}

// SendLinks emails a sign-in link to every account of email, and nothing
// to an address without one. It runs in the worker, so the portal answers
// every address alike. requestID names the request: run again for the same
// request (asynq delivers at least once), it sends nothing twice.
func (s *Store) SendLinks(ctx context.Context, email, requestID string) (int, error) {
	accts, err := s.Accounts(ctx, email)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, a := range accts {
		ok, err := s.send(ctx, a, models.PurposeLogin, requestID)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// Invite sends a client their first link; following it turns on portal
// access. email must be one of the contact's addresses.
func (s *Store) Invite(ctx context.Context, firmID, contactID int64, email string) error {
	var c models.Contact
	err := s.DB.WithContext(ctx).Preload("Emails").Where("firm_id = ? AND id = ?", firmID, contactID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotContactEmail
	}
	if err != nil {
		return fmt.Errorf("signin: load contact: %w", err)
	}
	found := false
	for _, e := range c.Emails {
		found = found || e.Address == email
	}
	if !found {
		return ErrNotContactEmail
	}
	firm, err := firms.Load(s.DB.WithContext(ctx), firmID)
	if err != nil {
		return err
	}
	_, err = s.send(ctx, Account{Kind: KindClient, FirmID: firmID, ContactID: c.ID, Email: email, Name: c.Name(), FirmName: firm.Name},
		models.PurposeInvite, "")
	return err
}

// InviteUser sends a new firm user their first sign-in link; invitedBy
// names who asked them in.
func (s *Store) InviteUser(ctx context.Context, firmID, userID int64, invitedBy string) error {
	var u models.User
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND active", firmID, userID).Take(&u).Error
	if err != nil {
		return store.NotFound(err, "load invited user")
	}
	firm, err := firms.Load(s.DB.WithContext(ctx), firmID)
	if err != nil {
		return err
	}
	_, err = s.send(ctx, Account{Kind: KindUser, FirmID: firmID, UserID: u.ID, Admin: u.Role == models.RoleAdmin,
		Email: u.Email, Name: u.Name(), FirmName: firm.Name, InvitedBy: invitedBy}, models.PurposeInvite, "")
	return err
}

// send stores a link for a and its email together, so a link is never
// mailed that was not stored, then queues the email. With a requestID, a
// link already made for that request and account means it was sent: false.
func (s *Store) send(ctx context.Context, a Account, purpose models.TokenPurpose, requestID string) (bool, error) {
	e := models.OutboundEmail{FirmID: a.FirmID, ToAddress: a.Email, Kind: "login_link"}
	done := false
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		token, made, err := newLink(tx, a, purpose, requestID, s.now())
		if err != nil || !made {
			done = !made
			return err
		}
		e.Subject, e.BodyText = linkEmail(a, purpose, s.LinkURL(token))
		return outbox.Add(tx, &e)
	})
	if err != nil {
		return false, fmt.Errorf("signin: make link: %w", err)
	}
	if done {
		return false, nil
	}
	return true, outbox.Enqueue(ctx, s.Tasks, &e)
}

// newLink stores a single-use link for acct and returns the secret token
// (256 random bits, base64url). Only its SHA-256 is stored. made is false
// when requestID already made this account's link.
func newLink(tx *gorm.DB, acct Account, purpose models.TokenPurpose, requestID string, now time.Time) (token string, made bool, err error) {
	if token, err = store.NewSecret("", 32); err != nil {
		return "", false, err
	}
	row := models.LoginToken{
		FirmID: acct.FirmID, TokenHash: store.SecretHash(token), Email: acct.Email, Purpose: purpose,
		ExpiresAt: now.Add(LinkTTL),
	}
	if requestID != "" {
		row.RequestID = &requestID
	}
	if acct.Kind == KindUser {
		row.UserID = &acct.UserID
	} else {
		row.ContactID = &acct.ContactID
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		return "", false, fmt.Errorf("signin: store link: %w", res.Error)
	}
	return token, res.RowsAffected == 1, nil
}

// Link is a live sign-in link, as its page shows it.
type Link struct {
	Email    string
	FirmName string
}

// Check says whether token is a live link, without using it up: the GET of a
// link only shows a Continue button, so mail scanners that open links do
// not burn them.
func (s *Store) Check(ctx context.Context, token string) (Link, error) {
	row, err := s.check(ctx, token)
	if err != nil {
		return Link{}, err
	}
	l := Link{Email: row.Email}
	if err := s.DB.WithContext(ctx).Table("firms").Select("name").Where("id = ?", row.FirmID).Scan(&l.FirmName).Error; err != nil {
		return Link{}, fmt.Errorf("signin: load firm: %w", err)
	}
	return l, nil
}

func (s *Store) check(ctx context.Context, token string) (models.LoginToken, error) {
	var row models.LoginToken
	err := s.DB.WithContext(ctx).Where("token_hash = ?", store.SecretHash(token)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, ErrLinkUnknown
	}
	if err != nil {
		return row, fmt.Errorf("signin: look up link: %w", err)
	}
	switch {
	case row.UsedAt != nil:
		return row, &LinkError{ErrLinkUsed, row.Email}
	case !s.now().Before(row.ExpiresAt):
		return row, &LinkError{ErrLinkExpired, row.Email}
	}
	return row, nil
}

// Consume uses up token and returns the account it signs in. Two requests
// racing with one token: exactly one wins, by the conditional update.
func (s *Store) Consume(ctx context.Context, token string) (Account, error) {
	row, err := s.check(ctx, token)
	if err != nil {
		return Account{}, err
	}
	now := s.now()
	res := s.DB.WithContext(ctx).Model(&models.LoginToken{}).
		Where("id = ? AND used_at IS NULL AND expires_at > ?", row.ID, now).
		Updates(map[string]any{"used_at": now, "updated_at": now})
	if res.Error != nil {
		return Account{}, fmt.Errorf("signin: use link: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Account{}, &LinkError{ErrLinkUsed, row.Email}
	}
	acct, err := s.accountOf(ctx, row)
	if err != nil {
		return Account{}, err
	}
	if row.Purpose == models.PurposeInvite && acct.Kind == KindClient {
		// Following an invitation is what turns portal access on.
		err := s.DB.WithContext(ctx).Model(&models.Contact{}).
			Where("firm_id = ? AND id = ? AND portal_invited_at IS NULL", acct.FirmID, acct.ContactID).
			Update("portal_invited_at", now).Error
		if err != nil {
			return Account{}, fmt.Errorf("signin: mark invited: %w", err)
		}
	}
	return acct, nil
}

// accountOf loads the account a link was made for, if it may still sign in.
func (s *Store) accountOf(ctx context.Context, row models.LoginToken) (Account, error) {
	gdb := s.DB.WithContext(ctx)
	firm, err := firms.Load(gdb, row.FirmID)
	if err != nil {
		return Account{}, err
	}
	if row.UserID != nil {
		var u models.User
		if err := gdb.Where("firm_id = ? AND id = ? AND active", row.FirmID, *row.UserID).Take(&u).Error; err != nil {
			return Account{}, ErrLinkUnknown
		}
		return Account{Kind: KindUser, FirmID: u.FirmID, UserID: u.ID, Admin: u.Role == models.RoleAdmin,
			Email: row.Email, Name: u.Name(), FirmName: firm.Name}, nil
	}
	var c models.Contact
	if err := gdb.Where("firm_id = ? AND id = ?", row.FirmID, *row.ContactID).Take(&c).Error; err != nil {
		return Account{}, ErrLinkUnknown
	}
	return Account{Kind: KindClient, FirmID: c.FirmID, ContactID: c.ID, Email: row.Email, Name: c.Name(), FirmName: firm.Name}, nil
}

func linkEmail(a Account, purpose models.TokenPurpose, url string) (subject, body string) {
	where := a.FirmName + "'s client portal"
	if a.Kind == KindUser {
		where = "Parley for " + a.FirmName
	}
	if purpose == models.PurposeInvite && a.Kind == KindUser {
		who := a.InvitedBy
		if who == "" {
			who = a.FirmName
		}
		subject = who + " invited you to " + a.FirmName + " on Parley"
		body = fmt.Sprintf("Hello %s,\n\n%s added you to %s's workspace on Parley, where the firm keeps its contacts and matters and talks with its clients.\n\nOpen this link to sign in (no password needed):\n\n%s\n\nThe link works once and for one hour. After that, open it anyway and ask for a new one; you can always sign in at the same address with your email.\n", a.Name, who, a.FirmName, url)
		return subject, body
	}
	if purpose == models.PurposeInvite {
		subject = a.FirmName + " invites you to its secure client portal"
		body = fmt.Sprintf("Hello %s,\n\n%s uses a secure portal to share documents, case updates and messages with you.\n\nOpen this link to sign in (no password needed):\n\n%s\n\nThe link works once and for one hour. After that, open it anyway and ask for a new one.\n", a.Name, a.FirmName, url)
		return subject, body
	}
	subject = "Your sign-in link for " + a.FirmName
	body = fmt.Sprintf("Hello %s,\n\nUse this link to sign in to %s:\n\n%s\n\nThe link works once and for one hour. If it has expired, open it anyway and ask for a new one.\n\nIf you did not ask to sign in, you can ignore this email.\n", a.Name, where, url)
	return subject, body
}

// Access is when a contact was last invited to the portal and last signed in.
type Access struct {
	LastInvited  *time.Time
	LastSignedIn *time.Time
}

// PortalAccess reads a contact's invitations and sign-ins.
func (s *Store) PortalAccess(ctx context.Context, firmID, contactID int64) (Access, error) {
	var a Access
	err := s.DB.WithContext(ctx).Raw(`SELECT max(created_at) FILTER (WHERE purpose = 'invite') AS last_invited,
		max(used_at) AS last_signed_in FROM login_tokens WHERE firm_id = ? AND contact_id = ?`, firmID, contactID).
		Scan(&a).Error
	if err != nil {
		return a, fmt.Errorf("signin: contact portal access: %w", err)
	}
	return a, nil
}
