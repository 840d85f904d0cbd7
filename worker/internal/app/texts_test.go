package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/spool"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/app"
	"github.com/parleyhq/parley/worker/internal/jobs"
)

const firmNumber = "+18885550100"

// demoTexting seeds the demo firm with texting on and returns its ID.
func demoTexting(t *testing.T, gdb *gorm.DB) int64 {
	t.Helper()
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(context.Background(), gdb, store, testkit.Logger()))
	var firm models.Firm
	require.NoError(t, gdb.Where("slug = ?", seed.DemoFirmSlug).Take(&firm).Error)
	require.NoError(t, gdb.Exec(`UPDATE firms SET texting_enabled = true, texting_number = ?, texting_dialect = 'twilio'
		WHERE id = ?`, firmNumber, firm.ID).Error)
	return firm.ID
}

func inboundFrom(firmID int64, id, body string) sms.Inbound {
	return sms.Inbound{Dialect: sms.Twilio, MessageID: id, FirmID: firmID, From: seed.DemoClientPhone, To: firmNumber,
		Body: body, Kind: sms.Classify(body), ReceivedAt: time.Now()}
}

func countTexts(t *testing.T, gdb *gorm.DB, like string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM text_messages WHERE carrier_message_id LIKE ?`, like).Scan(&n).Error)
	return n
}

// A webhook the gateway spooled to Postgres while Redis was down reaches the
// conversation once the worker runs: spool → Redis → handler → Postgres.
func TestSpooledWebhookIsDrainedAndStored(t *testing.T) {
	t.Parallel()
	dbURL, redisURL := testkit.DatabaseURL(t), testkit.RedisURL(t)
	gdb := testkit.DBAt(t, dbURL)
	firmID := demoTexting(t, gdb)

	in := inboundFrom(firmID, "SM0000000000000000000000000spool1", "Sent while Redis was down")
	payload, err := json.Marshal(in)
	require.NoError(t, err)
	require.NoError(t, spool.Put(context.Background(), gdb, spool.Item{FirmID: firmID, TaskType: tasks.TypeTextInbound,
		TaskID: tasks.TextInboundID(in.Dialect, in.MessageID), Payload: payload}))

	cfg, err := config.Parse(func(k string) (string, bool) {
		v, ok := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "WORKER_ADDR": freeAddr(t),
			"DOCUMENTS_DIR": t.TempDir(), "SHUTDOWN_TIMEOUT": "5s"}[k]
		return v, ok
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, testkit.Logger()) }()
	defer func() {
		cancel()
		assert.NoError(t, <-done)
	}()

	require.Eventually(t, func() bool { return countTexts(t, gdb, in.MessageID) == 1 }, 20*time.Second, 20*time.Millisecond)
	var left int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM gateway_spool`).Scan(&left).Error)
	assert.Zero(t, left)
}

