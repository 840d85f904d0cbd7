package spool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/spool"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

func newFirm(t *testing.T, gdb *gorm.DB) int64 {
	t.Helper()
	var id int64
	require.NoError(t, gdb.Raw(`INSERT INTO firms (slug, name) VALUES ('spool-firm', 'Spool Firm') RETURNING id`).Scan(&id).Error)
	return id
}

func inbound(firmID int64, n int) (spool.Item, *asynq.Task) {
	in := sms.Inbound{Dialect: sms.Twilio, MessageID: fmt.Sprintf("SM%032d", n), FirmID: firmID,
		From: "+14155550123", To: "+18885550100", Body: "hello", Kind: sms.KindText,
		ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	t, err := tasks.NewTextInbound(in)
	if err != nil {
		panic(err)
	}
	return spool.Item{FirmID: firmID, TaskType: t.Type(), TaskID: tasks.TextInboundID(in.Dialect, in.MessageID), Payload: t.Payload()}, t
}

func spoolCount(t *testing.T, gdb *gorm.DB) int64 {
	t.Helper()
	var n int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM gateway_spool`).Scan(&n).Error)
	return n
}

// countingQueue records which task IDs were enqueued, and how often, over a real asynq client.
type countingQueue struct {
	inner tasks.Enqueuer
	mu    sync.Mutex
	calls map[string]int
	fail  error
}

func (q *countingQueue) Enqueue(ctx context.Context, t *asynq.Task) error {
	if q.fail != nil {
		return q.fail
	}
	if err := q.inner.Enqueue(ctx, t); err != nil {
		return err
	}
	var key string
	switch t.Type() {
	case tasks.TypeTextInbound:
		in, _ := tasks.Decode[sms.Inbound](t)
		key = tasks.TextInboundID(in.Dialect, in.MessageID)
	case tasks.TypeTextStatus:
		u, _ := tasks.Decode[sms.StatusUpdate](t)
		key = tasks.TextStatusID(u)
	}
	q.mu.Lock()
	q.calls[key]++
	q.mu.Unlock()
	return nil
}

func newQueue(t *testing.T) (*countingQueue, *asynq.Inspector) {
	rdb := testkit.Redis(t)
	return &countingQueue{inner: tasks.NewClient(asynq.NewClientFromRedisClient(rdb)), calls: map[string]int{}},
		asynq.NewInspectorFromRedisClient(rdb)
}

func TestPutKeepsATaskIDOnce(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	it, _ := inbound(newFirm(t, gdb), 1)
	ctx := context.Background()
	require.NoError(t, spool.Put(ctx, gdb, it))
	require.NoError(t, spool.Put(ctx, gdb, it), "a carrier's retry while Redis is down is not an error")
	require.EqualValues(t, 1, spoolCount(t, gdb))
}

func TestDrainQueuesTheSameTaskAndDeletesTheRow(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	firm := newFirm(t, gdb)
	q, insp := newQueue(t)
	ctx := context.Background()

	it, want := inbound(firm, 1)
	require.NoError(t, spool.Put(ctx, gdb, it))
	u := sms.StatusUpdate{Dialect: sms.Telnyx, MessageID: "40385f64-5717-4562-b3fc-2c963f66afa6", FirmID: firm,
		Status: sms.StatusDelivered, At: time.Now().UTC()}
	st, err := tasks.NewTextStatus(u)
	require.NoError(t, err)
	require.NoError(t, spool.Put(ctx, gdb, spool.Item{FirmID: firm, TaskType: st.Type(), TaskID: tasks.TextStatusID(u), Payload: st.Payload()}))

	n, err := spool.Drain(ctx, gdb, q, 100)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Zero(t, spoolCount(t, gdb))

	info, err := insp.GetTaskInfo(tasks.QueueCritical, it.TaskID)
	require.NoError(t, err)
	require.Equal(t, tasks.TypeTextInbound, info.Type)
	require.JSONEq(t, string(want.Payload()), string(info.Payload))
	require.Equal(t, 25, info.MaxRetry, "rebuilt through the constructor, with its options")
	_, err = insp.GetTaskInfo(tasks.QueueDefault, tasks.TextStatusID(u))
	require.NoError(t, err)

	n, err = spool.Drain(ctx, gdb, q, 100)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestDrainCountsATaskAlreadyQueuedAsMoved(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	q, insp := newQueue(t)
	ctx := context.Background()
	it, task := inbound(newFirm(t, gdb), 1)
	// Redis took the task but its answer was lost, so the gateway spooled it too.
	require.NoError(t, q.Enqueue(ctx, task))
	require.NoError(t, spool.Put(ctx, gdb, it))

	n, err := spool.Drain(ctx, gdb, q, 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Zero(t, spoolCount(t, gdb))
	pending, err := insp.ListPendingTasks(tasks.QueueCritical)
	require.NoError(t, err)
	require.Len(t, pending, 1)
}

func TestDrainKeepsRowsWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	firm := newFirm(t, gdb)
	q, _ := newQueue(t)
	ctx := context.Background()
	for i := range 3 {
		it, _ := inbound(firm, i)
		require.NoError(t, spool.Put(ctx, gdb, it))
	}
	q.fail = errors.New("redis: connection refused")
	n, err := spool.Drain(ctx, gdb, q, 100)
	require.ErrorContains(t, err, "connection refused")
	require.Zero(t, n)
	require.EqualValues(t, 3, spoolCount(t, gdb))

	q.fail = nil
	n, err = spool.Drain(ctx, gdb, q, 2)
	require.NoError(t, err)
	require.Equal(t, 2, n, "limit respected")
	n, err = spool.Drain(ctx, gdb, q, 2)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Zero(t, spoolCount(t, gdb))
}

func TestDrainLeavesABadRowAndMovesTheOthers(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	firm := newFirm(t, gdb)
	q, _ := newQueue(t)
	ctx := context.Background()
	require.NoError(t, spool.Put(ctx, gdb, spool.Item{FirmID: firm, TaskType: "text:unknown", TaskID: "x:1", Payload: []byte(`{}`)}))
	it, _ := inbound(firm, 1)
	it.TaskID = "text:inbound:twilio:not-this-message" // the payload names another ID
	require.NoError(t, spool.Put(ctx, gdb, it))
	good, _ := inbound(firm, 2)
	require.NoError(t, spool.Put(ctx, gdb, good))

	n, err := spool.Drain(ctx, gdb, q, 100)
	require.Equal(t, 1, n)
	require.ErrorContains(t, err, `unknown task type "text:unknown"`)
	require.ErrorContains(t, err, "payload gives task ID")
	require.EqualValues(t, 2, spoolCount(t, gdb))
	require.Equal(t, map[string]int{good.TaskID: 1}, q.calls)
}

// Several workers drain at once: SKIP LOCKED gives each row to one of them.
func TestConcurrentDrainsHandleEachRowOnce(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	firm := newFirm(t, gdb)
	q, insp := newQueue(t)
	ctx := context.Background()
	const rows = 300
	for i := range rows {
		it, _ := inbound(firm, i)
		require.NoError(t, spool.Put(ctx, gdb, it))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			for {
				n, err := spool.Drain(ctx, gdb, q, 25)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Equal(t, rows, total)
	require.Zero(t, spoolCount(t, gdb))
	require.Len(t, q.calls, rows)
	for id, n := range q.calls {
		require.Equal(t, 1, n, id)
	}
	pending, err := insp.ListPendingTasks(tasks.QueueCritical, asynq.PageSize(1000))
	require.NoError(t, err)
	require.Len(t, pending, rows)
}
