package ops

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// Task outcomes, the values of the outcome label.
const (
	OutcomeSuccess = "success"
	OutcomeRetry   = "retry"
	OutcomeFailed  = "failed"
)

// TaskMetrics holds the worker's task counter and duration histogram.
type TaskMetrics struct {
	tasks    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewTaskMetrics registers parley_tasks_total and parley_task_duration_seconds on reg.
func NewTaskMetrics(reg prometheus.Registerer) *TaskMetrics {
	m := &TaskMetrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parley_tasks_total",
			Help: "Tasks processed, by type and outcome (success, retry, failed).",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parley_task_duration_seconds",
			Help:    "Time a task handler ran, by type.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"type"}),
	}
	reg.MustRegister(m.tasks, m.duration)
	return m
}

// Outcome classifies a handler's result the way asynq acts on it: retried is
// how many times the task was retried before this run, maxRetry how many
// retries it may have. An error is final when no retry is left, or when it
// wraps asynq.SkipRetry or asynq.RevokeTask (asynq drops a revoked task
// without retrying it).
func Outcome(err error, retried, maxRetry int) string {
	switch {
	case err == nil:
		return OutcomeSuccess
	case retried >= maxRetry, errors.Is(err, asynq.SkipRetry), errors.Is(err, asynq.RevokeTask):
		return OutcomeFailed
	default:
		return OutcomeRetry
	}
}

// Middleware puts the task ID in ctx (WithTaskID), times the handler,
// counts its outcome and logs a failure: at error level when the task will
// not run again, at warn when asynq will retry it. It returns the handler's
// error unchanged, so asynq's own retry logic is untouched.
func (m *TaskMetrics) Middleware(logger *slog.Logger) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			id, _ := asynq.GetTaskID(ctx)
			if id != "" {
				ctx = WithTaskID(ctx, id)
			}
			// Outside asynq's processor (a handler called directly) nothing
			// retries the task, so both counts stay 0 and a failure is final.
			retried, _ := asynq.GetRetryCount(ctx)
			maxRetry, _ := asynq.GetMaxRetry(ctx)

			start := time.Now()
			err := next.ProcessTask(ctx, t)
			elapsed := time.Since(start)

			outcome := Outcome(err, retried, maxRetry)
			m.tasks.WithLabelValues(t.Type(), outcome).Inc()
			m.duration.WithLabelValues(t.Type()).Observe(elapsed.Seconds())

			if err != nil {
				level := slog.LevelWarn
				msg := "task failed, will retry"
				if outcome == OutcomeFailed {
					level = slog.LevelError
					msg = "task failed for good"
				}
				// The task ID is added here; a bare context keeps it from appearing twice.
				logger.LogAttrs(context.Background(), level, msg,
					slog.String("type", t.Type()),
					slog.String(KeyTaskID, id),
					slog.Int("retried", retried),
					slog.Int("max_retry", maxRetry),
					slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
					slog.String("error", err.Error()),
				)
			}
			return err
		})
	}
}
