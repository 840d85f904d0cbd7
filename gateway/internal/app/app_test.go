package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/gateway/internal/app"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestRefusesSchemaBehind(t *testing.T) {
	t.Parallel()
	url := testkit.EmptyDatabaseURL(t)
	cfg, err := config.Parse(func(k string) (string, bool) {
		if k == "DATABASE_URL" {
			return url, true
		}
		return "", false
	})
	require.NoError(t, err)
	require.ErrorIs(t, app.Run(context.Background(), cfg, testkit.Logger()), db.ErrSchemaBehind)
}
