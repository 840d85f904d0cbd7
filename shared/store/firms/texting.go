package firms

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// ErrNoTextingNumber: every number of the pool is another firm's.
var ErrNoTextingNumber = errors.New("store: no texting number is available in the pool")

// TextingSettings is the firm's texting state and the viewer's own badge preference.
type TextingSettings struct {
	models.FirmTexting
	TextBadge bool
}

// Texting returns the firm's texting settings as v sees them.
func (s *Store) Texting(ctx context.Context, v store.Viewer) (TextingSettings, error) {
	if err := store.FirmUser(v); err != nil {
		return TextingSettings{}, err
	}
	var out TextingSettings
	err := s.DB.WithContext(ctx).Raw(`SELECT f.texting_enabled, f.texting_number, f.texting_dialect,
		f.texting_alt_email, f.texting_alt_phone, u.text_badge
		FROM firms f JOIN users u ON u.firm_id = f.id WHERE f.id = ? AND u.id = ?`, v.FirmID, v.UserID).
		Take(&out).Error
	if err != nil {
		return out, store.NotFound(err, "load texting settings")
	}
	return out, nil
}

// EnableTexting turns texting on. A firm without a number gets the first
// number of pool no other firm holds; the unique index on firms.texting_number
// settles a race between two firms, and the loser tries the next number.
func (s *Store) EnableTexting(ctx context.Context, v store.Viewer, pool []config.PoolNumber) (TextingSettings, error) {
	if err := store.Admin(v); err != nil {
		return TextingSettings{}, err
	}
	gdb := s.DB.WithContext(ctx)
	// Each lost race takes one number out of the running, so this ends.
	for range len(pool) + 2 {
		cur, err := s.Texting(ctx, v)
		if err != nil {
			return cur, err
		}
		if cur.TextingNumber != nil {
			if err := gdb.Exec(`UPDATE firms SET texting_enabled = true, updated_at = now() WHERE id = ?`, v.FirmID).Error; err != nil {
				return cur, fmt.Errorf("store: enable texting: %w", err)
			}
			cur.TextingEnabled = true
			return cur, nil
		}
		free, ok, err := s.freeNumber(ctx, pool)
		if err != nil {
			return cur, err
		}
		if !ok {
			return cur, ErrNoTextingNumber
		}
		res := gdb.Exec(`UPDATE firms SET texting_number = ?, texting_dialect = ?, texting_enabled = true, updated_at = now()
			WHERE id = ? AND texting_number IS NULL`, free.Number, free.Dialect, v.FirmID)
		if res.Error != nil && !store.IsUniqueViolation(res.Error) {
			return cur, fmt.Errorf("store: assign texting number: %w", res.Error)
		}
		// A unique violation (another firm took it) or no row (this firm got a
		// number meanwhile, from another admin's click): look again.
		if res.Error == nil && res.RowsAffected == 1 {
			return s.Texting(ctx, v)
		}
	}
	return TextingSettings{}, ErrNoTextingNumber
}

// freeNumber is the first pool number no firm holds.
func (s *Store) freeNumber(ctx context.Context, pool []config.PoolNumber) (config.PoolNumber, bool, error) {
	if len(pool) == 0 {
		return config.PoolNumber{}, false, nil
	}
	numbers := make([]string, len(pool))
	for i, p := range pool {
		numbers[i] = p.Number
	}
	var used []string
	err := s.DB.WithContext(ctx).Raw(`SELECT texting_number FROM firms WHERE texting_number IN ?`, numbers).Scan(&used).Error
	if err != nil {
		return config.PoolNumber{}, false, fmt.Errorf("store: texting numbers in use: %w", err)
	}
	for _, p := range pool {
		if !slices.Contains(used, p.Number) {
			return p, true, nil
		}
	}
	return config.PoolNumber{}, false, nil
}

// DisableTexting turns texting off and gives the number back to the pool.
// The firm's texts stay.
func (s *Store) DisableTexting(ctx context.Context, v store.Viewer) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE firms SET texting_enabled = false, texting_number = NULL,
		texting_dialect = NULL, updated_at = now() WHERE id = ?`, v.FirmID).Error
	if err != nil {
		return fmt.Errorf("store: disable texting: %w", err)
	}
	return nil
}

// SetTextingDetails saves the alternative email and phone clients are
// given (already validated; empty clears).
func (s *Store) SetTextingDetails(ctx context.Context, v store.Viewer, email, phone string) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE firms SET texting_alt_email = ?, texting_alt_phone = ?, updated_at = now() WHERE id = ?`,
		email, phone, v.FirmID).Error
	if err != nil {
		return fmt.Errorf("store: save texting details: %w", err)
	}
	return nil
}
