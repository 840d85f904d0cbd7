package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
)

// Links makes sign-in links and has the worker email them.
type Links struct {
	DB        *gorm.DB
	Tasks     tasks.Enqueuer
	Limiter   *Limiter
	PublicURL string
	Now       func() time.Time
}

// LinkURL is where a token is opened.
func (l *Links) LinkURL(token string) string { return l.PublicURL + "/login/link/" + token }

// Request emails a sign-in link to every account of email. It returns nil
// for an unknown address too, so the answer reveals nothing; only a rate
// limit (*RateLimitedError) or a failure is reported.
func (l *Links) Request(ctx context.Context, email, ip string) error {
	if err := l.Limiter.AllowLink(ctx, email, ip); err != nil {
		return err
	}
	accts, err := Accounts(ctx, l.DB, email)
	if err != nil {
		return err
	}
	for _, a := range accts {
		if err := l.send(ctx, a, models.PurposeLogin); err != nil {
			return err
		}
	}
	return nil
}

// Invite sends a client their first link; following it turns on portal
// access. email must be one of the contact's addresses.
func (l *Links) Invite(ctx context.Context, firmID, contactID int64, email string) error {
	var c models.Contact
	err := l.DB.WithContext(ctx).Preload("Emails").Where("firm_id = ? AND id = ?", firmID, contactID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotContactEmail
	}
	if err != nil {
		return fmt.Errorf("auth: load contact: %w", err)
	}
	found := false
	for _, e := range c.Emails {
		found = found || e.Address == email
	}
	if !found {
		return ErrNotContactEmail
	}
	var firm models.Firm
	if err := l.DB.WithContext(ctx).Take(&firm, firmID).Error; err != nil {
		return fmt.Errorf("auth: load firm: %w", err)
	}
	return l.send(ctx, Account{Kind: KindClient, FirmID: firmID, ContactID: c.ID, Email: email, Name: c.Name(), FirmName: firm.Name}, models.PurposeInvite)
}

// ErrNotContactEmail refuses an invitation to an address the contact lacks.
var ErrNotContactEmail = errors.New("that address is not one of the contact's email addresses")

func (l *Links) send(ctx context.Context, a Account, purpose models.TokenPurpose) error {
	var token string
	e := models.OutboundEmail{FirmID: a.FirmID, ToAddress: a.Email, Kind: "login_link"}
	// Token and email commit together: a link is never mailed that was not stored.
	err := l.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if token, err = NewLink(ctx, tx, a, purpose, l.Now()); err != nil {
			return err
		}
		e.Subject, e.BodyText = linkEmail(a, purpose, l.LinkURL(token))
		e.Status = models.EmailQueued
		return tx.Create(&e).Error
	})
	if err != nil {
		return fmt.Errorf("auth: make link: %w", err)
	}
	t, err := tasks.NewEmailSend(e.FirmID, e.ID)
	if err != nil {
		return err
	}
	// If Redis refuses, the worker's sweep sends the stored email later.
	if err := l.Tasks.Enqueue(ctx, t); err != nil {
		return fmt.Errorf("auth: link email %d stored, not yet queued: %w", e.ID, err)
	}
	return nil
}

func linkEmail(a Account, purpose models.TokenPurpose, url string) (subject, body string) {
	where := a.FirmName + "'s client portal"
	if a.Kind == KindUser {
		where = "Parley for " + a.FirmName
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
