package testkit

import (
	"context"
	"sync"

	"github.com/hibiken/asynq"
)

// Queue is a tasks.Enqueuer that records what is enqueued, for tests that
// run the handlers themselves.
type Queue struct {
	mu    sync.Mutex
	tasks []*asynq.Task
}

// Enqueue records t.
func (q *Queue) Enqueue(_ context.Context, t *asynq.Task) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.tasks = append(q.tasks, t)
	return nil
}

// OfType returns the recorded tasks of type typ, in the order enqueued.
func (q *Queue) OfType(typ string) []*asynq.Task {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*asynq.Task
	for _, t := range q.tasks {
		if t.Type() == typ {
			out = append(out, t)
		}
	}
	return out
}
