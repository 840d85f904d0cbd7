package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/gateway/internal/app"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

// Enqueues that share pipelines each get their own answer: every task is
// queued once, a repeated ID counts as queued, and a caller that has given up
// gets its context's error.
func TestQueueSharesPipelines(t *testing.T) {
	t.Parallel()
	rdb, err := app.NewRedis(testkit.RedisURL(t))
	require.NoError(t, err)
	t.Cleanup(func() { rdb.Close() })
	q := app.NewQueue(rdb)
	task := func(i int) *asynq.Task {
		return asynq.NewTask("test:shared", nil, asynq.Queue(tasks.QueueDefault), asynq.TaskID(fmt.Sprintf("t%d", i)))
	}

	const n = 200
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = q.Enqueue(context.Background(), task(i%n)) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	size, err := rdb.LLen(context.Background(), "asynq:{"+tasks.QueueDefault+"}:pending").Result()
	require.NoError(t, err)
	require.EqualValues(t, n, size)

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorContains(t, q.Enqueue(gone, task(n)), context.Canceled.Error()) // asynq keeps only its text
}
