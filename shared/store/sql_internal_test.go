package store

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// NamedArgs caches pgx's rewriting; what it sends must be what pgx would.
func TestNamedArgsRewriteAsPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := "SELECT @b, @a, @b, '@a' FROM t WHERE x = @c -- @a"
	for _, args := range []map[string]any{
		{"a": 1, "b": "two", "c": int64(3)},
		{"a": 4, "b": "five", "c": nil},
		{"a": 6, "b": "seven"}, // c missing: NULL, as pgx does
	} {
		for range 2 { // the second time from the cache
			wantSQL, wantArgs, err := pgx.NamedArgs(args).RewriteQuery(ctx, nil, q, nil)
			require.NoError(t, err)
			gotSQL, gotArgs, err := NamedArgs(args).RewriteQuery(ctx, nil, q, nil)
			require.NoError(t, err)
			assert.Equal(t, wantSQL, gotSQL)
			assert.Equal(t, wantArgs, gotArgs)
		}
	}
}
