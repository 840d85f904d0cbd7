// Package firms owns the firms and users tables: a firm's settings (its
// texting number and details, time zone, reminders) and each user's own
// preferences.
package firms

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes firms and users.
type Store struct {
	DB *gorm.DB
}

// Firm loads a firm for work done on its behalf.
func (s *Store) Firm(ctx context.Context, sys store.System) (models.Firm, error) {
	return Load(s.DB.WithContext(ctx), sys.FirmID)
}

// Load reads a firm inside the caller's transaction (or query).
func Load(tx *gorm.DB, firmID int64) (models.Firm, error) {
	var f models.Firm
	if err := tx.Take(&f, firmID).Error; err != nil {
		return f, store.NotFound(err, "load firm")
	}
	return f, nil
}

// CalendarSettings is the firm's calendar settings.
type CalendarSettings struct {
	TimeZone     string
	ReminderDays int
}

// CalendarSettings returns the firm's time zone and reminder days.
func (s *Store) CalendarSettings(ctx context.Context, v store.Viewer) (CalendarSettings, error) {
	if err := store.FirmUser(v); err != nil {
		return CalendarSettings{}, err
	}
	var f models.Firm
	if err := s.DB.WithContext(ctx).Select("id", "time_zone", "reminder_days").Take(&f, v.FirmID).Error; err != nil {
		return CalendarSettings{}, fmt.Errorf("store: load firm: %w", err)
	}
	return CalendarSettings{TimeZone: f.TimeZone, ReminderDays: f.ReminderDays}, nil
}

// SaveCalendarSettings writes the firm's time zone and reminder days in the
// caller's transaction (the calendar re-plans reminders in the same one).
func SaveCalendarSettings(tx *gorm.DB, firmID int64, cs CalendarSettings, now time.Time) error {
	err := tx.Model(&models.Firm{ID: firmID}).Updates(map[string]any{"time_zone": cs.TimeZone,
		"reminder_days": cs.ReminderDays, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("store: save calendar settings: %w", err)
	}
	return nil
}

// SetTextBadge turns the viewer's unread-texts badge on or off.
func (s *Store) SetTextBadge(ctx context.Context, v store.Viewer, on bool) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE users SET text_badge = ?, updated_at = now() WHERE firm_id = ? AND id = ?`,
		on, v.FirmID, v.UserID).Error
	if err != nil {
		return fmt.Errorf("store: save badge setting: %w", err)
	}
	return nil
}
