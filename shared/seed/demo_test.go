package seed_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
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

func TestDemoWithTextingTurnsTextingOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	pool := []config.PoolNumber{{Dialect: "twilio", Number: "+18885550100"}, {Dialect: "telnyx", Number: "+18335550199"}}

	require.NoError(t, seed.DemoWithTexting(ctx, gdb, store, testkit.Logger(), pool))
	firm := demoFirm(t, gdb)
	assert.True(t, firm.TextingEnabled)
	require.NotNil(t, firm.TextingNumber)
	require.NotNil(t, firm.TextingDialect)
	assert.Equal(t, "+18885550100", *firm.TextingNumber)
	assert.Equal(t, "twilio", *firm.TextingDialect)
	assert.Equal(t, seed.DemoTextingAltEmail, firm.TextingAltEmail)
	assert.Equal(t, seed.DemoTextingAltPhone, firm.TextingAltPhone)

	// A re-run keeps the number, even with another pool.
	require.NoError(t, seed.DemoWithTexting(ctx, gdb, store, testkit.Logger(), pool[1:]))
	again := demoFirm(t, gdb)
	assert.Equal(t, firm.FirmTexting, again.FirmTexting)
}

func TestDemoWithTextingOnExistingFirm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)

	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	assert.False(t, demoFirm(t, gdb).TextingEnabled, "no pool, no texting")

	// Another firm already holds the first pool number: the next one is used.
	other := models.Firm{Slug: "other", Name: "Other LLP", TimeZone: "UTC"}
	require.NoError(t, gdb.Create(&other).Error)
	require.NoError(t, gdb.Model(&other).Update("texting_number", "+18885550100").Error)

	pool := []config.PoolNumber{{Dialect: "twilio", Number: "+18885550100"}, {Dialect: "twilio", Number: "+18885550101"}}
	require.NoError(t, seed.DemoWithTexting(ctx, gdb, store, testkit.Logger(), pool))
	firm := demoFirm(t, gdb)
	assert.True(t, firm.TextingEnabled)
	require.NotNil(t, firm.TextingNumber)
	assert.Equal(t, "+18885550101", *firm.TextingNumber)

	var n int64
	require.NoError(t, gdb.Model(&models.Firm{}).Where("slug = ?", seed.DemoFirmSlug).Count(&n).Error)
	assert.Equal(t, int64(1), n)
}

func demoFirm(t *testing.T, gdb *gorm.DB) models.Firm {
	t.Helper()
	var f models.Firm
	require.NoError(t, gdb.Where("slug = ?", seed.DemoFirmSlug).Take(&f).Error)
	return f
}

func TestDemoZone(t *testing.T) {
	t.Setenv("TZ", "Europe/Paris")
	assert.Equal(t, "Europe/Paris", seed.DemoZone())
	t.Setenv("TZ", ":America/Chicago")
	assert.Equal(t, "America/Chicago", seed.DemoZone())
	t.Setenv("TZ", "Not/AZone")
	assert.Equal(t, "America/Los_Angeles", seed.DemoZone(), "an unknown name falls back")
}
