package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/notes"
)

func TestCheckNote(t *testing.T) {
	for _, tc := range []struct {
		name, subject, body, field string
	}{
		{"a body alone", "", "Called the adjuster.", ""},
		{"no body", "Call", " \n ", "body"},
		{"a long subject", strings.Repeat("s", 201), "x", "subject"},
		{"a long body", "", strings.Repeat("b", 20_001), "body"},
	} {
		_, _, bad := notes.Check(tc.subject, tc.body)
		if tc.field == "" {
			assert.Empty(t, bad, tc.name)
		} else {
			assert.Contains(t, bad, tc.field, tc.name)
		}
	}
	subject, body, _ := notes.Check("  Call   back ", "line one\r\nline two  ")
	assert.Equal(t, "Call back", subject)
	assert.Equal(t, "line one\nline two", body)
}

func TestNotes(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ns := d.s.Notes
	onMatter, onContact := notes.On{MatterID: d.matterID}, notes.On{ContactID: d.related.ID}

	// Newest first, a page at a time, on the matter or the contact only.
	before, err := ns.List(ctx, d.member, onMatter, "")
	require.NoError(t, err)
	for i := range 55 {
		_, err := ns.Add(ctx, d.member, onMatter, "", fmt.Sprintf("note %d", i))
		require.NoError(t, err)
	}
	mine, err := ns.Add(ctx, d.member, onContact, "Spouse", "Prefers email.")
	require.NoError(t, err)
	first, err := ns.List(ctx, d.member, onMatter, "")
	require.NoError(t, err)
	require.Len(t, first.Items, store.PageSize)
	assert.Equal(t, "note 54", first.Items[0].Body)
	assert.Equal(t, "Pat Paralegal", first.Items[0].AuthorName)
	second, err := ns.List(ctx, d.member, onMatter, first.Next)
	require.NoError(t, err)
	assert.Len(t, second.Items, 55+len(before.Items)-store.PageSize)
	assert.Empty(t, second.Next)
	assert.Equal(t, "note 4", second.Items[0].Body)
	page, err := ns.List(ctx, d.admin, onContact, "")
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	_, err = ns.Add(ctx, d.member, onMatter, "", " ")
	var fe store.FieldErrors
	require.ErrorAs(t, err, &fe)

	// Edit own only; delete own, or any as an admin.
	assert.ErrorIs(t, ns.Update(ctx, d.admin, mine.ID, "", "Overwritten"), store.ErrForbidden)
	require.NoError(t, ns.Update(ctx, d.member, mine.ID, "Spouse", "Prefers texts."))
	got, err := ns.Note(ctx, d.admin, mine.ID)
	require.NoError(t, err)
	assert.Equal(t, "Prefers texts.", got.Body)
	adminNote, err := ns.Add(ctx, d.admin, onContact, "", "Conflict check done.")
	require.NoError(t, err)
	_, err = ns.Delete(ctx, d.member, adminNote.ID)
	assert.ErrorIs(t, err, store.ErrForbidden)
	_, err = ns.Delete(ctx, d.admin, mine.ID)
	require.NoError(t, err)

	// Other firms, clients, and members left off a restricted matter see
	// nothing.
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	for _, v := range []store.Viewer{d.otherFirmAdmin, client} {
		_, err := ns.List(ctx, v, onMatter, "")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = ns.Add(ctx, v, onContact, "", "x")
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = ns.Note(ctx, v, adminNote.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
		_, err = ns.Delete(ctx, v, adminNote.ID)
		assert.ErrorIs(t, err, store.ErrNotFound)
	}
	require.NoError(t, d.db.Model(&models.Matter{}).Where("id = ?", d.matterID).Update("permission", models.PermissionUsers).Error)
	_, err = ns.List(ctx, d.member, onMatter, "")
	assert.ErrorIs(t, err, store.ErrNotFound, "a matter's notes follow its permissions")
	assert.ErrorIs(t, ns.Update(ctx, d.member, first.Items[0].ID, "", "x"), store.ErrNotFound)
	_, err = ns.List(ctx, d.admin, onMatter, "")
	assert.NoError(t, err)
}
