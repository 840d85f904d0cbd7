package texting

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

// TextBadge is the viewer's count of unread inbound texts, and whether to
// show it at all (texting on and the badge not turned off), in one query:
// the nav asks for it every few seconds. The firm's count of inbound texts
// and the user's count of those read are kept as texts are stored and
// threads read, so the count is one subtraction, however many texts there are.
// An administrator's badge also counts the open enquiries (see Enquiries).
func (s *Store) TextBadge(ctx context.Context, v store.Viewer) (show bool, unread, enquiries int, err error) {
	if err := store.FirmUser(v); err != nil {
		return false, 0, 0, err
	}
	var row struct {
		Show   bool
		Unread int
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT (u.text_badge AND f.texting_enabled) AS show,
		greatest(coalesce((SELECT inbound FROM text_totals WHERE firm_id = f.id), 0)
			- coalesce((SELECT read FROM text_read_totals WHERE user_id = u.id), 0), 0) AS unread
		FROM users u JOIN firms f ON f.id = u.firm_id WHERE u.firm_id = ? AND u.id = ?`, v.FirmID, v.UserID).
		Take(&row).Error
	if err != nil {
		return false, 0, 0, store.NotFound(err, "text badge")
	}
	if !row.Show {
		return false, 0, 0, nil
	}
	if v.Admin {
		if enquiries, err = s.enquiryCount(ctx, v); err != nil {
			return false, 0, 0, err
		}
	}
	return true, row.Unread, enquiries, nil
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

// Conversations lists the firm's text threads, newest activity first, a
// page at a time (after is the cursor of the page before), from the thread
// summaries: a page reads its rows and nothing else.
func (s *Store) Conversations(ctx context.Context, v store.Viewer, after string) (store.Page[Conversation], error) {
	if err := store.FirmUser(v); err != nil {
		return store.Page[Conversation]{}, err
	}
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(after, &at, &id); err != nil {
		return store.Page[Conversation]{}, err
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT t.contact_id, `+store.ContactNameSQL+`, m.body, m.direction, m.status,
			t.last_at, greatest(t.inbound - coalesce(r.read_inbound, 0), 0)
		FROM text_threads t
		JOIN contacts c ON c.id = t.contact_id
		JOIN text_messages m ON m.id = t.last_text_id
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = t.contact_id
		WHERE t.firm_id = @firm AND (t.last_at, t.contact_id) < (@at, @id)
		ORDER BY t.last_at DESC, t.contact_id DESC LIMIT `+fmt.Sprint(store.PageSize+1),
		map[string]any{"firm": v.FirmID, "user": v.UserID, "at": at, "id": id},
		func(r store.Rows, c *Conversation) error {
			return r.Scan(&c.ContactID, &c.ContactName, &c.LastBody, &c.LastDirection, &c.LastStatus, &c.LastAt, &c.Unread)
		})
	if err != nil {
		return store.Page[Conversation]{}, fmt.Errorf("store: list conversations: %w", err)
	}
	return store.Trim(rows, func(c Conversation) string { return store.Cursor(c.LastAt, c.ContactID) }), nil
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

// Texts returns a page of the contact's texts, newest first (before is
// the cursor of the newer page the viewer has), each with its media.
func (s *Store) Texts(ctx context.Context, v store.Viewer, contactID int64, before string) (store.Page[TextRow], error) {
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(before, &at, &id); err != nil {
		return store.Page[TextRow]{}, err
	}
	rows, err := s.texts(ctx, v, contactID, "(m.created_at, m.id) < (?, ?)", at, id, store.PageSize+1)
	if err != nil {
		return store.Page[TextRow]{}, err
	}
	return store.Trim(rows, func(t TextRow) string { return store.Cursor(t.CreatedAt, t.ID) }), nil
}

// TextsSince returns the contact's texts from the one of cursor on, newest
// first: what an open thread shows, kept up to date as texts arrive.
func (s *Store) TextsSince(ctx context.Context, v store.Viewer, contactID int64, cursor string) ([]TextRow, error) {
	var at time.Time
	var id int64
	if _, err := store.ReadCursor(cursor, &at, &id); err != nil {
		return nil, err
	}
	return s.texts(ctx, v, contactID, "(m.created_at, m.id) >= (?, ?)", at, id, sinceLimit)
}

// sinceLimit bounds how many texts an open thread refreshes at once.
const sinceLimit = 1000

// texts reads the contact's texts that cond holds for, newest first.
func (s *Store) texts(ctx context.Context, v store.Viewer, contactID int64, cond string, at time.Time, id int64, limit int) ([]TextRow, error) {
	if _, err := s.TextContact(ctx, v, contactID); err != nil {
		return nil, err
	}
	var out []TextRow
	err := s.DB.WithContext(ctx).Table("text_messages m").
		Select(`m.*, coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.email, '') AS sent_by_name`).
		Joins("LEFT JOIN users u ON u.id = m.sent_by_user_id").
		Where("m.firm_id = ? AND m.contact_id = ? AND "+cond, v.FirmID, contactID, at, id).
		Order("m.created_at DESC, m.id DESC").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list texts: %w", err)
	}
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
// unread). It never moves backwards. It counts the inbound texts newly
// read into the thread's read mark and the user's total, which the unread
// counts subtract from the thread's and the firm's.
func (s *Store) MarkThreadRead(ctx context.Context, v store.Viewer, contactID, upTo int64) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	if upTo <= 0 {
		return nil
	}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO text_thread_reads (firm_id, user_id, contact_id)
			SELECT ?, ?, c.id FROM contacts c WHERE c.firm_id = ? AND c.id = ?
			ON CONFLICT (user_id, contact_id) DO NOTHING`, v.FirmID, v.UserID, v.FirmID, contactID).Error
		if err != nil {
			return err
		}
		var mark []struct{ LastReadMessageID, ReadInbound int64 }
		err = tx.Raw(`SELECT last_read_message_id, read_inbound FROM text_thread_reads
			WHERE user_id = ? AND contact_id = ? FOR UPDATE`, v.UserID, contactID).Scan(&mark).Error
		if err != nil || len(mark) == 0 || mark[0].LastReadMessageID >= upTo {
			return err // no such contact, or read that far already
		}
		var newly int64
		err = tx.Raw(`SELECT count(*) FROM text_messages WHERE firm_id = ? AND contact_id = ? AND direction = 'in'
			AND id > ? AND id <= ?`, v.FirmID, contactID, mark[0].LastReadMessageID, upTo).Scan(&newly).Error
		if err != nil {
			return err
		}
		err = tx.Exec(`UPDATE text_thread_reads SET last_read_message_id = ?, read_inbound = read_inbound + ?, updated_at = now()
			WHERE user_id = ? AND contact_id = ?`, upTo, newly, v.UserID, contactID).Error
		if err != nil || newly == 0 {
			return err
		}
		return tx.Exec(`INSERT INTO text_read_totals (user_id, firm_id, read) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET read = text_read_totals.read + excluded.read, updated_at = now()`, v.UserID, v.FirmID, newly).Error
	})
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
// are added) lists, by ord then name, from the thread summaries.
func (s *Store) threads(ctx context.Context, v store.Viewer, people string, args map[string]any) ([]MatterThread, error) {
	args["firm"], args["user"] = v.FirmID, v.UserID
	var out []MatterThread
	err := s.DB.WithContext(ctx).Raw(`WITH people AS (`+people+`)
		SELECT p.contact_id, `+store.ContactNameSQL+` AS contact_name, p.role,
			coalesce(t.texts, 0) AS texts, t.last_at, coalesce(l.body, '') AS last_body,
			greatest(coalesce(t.inbound, 0) - coalesce(r.read_inbound, 0), 0) AS unread
		FROM people p JOIN contacts c ON c.firm_id = @firm AND c.id = p.contact_id
		LEFT JOIN text_threads t ON t.contact_id = p.contact_id
		LEFT JOIN text_messages l ON l.id = t.last_text_id
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = p.contact_id
		ORDER BY p.ord, lower(`+store.ContactNameSQL+`)`, args).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list text threads: %w", err)
	}
	return out, nil
}
