package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/store/oauth"
	"github.com/parleyhq/parley/shared/testkit"
)

// Portals starting at once agree on the installation's keys: the first
// to make one wins, and every later ask reads it.
func TestInstallationKeyMadeOnce(t *testing.T) {
	t.Parallel()
	s := &oauth.Store{DB: testkit.DB(t)}
	ctx := context.Background()
	got := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := s.Key(ctx, "test_key", func() ([]byte, error) { return []byte{byte(i)}, nil })
			assert.NoError(t, err)
			got[i] = k
		}()
	}
	wg.Wait()
	for _, k := range got {
		require.Len(t, k, 1)
		assert.Equal(t, got[0], k, "one key for every portal")
	}
	again, err := s.Key(ctx, "test_key", func() ([]byte, error) { return []byte("other"), nil })
	require.NoError(t, err)
	assert.Equal(t, got[0], again)
}

// Redirect URIs: https anywhere, http only on the machine itself, no
// fragment; at least one and at most ten.
func TestCheckOAuthApp(t *testing.T) {
	for _, tc := range []struct {
		name, uris string
		bad        bool
	}{
		{"https", "https://intake.example/callback", false},
		{"localhost", "http://localhost:3000/cb\nhttp://127.0.0.1/cb", false},
		{"plain http", "http://intake.example/cb", true},
		{"a fragment", "https://intake.example/cb#x", true},
		{"relative", "/callback", true},
		{"none", "  \n ", true},
		{"eleven", "https://a.example/1\nhttps://a.example/2\nhttps://a.example/3\nhttps://a.example/4\nhttps://a.example/5\nhttps://a.example/6\nhttps://a.example/7\nhttps://a.example/8\nhttps://a.example/9\nhttps://a.example/10\nhttps://a.example/11", true},
	} {
		_, _, bad := oauth.CheckApp("Intake", tc.uris)
		assert.Equal(t, tc.bad, bad["redirect_uris"] != "", tc.name)
	}
	_, _, bad := oauth.CheckApp("  ", "https://a.example")
	assert.Contains(t, bad, "name")
}