// A worker killed (SIGKILL) in the middle of an inbound task: once a worker
// runs again, asynq's orphan recovery hands the task back, and the text is
// stored exactly once, as is every other text of the load.
//
// The handler is held mid-task without a test hook: the test holds an
// uncommitted row with the same carrier message ID, so the worker's insert
// waits on the unique index until the test lets go. asynq only notices the
// dead worker when its lease has been expired for 30 s, checking once a
// minute, so this test takes one to two minutes.
func TestWorkerKilledMidInboundStoresOnce(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(3 * time.Minute)
	dbURL, redisURL := testkit.DatabaseURL(t), testkit.RedisURL(t)
	gdb := testkit.DBAt(t, dbURL)
	firmID := demoTexting(t, gdb)
	var clientID int64
	require.NoError(t, gdb.Raw(`SELECT contact_id FROM contact_phone_numbers WHERE number = ?`, seed.DemoClientPhone).Scan(&clientID).Error)

	bin := filepath.Join(t.TempDir(), "worker")
	build := exec.Command("go", "build", "-o", bin, "github.com/parleyhq/parley/worker")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	// Hold the message's unique key in an open transaction.
	const held = "SMheld0000000000000000000000000000"
	blocker := gdb.Begin()
	require.NoError(t, blocker.Error)
	defer blocker.Rollback()
	require.NoError(t, blocker.Exec(`INSERT INTO text_messages (firm_id, contact_id, direction, dialect, carrier_message_id,
		firm_number, contact_number, body, status) VALUES (?, ?, 'in', 'twilio', ?, ?, ?, 'placeholder', 'received')`,
		firmID, clientID, held, firmNumber, seed.DemoClientPhone).Error)

	redisOpt, err := asynq.ParseRedisURI(redisURL)
	require.NoError(t, err)
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	enq := tasks.NewClient(client)
	enqueue := func(in sms.Inbound) {
		tk, err := tasks.NewTextInbound(in)
		require.NoError(t, err)
		require.NoError(t, enq.Enqueue(context.Background(), tk))
	}
	enqueue(inboundFrom(firmID, held, "the one the worker dies on"))
	const load = 200
	for i := range load {
		enqueue(inboundFrom(firmID, fmt.Sprintf("SMload%028d", i), fmt.Sprintf("text %d", i)))
	}

	docs := t.TempDir()
	var logs syncBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "REDIS_URL="+redisURL, "WORKER_ADDR="+freeAddr(t),
			"DOCUMENTS_DIR="+docs, "LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=5s", "SMTP_URL=", "TEXTING_NUMBERS=")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		require.NoError(t, cmd.Start())
		return cmd
	}
	defer func() {
		if t.Failed() {
			t.Logf("worker output:\n%s", logs.String())
		}
	}()

	first := start()
	// Wait until the worker's insert of the held message waits on the lock.
	require.Eventually(t, func() bool {
		var waiting int64
		err := gdb.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO text_messages%'`).Scan(&waiting).Error
		return err == nil && waiting > 0
	}, 30*time.Second, 10*time.Millisecond, "the worker never reached the held message")
	require.NoError(t, first.Process.Signal(syscall.SIGKILL))
	_ = first.Wait()
	stored := countTexts(t, gdb, "SMload%")
	t.Logf("killed the worker with %d of %d other texts stored", stored, load)

	// Let go of the key. The killed worker's INSERT may still complete: its
	// Postgres backend was waiting on the lock and has not yet noticed that
	// its client is gone. Either way the text must end up stored once.
	require.NoError(t, blocker.Rollback().Error)
	assert.LessOrEqual(t, countTexts(t, gdb, held), int64(1))

	second := start()
	defer func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	}()
	require.Eventually(t, func() bool {
		return countTexts(t, gdb, held) == 1 && countTexts(t, gdb, "SMload%") == load
	}, time.Until(deadline), 250*time.Millisecond, "orphaned task not recovered in time")

	var dupes int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM (SELECT carrier_message_id FROM text_messages
		GROUP BY carrier_message_id HAVING count(*) > 1) d`).Scan(&dupes).Error)
	assert.Zero(t, dupes)
	var body string
	require.NoError(t, gdb.Raw(`SELECT body FROM text_messages WHERE carrier_message_id = ?`, held).Scan(&body).Error)
	assert.Equal(t, "the one the worker dies on", body)
}

func TestRetryDelayForTexts(t *testing.T) {
	t.Parallel()
	rate := &jobs.RetryAfter{After: 300 * time.Millisecond, Err: jobs.ErrRateLimited}
	assert.Equal(t, 300*time.Millisecond, app.RetryDelay(0, fmt.Errorf("text 1: %w", rate), nil))
	assert.Equal(t, time.Second, app.RetryDelay(4, asynq.ErrLeaseExpired, nil))
	assert.True(t, errors.Is(rate, jobs.ErrRateLimited))
}

// syncBuffer collects a child process's output from two pipes at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
