package db_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestEnsureDatabaseCreatesMissingOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	name := fmt.Sprintf("parley_t_ensure_%d", time.Now().UnixNano())
	u, err := url.Parse(testkit.AdminURL())
	require.NoError(t, err)
	u.Path = "/" + name
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), testkit.AdminURL())
		if err == nil {
			conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			conn.Close(context.Background())
		}
	})

	require.NoError(t, db.EnsureDatabase(ctx, u.String(), testkit.Logger()))
	gdb, err := db.Open(ctx, u.String())
	require.NoError(t, err, "the database exists after EnsureDatabase")
	db.Close(gdb)
	require.NoError(t, db.EnsureDatabase(ctx, u.String(), testkit.Logger()), "a second call is a no-op")
}
