// Package pages reads what one page shows across several stores, in as few
// round trips as it can. It writes nothing of its own.
package pages

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/customactions"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/store/texting"
)

// Store reads pages.
type Store struct {
	DB *gorm.DB
}

// Matter is what a matter's page shows: the newest page of its documents
// and of its messages (the messages oldest first, as a conversation reads),
// with the cursors of the pages after them.
type Matter struct {
	Matter    matters.Row
	Documents []documents.DocumentRow
	Folders   []documents.FolderRow
	Messages  []portal.MessageRow
	// MoreDocuments and OlderMessages are the cursors of the next pages, "" at the end.
	MoreDocuments, OlderMessages string
}

// Matter loads a matter's page for v, and marks the other side's messages
// read as portal.Messages does. Its four queries go to Postgres in one
// round trip (a pgx batch): on this page each exchange cost more than the
// query. Every list query repeats the access rule itself, and nothing is
// returned unless the matter row came back.
func (s *Store) Matter(ctx context.Context, v store.Viewer, matterID int64) (Matter, error) {
	raw := store.ViewerArgs(v, matterID)
	_ = documents.PageArgs(raw, "", 0) // a first page reads no cursor
	_ = portal.PageArgs(raw, "")
	args := store.NamedArgs(raw)
	b := &pgx.Batch{}
	b.Queue(matters.Query(v), args)
	b.Queue(documents.DocumentsQuery(v, false), args)
	b.Queue(documents.FoldersQuery(v), args)
	b.Queue(portal.MessagesQuery(v), args)
	var p Matter
	found := false
	err := store.PgxConn(ctx, s.DB, func(conn *pgx.Conn) error {
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		rows, err := store.BatchAll(br, matters.ScanRow)
		if err != nil || len(rows) == 0 {
			return err
		}
		p.Matter, found = rows[0], true
		docs, err := store.BatchAll(br, documents.ScanDocument)
		if err != nil {
			return err
		}
		dp := documents.DocumentPage(docs)
		p.Documents, p.MoreDocuments = dp.Items, dp.Next
		if p.Folders, err = store.BatchAll(br, documents.ScanFolder); err != nil {
			return err
		}
		msgs, err := store.BatchAll(br, portal.ScanMessage)
		if err != nil {
			return err
		}
		mp := portal.MessagePage(msgs)
		p.Messages, p.OlderMessages = mp.Items, mp.Next
		slices.Reverse(p.Messages)
		return br.Close()
	})
	if err != nil {
		return Matter{}, fmt.Errorf("store: load matter page: %w", err)
	}
	if !found {
		return Matter{}, store.ErrNotFound
	}
	if err := (&portal.Store{DB: s.DB}).MarkRead(ctx, v, matterID, p.Messages); err != nil {
		return Matter{}, err
	}
	return p, nil
}

// ContactPhone is a phone number with whether it replied STOP to the
// firm's texting number.
type ContactPhone struct {
	models.ContactPhoneNumber
	OptedOut bool
}

// PortalAccess is what is known of a contact's use of the portal.
type PortalAccess struct {
	// Since is when access was turned on (the first invitation followed).
	Since        *time.Time
	LastInvited  *time.Time
	LastSignedIn *time.Time
}

// Contact is what a contact's page shows.
type Contact struct {
	Contact models.Contact
	Phones  []ContactPhone
	Matters []matters.ContactMatter
	// Threads is the contact's own text thread, then each related contact's.
	Threads []texting.MatterThread
	Portal  PortalAccess
	// Relationships are the contact's links to other contacts, both ways.
	Relationships []contacts.Relationship
	// Usage says whether the contact can be deleted or only archived.
	Usage contacts.Usage
	// CreatedBy and UpdatedBy name who made and last changed the contact;
	// Edited says it changed after it was made.
	CreatedBy, UpdatedBy string
	Edited               bool
	// Actions are integrations' links for the contact.
	Actions []models.CustomAction
}

// Related is everyone on the contact's matters but the contact.
func (p Contact) Related() []texting.MatterThread {
	if len(p.Threads) < 2 {
		return nil
	}
	return p.Threads[1:]
}

// Contact loads a contact's page for a firm user.
func (s *Store) Contact(ctx context.Context, v store.Viewer, id int64) (Contact, error) {
	var p Contact
	var err error
	if p.Contact, err = (&contacts.Store{DB: s.DB}).Contact(ctx, v, id); err != nil {
		return p, err
	}
	numbers := make([]string, len(p.Contact.PhoneNumbers))
	for i, n := range p.Contact.PhoneNumbers {
		numbers[i] = n.Number
	}
	tx := &texting.Store{DB: s.DB}
	opted, err := tx.OptedOutNumbers(ctx, v, numbers)
	if err != nil {
		return p, err
	}
	for _, n := range p.Contact.PhoneNumbers {
		p.Phones = append(p.Phones, ContactPhone{ContactPhoneNumber: n, OptedOut: opted[n.Number]})
	}
	if p.Matters, err = (&matters.Store{DB: s.DB}).OfContact(ctx, v, id); err != nil {
		return p, err
	}
	ids := make([]int64, len(p.Matters))
	for i, m := range p.Matters {
		ids[i] = m.ID
	}
	if p.Threads, err = tx.ContactThreads(ctx, v, id, ids); err != nil {
		return p, err
	}
	access, err := (&signin.Store{DB: s.DB}).PortalAccess(ctx, v.FirmID, id)
	if err != nil {
		return p, err
	}
	p.Portal = PortalAccess{Since: p.Contact.PortalInvitedAt, LastInvited: access.LastInvited, LastSignedIn: access.LastSignedIn}
	cs := &contacts.Store{DB: s.DB}
	if p.Relationships, err = cs.Relationships(ctx, v, id); err != nil {
		return p, err
	}
	if p.Usage, err = cs.Usage(ctx, v, id); err != nil {
		return p, err
	}
	names, err := (&firms.Store{DB: s.DB}).Names(ctx, v, p.Contact.CreatedByUserID, p.Contact.UpdatedByUserID)
	if err != nil {
		return p, err
	}
	p.CreatedBy, p.UpdatedBy = names.Of(p.Contact.CreatedByUserID), names.Of(p.Contact.UpdatedByUserID)
	by, made := p.Contact.UpdatedByUserID, p.Contact.CreatedByUserID
	p.Edited = by != nil && (made == nil || *by != *made || p.Contact.UpdatedAt.Sub(p.Contact.CreatedAt) > time.Second)
	p.Actions, err = (&customactions.Store{DB: s.DB}).ForPage(ctx, v, models.UIContactsShow)
	return p, err
}
