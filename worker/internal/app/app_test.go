package app_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/outbox"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/app"
)

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// The email task end to end: a row and a task enqueued through shared/tasks
// into real Redis, the worker program picks it up and delivers it over SMTP
// to a real SMTP server, and the row is marked sent.
func TestEmailTaskEndToEnd(t *testing.T) {
	t.Parallel()
	smtpSrv := testkit.StartSMTP(t)
	dbURL := testkit.DatabaseURL(t)
	redisURL := testkit.RedisURL(t)
	addr := freeAddr(t)
	cfg, err := config.Parse(func(k string) (string, bool) {
		v, ok := map[string]string{
			"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "WORKER_ADDR": addr,
			"SMTP_URL": smtpSrv.URL(), "MAIL_FROM": "Parley <no-reply@parley.test>", "SHUTDOWN_TIMEOUT": "5s",
		}[k]
		return v, ok
	})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	done := make(chan struct{})
	go func() { runErr = app.Run(ctx, cfg, testkit.Logger()); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	gdb := testkit.DBAt(t, dbURL)
	firm := models.Firm{Slug: "e2e", Name: "E2E LLP", TimeZone: "UTC"}
	require.NoError(t, gdb.Create(&firm).Error)

	redisOpt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	e := models.OutboundEmail{FirmID: firm.ID, ToAddress: "casey@example.com", Subject: "Your documents", BodyText: "Two new documents were shared with you."}
	require.NoError(t, outbox.Queue(ctx, gdb, tasks.NewClient(client), &e))

	got := smtpSrv.WaitFor(t, "casey@example.com", 20*time.Second)
	assert.Equal(t, "Your documents", got.Subject)
	assert.Contains(t, got.Body, "Two new documents were shared with you.")
	require.Eventually(t, func() bool {
		var row models.OutboundEmail
		return gdb.First(&row, e.ID).Error == nil && row.Status == models.EmailSent
	}, 10*time.Second, 50*time.Millisecond)

	// The worker's health and metrics endpoints answer on WORKER_ADDR.
	resp, err := http.Get("http://" + addr + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(body), `parley_tasks_total{outcome="success",type="email:send"} 1`)
	assert.Contains(t, string(body), `parley_queue_size{queue="critical"`)
	resp, err = http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// Enqueuing the same email again while its task is retained is a no-op.
	tk, err := tasks.NewEmailSend(firm.ID, e.ID)
	require.NoError(t, err)
	require.NoError(t, tasks.NewClient(client).Enqueue(ctx, tk))
	time.Sleep(300 * time.Millisecond)
	assert.Len(t, smtpSrv.Mails(), 1)

	cancel()
	select {
	case <-done:
		assert.NoError(t, runErr, "a clean stop returns nil")
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop after cancel")
	}
}

func TestEmailQueuedWhileRedisDownIsRequeued(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	firm := models.Firm{Slug: "requeue", Name: "Requeue LLP", TimeZone: "UTC"}
	require.NoError(t, gdb.Create(&firm).Error)
	ctx := context.Background()

	e := models.OutboundEmail{FirmID: firm.ID, ToAddress: "a@example.com", Subject: "s", BodyText: "b"}
	err := outbox.Queue(ctx, gdb, failingEnqueuer{}, &e)
	require.Error(t, err, "the caller learns the task was not queued")
	require.NotZero(t, e.ID, "but the email is kept")

	redisOpt, err := asynq.ParseRedisURI(testkit.RedisURL(t))
	require.NoError(t, err)
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	j := app.NewJobs(config.Config{}, gdb, testkit.Redis(t), tasks.NewClient(client), nil, nil, testkit.Logger())
	n, err := j.RequeueEmails(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	insp := asynq.NewInspector(redisOpt)
	defer insp.Close()
	info, err := insp.GetTaskInfo(tasks.QueueCritical, "email:send:"+itoa(e.ID))
	require.NoError(t, err)
	assert.Equal(t, tasks.TypeEmailSend, info.Type)
}

type failingEnqueuer struct{}

func (failingEnqueuer) Enqueue(context.Context, *asynq.Task) error {
	return errors.New("redis: connection refused")
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for n := 0; n < 20; n++ {
		d := app.RetryDelay(n, errors.New("x"), nil)
		assert.GreaterOrEqual(t, d, 5*time.Second)
		assert.LessOrEqual(t, d, time.Hour)
	}
	assert.Greater(t, app.RetryDelay(8, errors.New("x"), nil), app.RetryDelay(0, errors.New("x"), nil))
	ra := &app.RetryAfterError{After: 42 * time.Second, Err: errors.New("rate limited")}
	assert.Equal(t, 42*time.Second, app.RetryDelay(3, ra, nil))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRefusesSchemaBehind(t *testing.T) {
	t.Parallel()
	url := testkit.EmptyDatabaseURL(t)
	cfg, err := config.Parse(func(k string) (string, bool) {
		if k == "DATABASE_URL" {
			return url, true
		}
		return "", false
	})
	require.NoError(t, err)
	require.ErrorIs(t, app.Run(context.Background(), cfg, testkit.Logger()), db.ErrSchemaBehind)
}
