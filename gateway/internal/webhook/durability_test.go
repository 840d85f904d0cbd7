package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/spool"
	"github.com/parleyhq/parley/shared/tasks"
)

// send is r.do for goroutines other than the test's: it reports instead of failing.
func (r *rig) send(req *http.Request) (response, error) {
	res, err := r.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header.Get("Content-Type"), string(b)}, err
}

// metrics returns the gateway's /metrics page.
func (r *rig) metrics() string {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.base+"/metrics", nil)
	require.NoError(r.t, err)
	res := r.do(req)
	require.Equal(r.t, http.StatusOK, res.status)
	return res.body
}

func TestDuplicateDeliveryIsQueuedOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	form := inboundForm(sid(1), "hello")
	first := r.do(r.signedTwilio(sms.PathTwilioMessages, form))
	second := r.do(r.signedTwilio(sms.PathTwilioMessages, form))
	require.Equal(t, http.StatusOK, first.status)
	require.Equal(t, first, second, "a duplicate gets the same answer")

	body := telnyxInbound(telnyxID, telnyxNumber, "hello")
	now := time.Now()
	first = r.do(r.telnyxReq(body, r.telnyxPriv, now))
	second = r.do(r.telnyxReq(body, r.telnyxPriv, now.Add(time.Second))) // a retry is signed afresh
	require.Equal(t, http.StatusOK, first.status)
	require.Equal(t, first, second)

	require.Equal(t, map[string]int{
		tasks.TextInboundID(sms.Twilio, sid(1)):   1,
		tasks.TextInboundID(sms.Telnyx, telnyxID): 1,
	}, r.queued())
}

func TestConcurrentDuplicatesAreQueuedOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	form := inboundForm(sid(1), "hello")
	var wg sync.WaitGroup
	answers := make([]response, 20)
	errs := make([]error, 20)
	for i := range answers {
		wg.Go(func() { answers[i], errs[i] = r.send(r.signedTwilio(sms.PathTwilioMessages, form)) })
	}
	wg.Wait()
	for i := range answers {
		require.NoError(t, errs[i])
		require.Equal(t, response{http.StatusOK, "text/xml", emptyTwiML}, answers[i])
	}
	require.Equal(t, map[string]int{tasks.TextInboundID(sms.Twilio, sid(1)): 1}, r.queued())
}

