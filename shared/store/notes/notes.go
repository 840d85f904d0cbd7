// Package notes owns the notes table: what the firm writes down about a
// contact or a matter. Only firm users read and write them; a matter's
// notes follow the matter's permissions.
package notes

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

// Store reads and writes notes.
type Store struct{ DB *gorm.DB }

// On is what a note is about: a matter or a contact (one of the two).
type On struct {
	MatterID, ContactID int64
}

// Row is a note with its author's name.
type Row struct {
	models.Note
	AuthorName string
}

// Limits on what a note holds.
const (
	maxSubject = 200
	maxBody    = 20_000
)

// Check says what is wrong with a note's subject and body, by field, and
// returns them tidied.
func Check(subject, body string) (string, string, store.FieldErrors) {
	bad := store.FieldErrors{}
	subject = strings.Join(strings.Fields(subject), " ")
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if utf8.RuneCountInString(subject) > maxSubject {
		bad.Add("subject", fmt.Sprintf("Keep the subject under %d characters.", maxSubject))
	}
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		bad.Add("body", "Write the note.")
	case n > maxBody:
		bad.Add("body", fmt.Sprintf("Keep a note under %d characters; split a longer one.", maxBody))
	}
	return subject, body, bad
}

// visible checks v may read what on names (the matter's permissions, or a
// contact of the firm).
func (s *Store) visible(ctx context.Context, v store.Viewer, on On) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	switch {
	case on.MatterID != 0 && on.ContactID == 0:
		_, err := (&matters.Store{DB: s.DB}).Matter(ctx, v, on.MatterID)
		return err
	case on.ContactID != 0 && on.MatterID == 0:
		_, err := (&contacts.Store{DB: s.DB}).Contact(ctx, v, on.ContactID)
		return err
	}
	return store.ErrNotFound
}

// List reads a page of the notes on a matter or contact, newest first.
func (s *Store) List(ctx context.Context, v store.Viewer, on On, after string) (store.Page[Row], error) {
	if err := s.visible(ctx, v, on); err != nil {
		return store.Page[Row]{}, err
	}
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(after, &at, &id); err != nil {
		return store.Page[Row]{}, err
	}
	col, subject := "matter_id", on.MatterID
	if on.ContactID != 0 {
		col, subject = "contact_id", on.ContactID
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT n.id, n.matter_id, n.contact_id, n.author_user_id, n.subject, n.body, n.created_at, n.updated_at,
		coalesce(btrim(u.first_name || ' ' || u.last_name), '')
		FROM notes n LEFT JOIN users u ON u.firm_id = n.firm_id AND u.id = n.author_user_id
		WHERE n.firm_id = @firm AND n.`+col+` = @subject AND (n.created_at, n.id) < (@at, @id)
		ORDER BY n.created_at DESC, n.id DESC LIMIT `+fmt.Sprint(store.PageSize+1),
		map[string]any{"firm": v.FirmID, "subject": subject, "at": at, "id": id},
		func(r store.Rows, n *Row) error {
			n.FirmID = v.FirmID
			return r.Scan(&n.ID, &n.MatterID, &n.ContactID, &n.AuthorUserID, &n.Subject, &n.Body, &n.CreatedAt, &n.UpdatedAt, &n.AuthorName)
		})
	if err != nil {
		return store.Page[Row]{}, fmt.Errorf("store: list notes: %w", err)
	}
	return store.Trim(rows, func(n Row) string { return store.Cursor(n.CreatedAt, n.ID) }), nil
}

// Add writes a note by v on a matter or contact.
func (s *Store) Add(ctx context.Context, v store.Viewer, on On, subject, body string) (models.Note, error) {
	subject, body, bad := Check(subject, body)
	if err := s.visible(ctx, v, on); err != nil {
		return models.Note{}, err
	}
	if err := bad.Err(); err != nil {
		return models.Note{}, err
	}
	n := models.Note{FirmID: v.FirmID, AuthorUserID: &v.UserID, Subject: subject, Body: body}
	if on.MatterID != 0 {
		n.MatterID = &on.MatterID
	} else {
		n.ContactID = &on.ContactID
	}
	if err := s.DB.WithContext(ctx).Create(&n).Error; err != nil {
		return n, fmt.Errorf("store: add note: %w", err)
	}
	return n, nil
}

// Note reads one note v may see.
func (s *Store) Note(ctx context.Context, v store.Viewer, id int64) (models.Note, error) {
	if err := store.FirmUser(v); err != nil {
		return models.Note{}, err
	}
	var n models.Note
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&n).Error; err != nil {
		return n, store.NotFound(err, "load note")
	}
	on := On{}
	if n.MatterID != nil {
		on.MatterID = *n.MatterID
	} else if n.ContactID != nil {
		on.ContactID = *n.ContactID
	}
	return n, s.visible(ctx, v, on)
}

// Mine says whether v wrote n (only the author edits a note).
func Mine(v store.Viewer, n models.Note) bool {
	return n.AuthorUserID != nil && *n.AuthorUserID == v.UserID
}

// MayDelete says whether v may delete n: its author, or an administrator.
func MayDelete(v store.Viewer, n models.Note) bool { return Mine(v, n) || v.Admin }

// Update rewrites v's own note.
func (s *Store) Update(ctx context.Context, v store.Viewer, id int64, subject, body string) error {
	n, err := s.Note(ctx, v, id)
	if err != nil {
		return err
	}
	if !Mine(v, n) {
		return store.ErrForbidden
	}
	subject, body, bad := Check(subject, body)
	if err := bad.Err(); err != nil {
		return err
	}
	err = s.DB.WithContext(ctx).Model(&models.Note{}).Where("firm_id = ? AND id = ?", v.FirmID, id).
		Updates(map[string]any{"subject": subject, "body": body, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("store: update note: %w", err)
	}
	return nil
}

// Delete removes a note: the author's own, or any for an administrator.
func (s *Store) Delete(ctx context.Context, v store.Viewer, id int64) (models.Note, error) {
	n, err := s.Note(ctx, v, id)
	if err != nil {
		return n, err
	}
	if !MayDelete(v, n) {
		return n, store.ErrForbidden
	}
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Delete(&models.Note{}).Error; err != nil {
		return n, fmt.Errorf("store: delete note: %w", err)
	}
	return n, nil
}

// Records is a page of the notes on a matter or contact v may see, in ID
// order (the REST API's list), read by the notes' (firm_id, matter_id or
// contact_id, id) index.
func (s *Store) Records(ctx context.Context, v store.Viewer, on On, q store.IDQuery) ([]models.Note, error) {
	if err := s.visible(ctx, v, on); err != nil {
		return nil, err
	}
	db := s.DB.WithContext(ctx).Where("firm_id = ?", v.FirmID)
	if on.MatterID != 0 {
		db = db.Where("matter_id = ?", on.MatterID)
	} else {
		db = db.Where("contact_id = ?", on.ContactID)
	}
	var out []models.Note
	if err := db.Scopes(q.Scope).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list note records: %w", err)
	}
	return out, nil
}
