// Package store holds what Parley's store packages share: who is asking
// (a Viewer, or the System for the worker's own work), the access rule for
// matters that every domain applies, the errors they return and the few
// helpers they use to talk to Postgres. Each table is written by exactly
// one store package below this one (see README.md); the portal and the
// worker both go through them.
package store

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
)

// Viewer is a person asking: a firm user or a client contact, in one firm.
// Exactly one of UserID and ContactID is set. Every method that takes one
// returns ErrNotFound for anything outside what that viewer may see, so
// guessing an ID reveals nothing.
type Viewer struct {
	FirmID    int64
	UserID    int64
	ContactID int64
	Admin     bool
}

// IsClient reports whether the viewer is a client contact.
func (v Viewer) IsClient() bool { return v.ContactID != 0 }

// System is work no person does: the worker storing a received text,
// filing media, sending a planned text. It sees all of one firm, and only
// that firm.
type System struct{ FirmID int64 }

// Errors every store package returns.
var (
	// ErrNotFound: no such row in what the viewer may see.
	ErrNotFound = db.ErrNotFound
	// ErrForbidden: the viewer may see the thing but not change it.
	ErrForbidden = errors.New("store: not allowed")
)

// InvalidError is input a user must correct; its text is for them.
type InvalidError struct{ Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Invalid builds an InvalidError.
func Invalid(format string, args ...any) error {
	return &InvalidError{Msg: fmt.Sprintf(format, args...)}
}

// FirmUser rejects anyone but a firm user.
func FirmUser(v Viewer) error {
	if v.IsClient() || v.UserID == 0 {
		return ErrNotFound
	}
	return nil
}

// Admin rejects anyone but a firm's administrator.
func Admin(v Viewer) error {
	if err := FirmUser(v); err != nil {
		return err
	}
	if !v.Admin {
		return ErrForbidden
	}
	return nil
}

// NotFound maps gorm's sentinel to ErrNotFound and wraps anything else
// with what was being done.
func NotFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// IsUniqueViolation reports whether err is a unique index refusing a row.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrDuplicatedKey) || errors.As(err, &pgErr) && pgErr.Code == "23505"
}
