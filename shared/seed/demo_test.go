package seed_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)

	count := func() map[string]int64 {
		out := map[string]int64{}
		for _, table := range []string{"firms", "users", "contacts", "contact_emails", "contact_phone_numbers", "matters", "matter_related_contacts", "folders", "documents", "notes"} {
			var n int64
			require.NoError(t, gdb.Table(table).Count(&n).Error)
			out[table] = n
		}
		return out
	}

	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	first := count()
	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	assert.Equal(t, first, count(), "a second run adds nothing")
	assert.Equal(t, int64(1), first["firms"])
	assert.Equal(t, int64(2), first["users"])

	var client models.Contact
	require.NoError(t, gdb.Preload("PhoneNumbers").Preload("Emails").
		Joins("JOIN contact_emails e ON e.contact_id = contacts.id AND e.address = ?", seed.DemoClientEmail).
		Take(&client).Error)
	num, ok := client.TextingNumber()
	require.True(t, ok)
	assert.Equal(t, seed.DemoClientPhone, num.Number)

	var docs []models.Document
	require.NoError(t, gdb.Order("id").Find(&docs).Error)
	require.Len(t, docs, 2)
	assert.True(t, docs[0].SharedWithClient)
	assert.Equal(t, "application/pdf", docs[0].MIMEType)
	assert.False(t, docs[1].SharedWithClient)
	for _, d := range docs {
		r, err := store.Open(ctx, d.StorageKey)
		require.NoError(t, err)
		b, err := io.ReadAll(r)
		r.Close()
		require.NoError(t, err)
		assert.Len(t, b, int(d.SizeBytes))
	}
}
