// Package store is Parley's data access with tenancy and permission applied
// in one place. Every method takes a Viewer: the firm it is scoped to and
// who is looking (a firm user or a client contact), and returns
// db.ErrNotFound for anything outside what that viewer may see, so guessing
// an ID reveals nothing.
package store

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
)

// Viewer is who is asking. Exactly one of UserID and ContactID is set.
type Viewer struct {
	FirmID    int64
	UserID    int64
	ContactID int64
	Admin     bool
}

// IsClient reports whether the viewer is a client contact.
func (v Viewer) IsClient() bool { return v.ContactID != 0 }

// Store wraps the database.
type Store struct {
	DB *gorm.DB
	// Clock is the time planning uses (calendar texts); tests set it.
	Clock func() time.Time
}

// New returns a store over gdb.
func New(gdb *gorm.DB) *Store { return &Store{DB: gdb, Clock: time.Now} }

func (s *Store) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock()
}

// notFound maps gorm's sentinel to ours and wraps anything else.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return db.ErrNotFound
	}
	return fmt.Errorf("store: %s: %w", what, err)
}
