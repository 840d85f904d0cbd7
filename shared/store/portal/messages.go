// Package portal owns what passes between a firm and its clients in the
// portal: secure messages (portal_messages) and the notices that tell a
// client by email that something new is waiting (client_notices).
package portal

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/matters"
)

// Store reads and writes messages and notices.
type Store struct {
	DB *gorm.DB
}

func (s *Store) matters() *matters.Store { return &matters.Store{DB: s.DB} }

// MessageRow is a message with its author's name (for a client viewer,
// only firm users' names) and whether it is new to the viewer (unread when
// the page was loaded). Of the PortalMessage it
// holds only what the matter pages show (ID, the author IDs, Body, ReadAt,
// CreatedAt), as each column more costs every row of a page.
type MessageRow struct {
	models.PortalMessage
	AuthorName string
	New        bool `gorm:"-"`
}

// Messages lists a page of a matter's messages, newest first (before is
// the cursor of the newer page the viewer has), and marks as read those
// the other side wrote: the read receipt the firm sees, and the "new" mark
// the viewer sees once.
func (s *Store) Messages(ctx context.Context, v store.Viewer, matterID int64, before string) (store.Page[MessageRow], error) {
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return store.Page[MessageRow]{}, err
	}
	args := store.ViewerArgs(v, matterID)
	if err := PageArgs(args, before); err != nil {
		return store.Page[MessageRow]{}, err
	}
	out, err := store.QueryAll(ctx, s.DB, MessagesQuery(v), args, ScanMessage)
	if err != nil {
		return store.Page[MessageRow]{}, fmt.Errorf("store: list messages: %w", err)
	}
	p := MessagePage(out)
	return p, s.MarkRead(ctx, v, matterID, p.Items)
}

// PageArgs adds to args where a page of messages starts (before, a cursor;
// "" for the newest).
func PageArgs(args map[string]any, before string) error {
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(before, &at, &id); err != nil {
		return err
	}
	args["msg_at"], args["msg_id"] = at, id
	return nil
}

// MessagePage is the page MessagesQuery's rows make.
func MessagePage(rows []MessageRow) store.Page[MessageRow] {
	return store.Trim(rows, func(m MessageRow) string { return store.Cursor(m.CreatedAt, m.ID) })
}

// MessagesQuery lists a page of the messages of @matter, newest first from
// (@msg_at, @msg_id): none unless v may see the matter (args:
// store.ViewerArgs and PageArgs).
// A client's page shows the client's side as "You", so for a client the
// contact authors' names are not joined: that join was a tenth of the query.
// The page is cut before the joins: a prepared statement's generic plan,
// which cannot know that one matter holds thousands of messages, otherwise
// joined all of them and sorted (3 ms against 0.3 ms).
func MessagesQuery(v store.Viewer) string {
	name, contacts := `coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), '')`, ""
	if !v.IsClient() {
		name = `coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''),
			nullif(btrim(c.first_name || ' ' || c.last_name), ''), c.company_name, '')`
		contacts = " LEFT JOIN contacts c ON c.id = m.author_contact_id"
	}
	return `SELECT m.id, m.author_user_id, m.author_contact_id, m.body, m.read_at, m.created_at, ` + name + `
	FROM (SELECT id, matter_id, author_user_id, author_contact_id, body, read_at, created_at FROM portal_messages
		WHERE firm_id = @firm AND matter_id = @matter AND (created_at, id) < (@msg_at, @msg_id)
		ORDER BY created_at DESC, id DESC LIMIT ` + fmt.Sprint(store.PageSize+1) + `) m
	JOIN matters ON matters.id = m.matter_id
	LEFT JOIN users u ON u.id = m.author_user_id` + contacts + `
	WHERE ` + store.MatterRule(v) + `
	ORDER BY m.created_at DESC, m.id DESC`
}

func ScanMessage(r store.Rows, m *MessageRow) error {
	return r.Scan(&m.ID, &m.AuthorUserID, &m.AuthorContactID, &m.Body, &m.ReadAt, &m.CreatedAt, &m.AuthorName)
}

// MarkRead marks New the messages of msgs that the other side wrote and v
// has not read, and records them read. A page view with nothing unread
// writes nothing.
func (s *Store) MarkRead(ctx context.Context, v store.Viewer, matterID int64, msgs []MessageRow) error {
	unread := false
	for i := range msgs {
		m := &msgs[i]
		if m.ReadAt == nil && m.FromClient() != v.IsClient() {
			m.New, unread = true, true
		}
	}
	if !unread {
		return nil
	}
	q := s.DB.WithContext(ctx).Model(&models.PortalMessage{}).
		Where("firm_id = ? AND matter_id = ? AND read_at IS NULL", v.FirmID, matterID)
	updates := map[string]any{"read_at": time.Now()}
	if v.IsClient() {
		q = q.Where("author_user_id IS NOT NULL")
	} else {
		q = q.Where("author_contact_id IS NOT NULL")
		updates["read_by_user_id"] = v.UserID
	}
	if err := q.Updates(updates).Error; err != nil {
		return fmt.Errorf("store: mark messages read: %w", err)
	}
	return nil
}

// AddMessage posts a message on a matter v may see.
func (s *Store) AddMessage(ctx context.Context, v store.Viewer, matterID int64, body string) (models.PortalMessage, error) {
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return models.PortalMessage{}, err
	}
	m, err := AddMessageTx(s.DB.WithContext(ctx), v, matterID, body)
	if err != nil {
		return m, fmt.Errorf("store: add message: %w", err)
	}
	return m, nil
}

// AddMessageTx posts a message in the caller's transaction, on a matter
// the caller has checked v may see.
func AddMessageTx(tx *gorm.DB, v store.Viewer, matterID int64, body string) (models.PortalMessage, error) {
	m := models.PortalMessage{FirmID: v.FirmID, MatterID: matterID, Body: body}
	if v.IsClient() {
		m.AuthorContactID = &v.ContactID
	} else {
		m.AuthorUserID = &v.UserID
	}
	if err := tx.Create(&m).Error; err != nil {
		return m, fmt.Errorf("create message: %w", err)
	}
	return m, nil
}

// Notice is an item a client will hear about: what it is (kind
// "document" or "message"), its line in the email, and the item itself
// (one of the IDs).
type Notice struct {
	Kind, Summary                   string
	DocumentID, MessageID, FolderID int64
}

// AddClientNotice records an item the matter's client will hear about, if
// the client has portal access. It reports the contact to notify.
func (s *Store) AddClientNotice(ctx context.Context, v store.Viewer, m matters.Row, notice Notice) (int64, bool, error) {
	var invited bool
	err := s.DB.WithContext(ctx).Raw(`SELECT portal_invited_at IS NOT NULL FROM contacts WHERE firm_id = ? AND id = ?`,
		v.FirmID, m.ClientContactID).Scan(&invited).Error
	if err != nil {
		return 0, false, fmt.Errorf("store: client access: %w", err)
	}
	if !invited {
		return 0, false, nil
	}
	n := models.ClientNotice{FirmID: v.FirmID, ContactID: m.ClientContactID, MatterID: m.ID, Kind: notice.Kind, Summary: notice.Summary,
		DocumentID: idOrNil(notice.DocumentID), MessageID: idOrNil(notice.MessageID), FolderID: idOrNil(notice.FolderID)}
	if err := s.DB.WithContext(ctx).Create(&n).Error; err != nil {
		return 0, false, fmt.Errorf("store: add notice: %w", err)
	}
	return m.ClientContactID, true, nil
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
