package db_test

import (
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/testkit"
)

// parley_ulid (migration 00019) makes ULIDs another implementation reads
// back, carrying the time they were made, never the same twice.
func TestParleyULID(t *testing.T) {
	t.Parallel()
	gdb := testkit.DBAt(t, testkit.DatabaseURL(t))
	before := time.Now().Add(-time.Second)
	var made []string
	require.NoError(t, gdb.Raw(`SELECT parley_ulid() FROM generate_series(1, 5000)`).Scan(&made).Error)
	after := time.Now().Add(time.Second)
	seen := make(map[string]bool, len(made))
	for _, s := range made {
		id, err := ulid.ParseStrict(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, id.String(), "upper-case Crockford base 32")
		at := ulid.Time(id.Time())
		assert.True(t, at.After(before) && at.Before(after), "%s was made at %s", s, at)
		assert.False(t, seen[s], "%s twice", s)
		seen[s] = true
	}
}