// A carrier replays a message after the worker has processed it. While
// asynq keeps the completed task (Retention: an hour) its ID stops the
// replay here; after that the replay is queued again, and the worker's
// unique key on text_messages (dialect, carrier_message_id) is what keeps
// it stored once — the gateway relies on that, and says so.
func TestReplayAfterProcessing(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	form := inboundForm(sid(1), "hello")
	id := tasks.TextInboundID(sms.Twilio, sid(1))
	require.Equal(t, http.StatusOK, r.do(r.signedTwilio(sms.PathTwilioMessages, form)).status)

	var handled atomic.Int32
	srv := asynq.NewServerFromRedisClient(r.rdb, asynq.Config{
		Concurrency: 1, Queues: map[string]int{tasks.QueueCritical: 1},
		TaskCheckInterval: 20 * time.Millisecond, LogLevel: asynq.FatalLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.TypeTextInbound, func(context.Context, *asynq.Task) error { handled.Add(1); return nil })
	require.NoError(t, srv.Start(mux))
	require.Eventually(t, func() bool {
		info, err := r.insp.GetTaskInfo(tasks.QueueCritical, id)
		return err == nil && info.State == asynq.TaskStateCompleted
	}, 30*time.Second, 20*time.Millisecond)
	srv.Shutdown()

	replay := r.do(r.signedTwilio(sms.PathTwilioMessages, form))
	require.Equal(t, response{http.StatusOK, "text/xml", emptyTwiML}, replay)
	require.Equal(t, map[string]int{id: 1}, r.queued())
	require.Equal(t, asynq.TaskStateCompleted, r.task(tasks.QueueCritical, id).State, "not queued again")
	require.EqualValues(t, 1, handled.Load())

	// The retention has passed: the queue no longer knows the ID.
	require.NoError(t, r.insp.DeleteTask(tasks.QueueCritical, id))
	replay = r.do(r.signedTwilio(sms.PathTwilioMessages, form))
	require.Equal(t, http.StatusOK, replay.status)
	require.Equal(t, map[string]int{id: 1}, r.queued())
	require.Equal(t, asynq.TaskStatePending, r.task(tasks.QueueCritical, id).State,
		"queued again: the worker's unique key stores it once")
}

// Redis is down: the webhook is spooled in Postgres and answered 2xx, a
// retry is spooled once, and the spool moves it into the queue when Redis
// is back.
func TestRedisDownSpoolsThenDrains(t *testing.T) {
	t.Parallel()
	red := startPrivateRedis(t)
	r := newRig(t, rigOpts{redisURL: red.url()})
	before := inboundForm(sid(1), "before the crash")
	require.Equal(t, http.StatusOK, r.do(r.signedTwilio(sms.PathTwilioMessages, before)).status)

	red.kill()
	during := inboundForm(sid(2), "while Redis is down")
	for range 2 { // the carrier's retry
		res := r.do(r.signedTwilio(sms.PathTwilioMessages, during))
		require.Equal(t, response{http.StatusOK, "text/xml", emptyTwiML}, res)
	}
	status := statusForm(sid(3), "delivered", "")
	require.Equal(t, http.StatusOK, r.do(r.signedTwilio(sms.PathTwilioStatus, status)).status)
	res := r.do(r.telnyxReq(telnyxInbound(telnyxID, telnyxNumber, "hi"), r.telnyxPriv, time.Now()))
	require.Equal(t, response{http.StatusOK, "application/json", "{}"}, res)

	statusID := tasks.TextStatusID(sms.StatusUpdate{Dialect: sms.Twilio, MessageID: sid(3), Status: sms.StatusDelivered})
	want := map[string]int{
		tasks.TextInboundID(sms.Twilio, sid(2)):   1,
		statusID:                                  1,
		tasks.TextInboundID(sms.Telnyx, telnyxID): 1,
	}
	require.Equal(t, want, spooled(t, r.db))
	var firms []int64
	require.NoError(t, r.db.Raw(`SELECT firm_id FROM gateway_spool ORDER BY id`).Scan(&firms).Error)
	require.Equal(t, []int64{r.twilioFirm, r.twilioFirm, r.telnyxFirm}, firms)

	metrics := r.metrics()
	require.Contains(t, metrics, `parley_gateway_webhooks_kept_total{where="queue"} 1`)
	require.Contains(t, metrics, `parley_gateway_webhooks_kept_total{where="spool"} 4`, "the retry was spooled again, as a no-op")

	queue := tasks.NewClient(asynq.NewClientFromRedisClient(r.rdb))
	n, err := spool.Drain(context.Background(), r.db, queue, 100)
	require.Error(t, err, "nothing moves while Redis is down")
	require.Zero(t, n)
	require.Len(t, spooled(t, r.db), 3)

	red.start()
	moved := 0
	require.Eventually(t, func() bool {
		// The client may take a moment to reconnect: a failed pass keeps its rows.
		n, err = spool.Drain(context.Background(), r.db, queue, 100)
		moved += n
		return err == nil && moved == 3
	}, 30*time.Second, 50*time.Millisecond)
	require.Empty(t, spooled(t, r.db))
	want[tasks.TextInboundID(sms.Twilio, sid(1))] = 1 // queued before the crash, kept by the append-only file
	require.Equal(t, want, r.queued())
	n, err = spool.Drain(context.Background(), r.db, queue, 100)
	require.NoError(t, err)
	require.Zero(t, n)
}

// Neither Redis nor Postgres takes the webhook: 503, so the carrier may
// retry and nothing is claimed kept.
func TestRedisAndPostgresDownAnswer503(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{redisURL: "redis://" + closedPort(t) + "/0", spoolDB: deadDB(t)})
	for _, req := range []*http.Request{
		r.signedTwilio(sms.PathTwilioMessages, inboundForm(sid(1), "hello")),
		r.signedTwilio(sms.PathTwilioStatus, statusForm(sid(1), "sent", "")),
		r.telnyxReq(telnyxInbound(telnyxID, telnyxNumber, "hi"), r.telnyxPriv, time.Now()),
	} {
		res := r.do(req)
		require.Equal(t, http.StatusServiceUnavailable, res.status, res.body)
	}
	// Refusals are still refusals, and a call is still answered: neither needs storage.
	require.Equal(t, http.StatusForbidden, r.do(r.twilioReq(sms.PathTwilioMessages, inboundForm(sid(1), "x"), "AAAA")).status)

	require.Contains(t, r.metrics(), `parley_gateway_webhooks_kept_total{where="none"} 3`)

	ready, err := r.http.Get(r.base + "/readyz")
	require.NoError(t, err)
	ready.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, ready.StatusCode)
	require.Empty(t, spooled(t, r.db))
}

