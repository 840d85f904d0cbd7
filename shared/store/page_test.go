package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
)

// MatterPage reads its lists in the same round trip as the access check;
// each list query also applies the rule itself, so no ordering mistake in
// Go could show a matter's rows to someone who may not see it.
func TestMatterPageListsCheckAccessThemselves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t)
	require.NoError(t, d.db.Create(&models.PortalMessage{FirmID: d.firm.ID, MatterID: d.matterID, AuthorUserID: &d.admin.UserID, Body: "Hello"}).Error)
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}

	p, err := d.s.Pages.Matter(ctx, client, d.matterID)
	require.NoError(t, err)
	require.NotEmpty(t, p.Documents)
	require.NotEmpty(t, p.Messages)
	docs, folders, msgs, err := pageListsAlone(ctx, d.db, client, d.matterID)
	require.NoError(t, err)
	assert.Equal(t, []int{len(p.Documents), len(p.Folders), len(p.Messages)}, []int{docs, folders, msgs})

	for name, v := range map[string]store.Viewer{
		"another contact of the firm":    {FirmID: d.firm.ID, ContactID: d.related.ID},
		"another firm's admin":           d.otherFirmAdmin,
		"the client, under another firm": {FirmID: d.otherFirmAdmin.FirmID, ContactID: d.client.ID},
	} {
		_, err := d.s.Pages.Matter(ctx, v, d.matterID)
		assert.ErrorIs(t, err, db.ErrNotFound, name)
		docs, folders, msgs, err := pageListsAlone(ctx, d.db, v, d.matterID)
		require.NoError(t, err, name)
		assert.Equal(t, []int{0, 0, 0}, []int{docs, folders, msgs}, name)
	}
}

// The firm reads who wrote each message; the client, whose own messages
// its page shows as "You", reads the firm's authors' names.
func TestMatterPageAuthorNames(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t)
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	_, err := d.s.Portal.AddMessage(ctx, d.admin, d.matterID, "From the firm")
	require.NoError(t, err)
	_, err = d.s.Portal.AddMessage(ctx, client, d.matterID, "From the client")
	require.NoError(t, err)
	var admin models.User
	require.NoError(t, d.db.Take(&admin, d.admin.UserID).Error)
	adminName := admin.FirstName + " " + admin.LastName

	authors := func(v store.Viewer) map[string]string {
		p, err := d.s.Pages.Matter(ctx, v, d.matterID)
		require.NoError(t, err)
		out := map[string]string{}
		for _, m := range p.Messages {
			out[m.Body] = m.AuthorName
		}
		return out
	}
	firm := authors(d.admin)
	assert.Equal(t, adminName, firm["From the firm"])
	assert.Equal(t, d.client.FirstName+" "+d.client.LastName, firm["From the client"])
	assert.Equal(t, adminName, authors(client)["From the firm"])
}

// A matter in a list counts the other side's unread messages: the
// client's for the firm, the firm's for the client, until read.
func TestMatterListUnread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDemo(t)
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	unread := func(v store.Viewer) int {
		page, err := d.s.Matters.List(ctx, v, matters.Filter{}, "")
		require.NoError(t, err)
		for _, m := range page.Items {
			if m.ID == d.matterID {
				return m.Unread
			}
		}
		t.Fatalf("matter %d is not listed", d.matterID)
		return 0
	}
	firm0, client0 := unread(d.admin), unread(client)
	for range 2 {
		_, err := d.s.Portal.AddMessage(ctx, client, d.matterID, "From the client")
		require.NoError(t, err)
	}
	_, err := d.s.Portal.AddMessage(ctx, d.admin, d.matterID, "From the firm")
	require.NoError(t, err)
	assert.Equal(t, firm0+2, unread(d.admin))
	assert.Equal(t, firm0+2, unread(d.member))
	assert.Equal(t, client0+1, unread(client))

	// The client reads the firm's message: only theirs change.
	p, err := d.s.Pages.Matter(ctx, client, d.matterID)
	require.NoError(t, err)
	require.NoError(t, d.s.Portal.MarkRead(ctx, client, d.matterID, p.Messages))
	assert.Equal(t, 0, unread(client))
	assert.Equal(t, firm0+2, unread(d.admin))
}

// pageListsAlone runs the matter page's three list queries without the
// matter check that guards them in pages.Matter, to test the access rule
// each holds by itself. It returns how many rows each gave.
func pageListsAlone(ctx context.Context, gdb *gorm.DB, v store.Viewer, matterID int64) (docs, folders, messages int, err error) {
	args := store.ViewerArgs(v, matterID)
	if err := documents.PageArgs(args, "", 0); err != nil {
		return 0, 0, 0, err
	}
	if err := portal.PageArgs(args, ""); err != nil {
		return 0, 0, 0, err
	}
	d, err := store.QueryAll(ctx, gdb, documents.DocumentsQuery(v, false), args, documents.ScanDocument)
	if err != nil {
		return 0, 0, 0, err
	}
	f, err := store.QueryAll(ctx, gdb, documents.FoldersQuery(v), args, documents.ScanFolder)
	if err != nil {
		return 0, 0, 0, err
	}
	m, err := store.QueryAll(ctx, gdb, portal.MessagesQuery(v), args, portal.ScanMessage)
	return len(d), len(f), len(m), err
}
