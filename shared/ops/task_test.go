package ops

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOutcome(t *testing.T) {
	t.Parallel()
	boom := errors.New("smtp timeout")
	tests := []struct {
		name              string
		err               error
		retried, maxRetry int
		want              string
	}{
		{"success", nil, 0, 3, OutcomeSuccess},
		{"success on last try", nil, 3, 3, OutcomeSuccess},
		{"first failure", boom, 0, 3, OutcomeRetry},
		{"failure with one retry left", boom, 2, 3, OutcomeRetry},
		{"failure on last try", boom, 3, 3, OutcomeFailed},
		{"no retries allowed", boom, 0, 0, OutcomeFailed},
		{"skip retry", asynq.SkipRetry, 0, 3, OutcomeFailed},
		{"wrapped skip retry", fmt.Errorf("bad payload: %w", asynq.SkipRetry), 0, 3, OutcomeFailed},
		{"revoked", fmt.Errorf("matter closed: %w", asynq.RevokeTask), 0, 3, OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, Outcome(tt.err, tt.retried, tt.maxRetry))
		})
	}
}

// TestTaskMiddlewareCalledDirectly is the shape task tests use: the handler
// called with asynq.NewTask, outside asynq's processor, where nothing retries.
func TestTaskMiddlewareCalledDirectly(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	var out logBuffer
	mw := NewTaskMetrics(reg).Middleware(NewLogger(&out, "worker", "info", "json"))

	h := mw(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		if string(task.Payload()) == "bad" {
			return fmt.Errorf("decode payload: %w", asynq.SkipRetry)
		}
		return nil
	}))
	require.NoError(t, h.ProcessTask(context.Background(), asynq.NewTask("email:send", []byte("ok"))))
	require.ErrorIs(t, h.ProcessTask(context.Background(), asynq.NewTask("email:send", []byte("bad"))), asynq.SkipRetry)

	n, _ := metricValue(t, reg, "parley_tasks_total", map[string]string{"type": "email:send", "outcome": OutcomeSuccess})
	assert.Equal(t, 1.0, n)
	n, _ = metricValue(t, reg, "parley_tasks_total", map[string]string{"type": "email:send", "outcome": OutcomeFailed})
	assert.Equal(t, 1.0, n)
	n, _ = metricValue(t, reg, "parley_task_duration_seconds", map[string]string{"type": "email:send"})
	assert.Equal(t, 2.0, n)

	lines := out.Find(t, map[string]any{"type": "email:send"})
	require.Len(t, lines, 1, "only the failure is logged")
	assert.Equal(t, "ERROR", lines[0]["level"])
	assert.Equal(t, "decode payload: skip retry for the task", lines[0]["error"])
}

// TestTaskMiddlewareInAsynqServer runs a real asynq server against its own
// redis-server, so retry counts come from asynq's own context.
func TestTaskMiddlewareInAsynqServer(t *testing.T) {
	t.Parallel()
	rds := startRedis(t)
	redisOpt := asynq.RedisClientOpt{Addr: rds.Addr}

	reg := prometheus.NewRegistry()
	var out logBuffer
	logger := NewLogger(&out, "worker", "info", "json")
	metrics := NewTaskMetrics(reg)

	var mu sync.Mutex
	seenTaskIDs := map[string]string{}
	mux := asynq.NewServeMux()
	mux.Use(metrics.Middleware(logger))
	mux.HandleFunc("test:ok", func(ctx context.Context, task *asynq.Task) error {
		mu.Lock()
		seenTaskIDs[task.Type()] = TaskIDFrom(ctx)
		mu.Unlock()
		logger.InfoContext(ctx, "handled")
		return nil
	})
	mux.HandleFunc("test:skip", func(context.Context, *asynq.Task) error {
		return fmt.Errorf("unknown matter: %w", asynq.SkipRetry)
	})
	mux.HandleFunc("test:flaky", func(context.Context, *asynq.Task) error {
		return errors.New("carrier answered 502")
	})

	srv := asynq.NewServer(redisOpt, asynq.Config{
		Concurrency:              2,
		Queues:                   map[string]int{"default": 1},
		TaskCheckInterval:        20 * time.Millisecond,
		DelayedTaskCheckInterval: 50 * time.Millisecond,
		RetryDelayFunc:           func(int, error, *asynq.Task) time.Duration { return 10 * time.Millisecond },
		LogLevel:                 asynq.FatalLevel,
		ShutdownTimeout:          2 * time.Second,
	})
	require.NoError(t, srv.Start(mux))
	t.Cleanup(srv.Shutdown)

	client := asynq.NewClient(redisOpt)
	t.Cleanup(func() { _ = client.Close() })
	_, err := client.Enqueue(asynq.NewTask("test:ok", nil), asynq.TaskID("ok-1"))
	require.NoError(t, err)
	_, err = client.Enqueue(asynq.NewTask("test:skip", nil), asynq.TaskID("skip-1"), asynq.MaxRetry(5))
	require.NoError(t, err)
	_, err = client.Enqueue(asynq.NewTask("test:flaky", nil), asynq.TaskID("flaky-1"), asynq.MaxRetry(1))
	require.NoError(t, err)

	count := func(typ, outcome string) float64 {
		n, _ := metricValue(t, reg, "parley_tasks_total", map[string]string{"type": typ, "outcome": outcome})
		return n
	}
	require.Eventually(t, func() bool {
		return count("test:ok", OutcomeSuccess) == 1 &&
			count("test:skip", OutcomeFailed) == 1 &&
			count("test:flaky", OutcomeRetry) == 1 &&
			count("test:flaky", OutcomeFailed) == 1
	}, 15*time.Second, 25*time.Millisecond)
	assert.Zero(t, count("test:skip", OutcomeRetry), "SkipRetry is never counted as a retry")

	mu.Lock()
	assert.Equal(t, "ok-1", seenTaskIDs["test:ok"], "the handler's ctx carries the task ID")
	mu.Unlock()
	handled := out.Find(t, map[string]any{"msg": "handled"})
	require.Len(t, handled, 1)
	assert.Equal(t, "ok-1", handled[0]["task_id"])

	flaky := out.Find(t, map[string]any{"type": "test:flaky", "task_id": "flaky-1"})
	require.Len(t, flaky, 2)
	assert.Equal(t, "WARN", flaky[0]["level"])
	assert.EqualValues(t, 0, flaky[0]["retried"])
	assert.Equal(t, "ERROR", flaky[1]["level"])
	assert.EqualValues(t, 1, flaky[1]["retried"])
	assert.Equal(t, "carrier answered 502", flaky[1]["error"])

	skip := out.Find(t, map[string]any{"type": "test:skip", "task_id": "skip-1"})
	require.Len(t, skip, 1)
	assert.Equal(t, "ERROR", skip[0]["level"])
}
