package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/testkit"
)

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
