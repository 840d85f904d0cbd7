package app

import (
	"context"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parleyhq/parley/shared/tasks"
)

// NewQueue returns the task queue the gateway enqueues into on rdb.
func NewQueue(rdb *redis.Client) *tasks.Client {
	return tasks.NewClient(asynq.NewClientFromRedisClient(&sharedScripts{Client: rdb}))
}

// maxFlushers is how many pipelines may be in flight at once: with two, one
// batch gathers while the other is on the wire.
const maxFlushers = 2

// sharedScripts is the Redis client under asynq's client. asynq runs one
// EVALSHA per task; here the EVALSHAs waiting at the same moment go to Redis
// as one pipeline, because the system calls of a round trip per webhook, in
// the gateway and in Redis alike, cost more than the script. Each caller
// still returns only once Redis has answered its own command, or once its
// context ends, as with a plain round trip.
type sharedScripts struct {
	*redis.Client
	mu       sync.Mutex
	waiting  []*scriptCall
	flushers int
}

type scriptCall struct {
	ctx  context.Context
	cmd  *redis.Cmd
	done chan struct{}
}

// EvalSha queues the command for the next pipeline and waits for its answer.
func (s *sharedScripts) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	cmdArgs := make([]any, 0, 3+len(keys)+len(args))
	cmdArgs = append(cmdArgs, "evalsha", sha1, len(keys))
	for _, k := range keys {
		cmdArgs = append(cmdArgs, k)
	}
	cmd := redis.NewCmd(ctx, append(cmdArgs, args...)...)
	if len(keys) > 0 {
		cmd.SetFirstKeyPos(3)
	}
	call := &scriptCall{ctx: ctx, cmd: cmd, done: make(chan struct{})}
	s.mu.Lock()
	s.waiting = append(s.waiting, call)
	if s.flushers < maxFlushers {
		s.flushers++
		go s.flush()
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		return cmd
	case <-ctx.Done():
		// The pipeline may still write into cmd: answer with another.
		gone := redis.NewCmd(ctx)
		gone.SetErr(ctx.Err())
		return gone
	}
}

// flush sends what is waiting until nothing is.
func (s *sharedScripts) flush() {
	for {
		s.mu.Lock()
		batch := s.waiting
		s.waiting = nil
		if len(batch) == 0 {
			s.flushers--
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.exec(batch)
	}
}

func (s *sharedScripts) exec(batch []*scriptCall) {
	ctx, cancel := latestDeadline(batch)
	defer cancel()
	pipe := s.Pipeline()
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.cmd.SetErr(err) // its caller has given up: not sent
			continue
		}
		_ = pipe.Process(ctx, c.cmd)
	}
	_, _ = pipe.Exec(ctx) // every command holds its own error
	for _, c := range batch {
		close(c.done)
	}
}

// latestDeadline bounds a pipeline by the last of its callers' deadlines,
// so that no caller's command is cut short by another's; with a caller
// without one, the client's own timeouts apply, as for a plain command.
func latestDeadline(batch []*scriptCall) (context.Context, context.CancelFunc) {
	var last time.Time
	for _, c := range batch {
		d, ok := c.ctx.Deadline()
		if !ok {
			return context.Background(), func() {}
		}
		if d.After(last) {
			last = d
		}
	}
	return context.WithDeadline(context.Background(), last)
}
