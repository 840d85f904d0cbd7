package texting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

// TextBadge is the viewer's count of unread inbound texts, and whether to
// show it at all (texting on and the badge not turned off), in one query:
// the nav asks for it every few seconds.
func (s *Store) TextBadge(ctx context.Context, v store.Viewer) (show bool, unread int, err error) {
	if err := store.FirmUser(v); err != nil {
		return false, 0, err
	}
	var row struct {
		Show   bool
		Unread int
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT (u.text_badge AND f.texting_enabled) AS show,
		CASE WHEN u.text_badge AND f.texting_enabled THEN (
			SELECT count(*) FROM text_messages m
			LEFT JOIN text_thread_reads r ON r.user_id = u.id AND r.contact_id = m.contact_id
			WHERE m.firm_id = f.id AND m.direction = 'in' AND m.id > coalesce(r.last_read_message_id, 0))
		ELSE 0 END AS unread
		FROM users u JOIN firms f ON f.id = u.firm_id WHERE u.firm_id = ? AND u.id = ?`, v.FirmID, v.UserID).
		Take(&row).Error
	if err != nil {
		return false, 0, store.NotFound(err, "text badge")
	}
	return row.Show, row.Unread, nil
}

// Conversation is one contact's thread as listed: the last text and how
// many inbound texts the viewer has not read.
type Conversation struct {
	ContactID     int64
	ContactName   string
	LastBody      string
	LastDirection string
	LastStatus    models.TextStatus
	LastAt        time.Time
	Unread        int
}

// Conversations lists the firm's text threads, newest activity first.
func (s *Store) Conversations(ctx context.Context, v store.Viewer) ([]Conversation, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []Conversation
	err := s.DB.WithContext(ctx).Raw(`WITH last AS (
			SELECT DISTINCT ON (m.contact_id) m.contact_id, m.id, m.body, m.direction, m.status, m.created_at
			FROM text_messages m WHERE m.firm_id = @firm
			ORDER BY m.contact_id, m.created_at DESC, m.id DESC)
		SELECT last.contact_id, `+store.ContactNameSQL+` AS contact_name, last.body AS last_body,
			last.direction AS last_direction, last.status AS last_status, last.created_at AS last_at,
			(SELECT count(*) FROM text_messages u WHERE u.firm_id = @firm AND u.contact_id = last.contact_id
				AND u.direction = 'in' AND u.id > coalesce(r.last_read_message_id, 0)) AS unread
		FROM last JOIN contacts c ON c.firm_id = @firm AND c.id = last.contact_id
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = last.contact_id
		ORDER BY last.created_at DESC, last.id DESC LIMIT 500`,
		map[string]any{"firm": v.FirmID, "user": v.UserID}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	return out, nil
}

// TextContact is a contact as the texting pages show it, with the number
// texts go to.
type TextContact struct {
	models.Contact
	// Number is the texting number, or else the first mobile number; empty
	// when the contact has neither.
	Number string
}

// TextContact returns a contact of the firm with its phone numbers.
func (s *Store) TextContact(ctx context.Context, v store.Viewer, contactID int64) (TextContact, error) {
	if err := store.FirmUser(v); err != nil {
		return TextContact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).Preload("PhoneNumbers", contacts.TextingFirst).
		Where("firm_id = ? AND id = ?", v.FirmID, contactID).Take(&c).Error
	if err != nil {
		return TextContact{}, store.NotFound(err, "load contact")
	}
	out := TextContact{Contact: c}
	out.Number, _ = c.TextNumber()
	return out, nil
}

// TextRow is a text as a thread shows it.
type TextRow struct {
	models.TextMessage
	SentByName string
}

// CanRetry reports whether the user may send a failed text again: only
// when the reason says a second try may work.
func (t TextRow) CanRetry() bool {
	return t.Direction == "out" && t.Status == models.TextFailed && sms.Retryable(t.FailureReason)
}

// threadLimit is how many of the latest texts a thread shows.
const threadLimit = 500

// Texts returns the contact's texts, oldest first (the latest threadLimit),
// each with its media.
func (s *Store) Texts(ctx context.Context, v store.Viewer, contactID int64) ([]TextRow, error) {
	if _, err := s.TextContact(ctx, v, contactID); err != nil {
		return nil, err
	}
	var out []TextRow
	err := s.DB.WithContext(ctx).Table("text_messages m").
		Select(`m.*, coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.email, '') AS sent_by_name`).
		Joins("LEFT JOIN users u ON u.id = m.sent_by_user_id").
		Where("m.firm_id = ? AND m.contact_id = ?", v.FirmID, contactID).
		Order("m.created_at DESC, m.id DESC").Limit(threadLimit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list texts: %w", err)
	}
	slices.Reverse(out)
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	var media []models.TextMedia
	err = s.DB.WithContext(ctx).Where("firm_id = ? AND message_id IN ?", v.FirmID, ids).
		Order("message_id, position").Find(&media).Error
	if err != nil {
		return nil, fmt.Errorf("store: list text media: %w", err)
	}
	byMessage := map[int64][]models.TextMedia{}
	for _, m := range media {
		byMessage[m.MessageID] = append(byMessage[m.MessageID], m)
	}
	for i := range out {
		out[i].Media = byMessage[out[i].ID]
	}
	return out, nil
}

// MarkThreadRead records that the viewer has read the contact's texts up to
// upTo (the newest one shown, so a text that arrives meanwhile stays
// unread). It never moves backwards.
func (s *Store) MarkThreadRead(ctx context.Context, v store.Viewer, contactID, upTo int64) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	if upTo <= 0 {
		return nil
	}
	err := s.DB.WithContext(ctx).Exec(`INSERT INTO text_thread_reads (firm_id, user_id, contact_id, last_read_message_id)
		SELECT ?, ?, c.id, ? FROM contacts c WHERE c.firm_id = ? AND c.id = ?
		ON CONFLICT (user_id, contact_id) DO UPDATE
		SET last_read_message_id = greatest(text_thread_reads.last_read_message_id, excluded.last_read_message_id), updated_at = now()
		WHERE text_thread_reads.last_read_message_id < excluded.last_read_message_id`,
		v.FirmID, v.UserID, upTo, v.FirmID, contactID).Error
	if err != nil {
		return fmt.Errorf("store: mark texts read: %w", err)
	}
	return nil
}

// TextMedia returns a kept media item of one of the firm's texts.
func (s *Store) TextMedia(ctx context.Context, v store.Viewer, id int64) (models.TextMedia, error) {
	if err := store.FirmUser(v); err != nil {
		return models.TextMedia{}, err
	}
	var m models.TextMedia
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND status = 'kept' AND storage_key <> ''", v.FirmID, id).Take(&m).Error
	if err != nil {
		return m, store.NotFound(err, "load text media")
	}
	return m, nil
}

// ContactOption is a contact one may start a text thread with.
type ContactOption struct {
	ID     int64
	Name   string
	Number string
}

// TextableContacts lists the firm's contacts that have a phone number, by
// name, with the number texts would go to.
func (s *Store) TextableContacts(ctx context.Context, v store.Viewer) ([]ContactOption, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []ContactOption
	err := s.DB.WithContext(ctx).Raw(`SELECT c.id, `+store.ContactNameSQL+` AS name, p.number
		FROM contacts c JOIN LATERAL (
			SELECT number FROM contact_phone_numbers p WHERE p.firm_id = c.firm_id AND p.contact_id = c.id
			ORDER BY p.is_texting DESC, p.label = 'mobile' DESC, p.id LIMIT 1) p ON true
		WHERE c.firm_id = ? ORDER BY lower(`+store.ContactNameSQL+`), c.id LIMIT 2000`, v.FirmID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list textable contacts: %w", err)
	}
	return out, nil
}

// MatterThread is the text thread of one of the people around a matter or
// a contact, as their Communications list it.
type MatterThread struct {
	ContactID   int64
	ContactName string
	Role        string // "Client", or the related contact's relationship
	Texts       int
	LastAt      *time.Time
	LastBody    string
	Unread      int
}

// MatterThreads lists the text threads of a matter's client and related
// contacts: the same threads the Communications list shows, seen from the
// matter.
func (s *Store) MatterThreads(ctx context.Context, v store.Viewer, matterID int64) ([]MatterThread, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	if _, err := (&matters.Store{DB: s.DB}).Matter(ctx, v, matterID); err != nil {
		return nil, err
	}
	return s.threads(ctx, v, matters.PeopleSQL, map[string]any{"firm": v.FirmID, "matters": []int64{matterID}})
}

// threads summarises the text thread of each person that people (SQL with
// contact_id, role and ord, over the named args, to which firm and user
// are added) lists, by ord then name.
func (s *Store) threads(ctx context.Context, v store.Viewer, people string, args map[string]any) ([]MatterThread, error) {
	args["firm"], args["user"] = v.FirmID, v.UserID
	var out []MatterThread
	err := s.DB.WithContext(ctx).Raw(`WITH people AS (`+people+`)
		SELECT p.contact_id, `+store.ContactNameSQL+` AS contact_name, p.role,
			(SELECT count(*) FROM text_messages m WHERE m.firm_id = @firm AND m.contact_id = p.contact_id) AS texts,
			l.created_at AS last_at, coalesce(l.body, '') AS last_body,
			(SELECT count(*) FROM text_messages u WHERE u.firm_id = @firm AND u.contact_id = p.contact_id
				AND u.direction = 'in' AND u.id > coalesce(r.last_read_message_id, 0)) AS unread
		FROM people p JOIN contacts c ON c.firm_id = @firm AND c.id = p.contact_id
		LEFT JOIN LATERAL (SELECT body, created_at FROM text_messages m WHERE m.firm_id = @firm AND m.contact_id = p.contact_id
			ORDER BY m.created_at DESC, m.id DESC LIMIT 1) l ON true
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = p.contact_id
		ORDER BY p.ord, lower(`+store.ContactNameSQL+`)`, args).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list text threads: %w", err)
	}
	return out, nil
}
