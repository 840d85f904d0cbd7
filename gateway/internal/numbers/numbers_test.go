package numbers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/testkit"
)

func addFirm(t *testing.T, gdb *gorm.DB, slug string, enabled bool, number, dialect string) int64 {
	t.Helper()
	var id int64
	require.NoError(t, gdb.Raw(`INSERT INTO firms (slug, name, texting_enabled, texting_number, texting_dialect)
		VALUES (?, ?, ?, NULLIF(?, ''), NULLIF(?, '')) RETURNING id`, slug, slug, enabled, number, dialect).Scan(&id).Error)
	return id
}

func TestLookup(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	tw := addFirm(t, gdb, "twilio-firm", true, "+18885550100", "twilio")
	tx := addFirm(t, gdb, "telnyx-firm", true, "+18335550199", "telnyx")
	addFirm(t, gdb, "off-firm", false, "+18885550101", "twilio")
	addFirm(t, gdb, "no-number", true, "", "")

	r := numbers.New(gdb, numbers.Secrets{sms.Twilio: "token", sms.Telnyx: "pubkey"}, testkit.Logger())
	_, ok := r.Lookup("+18885550100", sms.Twilio)
	require.False(t, ok, "nothing before Load")
	require.NoError(t, r.Load(context.Background()))

	e, ok := r.Lookup("+18885550100", sms.Twilio)
	require.True(t, ok)
	require.Equal(t, numbers.Entry{FirmID: tw, Dialect: sms.Twilio}, e)
	e, ok = r.Lookup("+18335550199", sms.Telnyx)
	require.True(t, ok)
	require.Equal(t, numbers.Entry{FirmID: tx, Dialect: sms.Telnyx}, e)

	_, ok = r.Lookup("+18335550199", sms.Twilio)
	require.False(t, ok, "a Telnyx number posted to the Twilio route is unknown there")
	_, ok = r.Lookup("+18885550101", sms.Twilio)
	require.False(t, ok, "texting turned off")
	_, ok = r.Lookup("+19995550100", sms.Twilio)
	require.False(t, ok)
}

func TestNumberWithoutCredentialsIsUnknown(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	addFirm(t, gdb, "twilio-firm", true, "+18885550100", "twilio")
	addFirm(t, gdb, "telnyx-firm", true, "+18335550199", "telnyx")
	r := numbers.New(gdb, numbers.Secrets{sms.Twilio: "token"}, testkit.Logger())
	require.NoError(t, r.Load(context.Background()))
	_, ok := r.Lookup("+18335550199", sms.Telnyx)
	require.False(t, ok)
	_, ok = r.Secret(sms.Telnyx)
	require.False(t, ok)
	_, ok = r.Lookup("+18885550100", sms.Twilio)
	require.True(t, ok)
}

func TestRunPicksUpChangesAndSurvivesAnOutage(t *testing.T) {
	t.Parallel()
	url := testkit.DatabaseURL(t)
	gdb := testkit.DBAt(t, url)
	addFirm(t, gdb, "first", true, "+18885550100", "twilio")
	r := numbers.New(gdb, numbers.Secrets{sms.Twilio: "token"}, testkit.Logger())
	require.NoError(t, r.Load(context.Background()))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, 10*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })

	second := addFirm(t, gdb, "second", true, "+18885550102", "twilio")
	require.Eventually(t, func() bool {
		e, ok := r.Lookup("+18885550102", sms.Twilio)
		return ok && e.FirmID == second
	}, 10*time.Second, 10*time.Millisecond)

	require.NoError(t, gdb.Exec(`UPDATE firms SET texting_enabled = false WHERE slug = 'first'`).Error)
	require.Eventually(t, func() bool {
		_, ok := r.Lookup("+18885550100", sms.Twilio)
		return !ok
	}, 10*time.Second, 10*time.Millisecond)

	// Postgres gone after a good load: lookups keep the last good map.
	other := testkit.DBAt(t, url)
	r2 := numbers.New(other, numbers.Secrets{sms.Twilio: "token"}, testkit.Logger())
	require.NoError(t, r2.Load(context.Background()))
	sqlDB, err := other.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	require.Error(t, r2.Load(context.Background()))
	e, ok := r2.Lookup("+18885550102", sms.Twilio)
	require.True(t, ok)
	require.Equal(t, second, e.FirmID)
}