func TestReadyReportsRedisAndPostgres(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	res := r.do(func() *http.Request {
		req, _ := http.NewRequest(http.MethodGet, r.base+"/readyz", nil)
		return req
	}())
	require.Equal(t, http.StatusOK, res.status)
	require.JSONEq(t, `{"status":"ready","checks":{"postgres":"ok","redis":"ok"}}`, res.body)
}

// Redis is killed with SIGKILL in the middle of a burst of webhooks and
// restarted on its append-only file; after the spool is drained, every
// webhook that was answered 2xx is in the queue exactly once.
func TestRedisKilledMidLoadLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	red := startPrivateRedis(t)
	r := newRig(t, rigOpts{redisURL: red.url()})
	const total, clients, killAt = 2000, 64, 600

	var done atomic.Int32
	killed := make(chan struct{})
	restarted := make(chan error, 1)
	go func() {
		<-killed
		_ = red.cmd.Process.Kill() // SIGKILL
		_ = red.cmd.Wait()
		// Longer than the enqueue timeout, so requests meet a Redis that is gone.
		time.Sleep(1500 * time.Millisecond)
		restarted <- red.restart()
	}()

	type result struct {
		id     string
		status int
		err    error
	}
	results := make([]result, total)
	next := atomic.Int32{}
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				s := fmt.Sprintf("SM%032d", i)
				res, err := r.send(r.signedTwilio(sms.PathTwilioMessages, inboundForm(s, "load")))
				results[i] = result{tasks.TextInboundID(sms.Twilio, s), res.status, err}
				if done.Add(1) == killAt {
					close(killed)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, <-restarted)

	var acked []string
	for _, res := range results {
		require.NoError(t, res.err)
		require.Equal(t, http.StatusOK, res.status, "Postgres was up: the spool takes what Redis cannot")
		acked = append(acked, res.id)
	}
	inSpool := spooled(t, r.db)
	inQueue := r.queued()
	both := 0
	for _, id := range acked {
		require.True(t, inQueue[id]+inSpool[id] > 0, "acknowledged but lost: %s", id)
		if inQueue[id] > 0 && inSpool[id] > 0 {
			both++ // Redis took it but its answer was lost in the crash
		}
	}
	t.Logf("after the crash: %d in the queue, %d in the spool, %d in both", len(inQueue), len(inSpool), both)
	require.NotEmpty(t, inSpool, "the crash sent some webhooks to the spool")

	queue := tasks.NewClient(asynq.NewClientFromRedisClient(r.rdb))
	require.Eventually(t, func() bool {
		n, err := spool.Drain(context.Background(), r.db, queue, 500)
		return err == nil && n == 0
	}, 60*time.Second, 50*time.Millisecond)
	require.Empty(t, spooled(t, r.db))
	inQueue = r.queued()
	for _, id := range acked {
		require.Equal(t, 1, inQueue[id], id)
	}
	require.Len(t, inQueue, total)
}
