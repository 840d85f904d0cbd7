package matters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// PracticeAreas lists the firm's practice areas by name.
func (s *Store) PracticeAreas(ctx context.Context, v store.Viewer) ([]models.PracticeArea, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	out, err := store.QueryAll(ctx, s.DB, `SELECT id, firm_id, name, created_at, updated_at FROM practice_areas
		WHERE firm_id = @firm ORDER BY lower(name), id LIMIT 500`, map[string]any{"firm": v.FirmID},
		func(r store.Rows, a *models.PracticeArea) error {
			return r.Scan(&a.ID, &a.FirmID, &a.Name, &a.CreatedAt, &a.UpdatedAt)
		})
	if err != nil {
		return nil, fmt.Errorf("store: list practice areas: %w", err)
	}
	return out, nil
}

// ErrAreaExists refuses a practice area the firm has already.
var ErrAreaExists = errors.New("store: the firm has that practice area already")

// AddPracticeArea adds a practice area to the firm's list (admins).
func (s *Store) AddPracticeArea(ctx context.Context, v store.Viewer, name string) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return store.FieldErrors{"practice_area": "Name the practice area in 1 to 100 characters."}
	}
	err := s.DB.WithContext(ctx).Create(&models.PracticeArea{FirmID: v.FirmID, Name: name}).Error
	if store.IsUniqueViolation(err) {
		return ErrAreaExists
	}
	if err != nil {
		return fmt.Errorf("store: add practice area: %w", err)
	}
	return nil
}

// RemovePracticeArea takes a practice area off the list (admins); the
// matters that have it keep it.
func (s *Store) RemovePracticeArea(ctx context.Context, v store.Viewer, id int64) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Delete(&models.PracticeArea{})
	if res.Error != nil {
		return fmt.Errorf("store: remove practice area: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return nil
}
