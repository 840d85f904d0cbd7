package textevents_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/shared/textevents"
)

func TestPublishWakesTheWaiterOfThatContactOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rdb := testkit.Redis(t)
	mine, err := textevents.Subscribe(ctx, rdb, 1, 7)
	require.NoError(t, err)
	defer mine.Close()
	other, err := textevents.Subscribe(ctx, rdb, 1, 8)
	require.NoError(t, err)
	defer other.Close()

	require.NoError(t, textevents.Publish(ctx, rdb, 1, 7))
	assert.True(t, mine.Wait(ctx, 5*time.Second))
	assert.False(t, other.Wait(ctx, 50*time.Millisecond), "another contact's page is not woken")
}
