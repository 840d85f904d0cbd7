package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestMigrateFromEmptyAndAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, err := db.Open(ctx, testkit.EmptyDatabaseURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close(gdb) })

	require.ErrorIs(t, db.CheckSchema(ctx, gdb), db.ErrSchemaBehind, "an empty database is behind")

	require.NoError(t, db.Migrate(ctx, gdb, testkit.Logger()))
	require.NoError(t, db.CheckSchema(ctx, gdb))

	var tables []string
	require.NoError(t, gdb.Raw(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY 1`).Scan(&tables).Error)
	assert.Contains(t, tables, "matters")
	assert.Contains(t, tables, "documents")

	// Every table is scoped to a firm and carries timestamps, but the
	// firms themselves and the keys the installation's OAuth server signs
	// with.
	for _, table := range tables {
		var cols []string
		require.NoError(t, gdb.Raw(`SELECT column_name FROM information_schema.columns
			WHERE table_schema = 'public' AND table_name = ?`, table).Scan(&cols).Error)
		if table != "firms" && table != "installation_keys" {
			assert.Contains(t, cols, "firm_id", table)
		}
		assert.Contains(t, cols, "created_at", table)
		assert.Contains(t, cols, "updated_at", table)
	}

	// Re-running on a migrated database applies nothing and does not fail.
	require.NoError(t, db.Migrate(ctx, gdb, testkit.Logger()))
	require.NoError(t, db.CheckSchema(ctx, gdb))
}

// Every pool runs a page's small queries without parallel workers or JIT
// compilation, whose start-up costs more than such a query.
func TestPoolSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, err := db.Open(ctx, testkit.EmptyDatabaseURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close(gdb) })
	for name, want := range map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0"} {
		var got string
		require.NoError(t, gdb.Raw("SELECT current_setting(?)", name).Scan(&got).Error)
		assert.Equal(t, want, got, name)
	}
}
