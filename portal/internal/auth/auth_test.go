package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		" Casey@Example.COM ": "casey@example.com",
		"a@b":                 "a@b",
		"no-at-sign":          "",
		"@example.com":        "",
		"casey@":              "",
		"a b@example.com":     "",
		"a@example.com, b@x":  "",
		"<a@example.com>":     "",
	} {
		assert.Equal(t, want, auth.NormalizeEmail(in), in)
	}
}

func TestConsumeRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	accts, err := auth.Accounts(ctx, gdb, seed.DemoClientEmail)
	require.NoError(t, err)
	require.Len(t, accts, 1)
	assert.Equal(t, auth.KindClient, accts[0].Kind)
	token, err := auth.NewLink(ctx, gdb, accts[0], models.PurposeLogin, time.Now())
	require.NoError(t, err)

	var wg sync.WaitGroup
	results := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := auth.Consume(ctx, gdb, token, time.Now())
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
		} else {
			assert.True(t, errors.Is(err, auth.ErrLinkUsed), err)
		}
	}
	assert.Equal(t, 1, wins)
}

func TestSessionLimitsWithInjectedClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := auth.NewSessions(testkit.Redis(t), 15*time.Minute, 12*time.Hour)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	id, sess, err := s.Create(ctx, auth.Account{Kind: auth.KindUser, FirmID: 1, UserID: 2})
	require.NoError(t, err)
	assert.Len(t, sess.CSRF, 43)

	cases := []struct {
		step time.Duration
		want error
	}{
		{14 * time.Minute, nil},
		{14*time.Minute + 59*time.Second, nil},
		{15 * time.Minute, auth.ErrIdle},
		{time.Minute, auth.ErrNoSession}, // deleted when found idle
	}
	for _, tc := range cases {
		now = now.Add(tc.step)
		_, err := s.Get(ctx, id)
		if tc.want == nil {
			assert.NoError(t, err, "after %s", tc.step)
		} else {
			assert.ErrorIs(t, err, tc.want, "after %s", tc.step)
		}
	}

	id, _, err = s.Create(ctx, auth.Account{Kind: auth.KindUser, FirmID: 1, UserID: 2})
	require.NoError(t, err)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-10*time.Minute; elapsed += 10 * time.Minute {
		now = now.Add(10 * time.Minute)
		_, err := s.Get(ctx, id)
		require.NoError(t, err)
	}
	now = now.Add(10 * time.Minute)
	_, err = s.Get(ctx, id)
	assert.ErrorIs(t, err, auth.ErrMaxAge)
	_, err = s.Get(ctx, "")
	assert.ErrorIs(t, err, auth.ErrNoSession)
}
