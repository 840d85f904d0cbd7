// Package app wires the worker: the asynq server with every handler, the
// periodic sweeps, and a small HTTP server for health and metrics.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/spool"
	"github.com/parleyhq/parley/shared/store/stores"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/worker/internal/carrier"
	"github.com/parleyhq/parley/worker/internal/jobs"
	"github.com/parleyhq/parley/worker/internal/mail"
)

// Run serves tasks until ctx is cancelled, then lets in-flight tasks finish.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	redisOpt, err := asynq.ParseRedisURI(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("worker: REDIS_URL: %w", err)
	}
	rdbOpt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("worker: REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(rdbOpt)
	defer rdb.Close()

	sender, err := NewSender(cfg, log)
	if err != nil {
		return err
	}
	store, err := docstore.NewDisk(cfg.DocumentsDir)
	if err != nil {
		return err
	}

	reg := ops.NewRegistry()
	metrics := ops.NewTaskMetrics(reg)
	inspector := asynq.NewInspector(redisOpt)
	defer inspector.Close()
	reg.MustRegister(ops.NewQueueCollector(inspector, tasks.QueueNames))

	serverConfig := func(concurrency int, queues map[string]int) asynq.Config {
		return asynq.Config{
			Concurrency:    concurrency,
			Queues:         queues,
			RetryDelayFunc: RetryDelay,
			IsFailure:      jobs.IsFailure,
			// An idle worker looks for new tasks this often. asynq's 1 s
			// default alone adds up to a second to every received text; at
			// 20 ms an idle worker makes about 50 cheap Redis calls a second
			// instead.
			TaskCheckInterval: 20 * time.Millisecond,
			// Retries put off by a send rate are due within a second or so.
			DelayedTaskCheckInterval: time.Second,
			ShutdownTimeout:          cfg.ShutdownTimeout,
			Logger:                   asynqLogger{log},
			BaseContext:              func() context.Context { return context.WithoutCancel(ctx) },
		}
	}
	// Tasks in flight mostly wait on round trips (asynq's Redis scripts, an
	// inbound text's batch statement), and plain inbound texts share a
	// statement, so in-flight tasks do not each hold one of the DB pool's
	// 20 connections: more of them make the batches larger and overlap
	// the waits. asynq takes tasks off the queues one round trip at a
	// time, in one loop per server, trying the queues in a weighted random
	// order (an empty queue costs a round trip too). A second server that
	// serves the critical queue alone (inbound texts, sends) is a second
	// such loop, and always finds critical work first; the main server
	// still gives the other queues their weighted share, so a flood of
	// texts does not starve them. Together they drained a backlog of texts
	// about twice as fast as one server (BenchmarkWorkerBacklog).
	servers := []*asynq.Server{
		asynq.NewServer(redisOpt, serverConfig(32, tasks.QueueWeights)),
		asynq.NewServer(redisOpt, serverConfig(32, map[string]int{tasks.QueueCritical: 1})),
	}
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	enq := tasks.NewClient(client)

	mux := asynq.NewServeMux()
	mux.Use(metrics.Middleware(log))
	jobs := NewJobs(cfg, gdb, rdb, enq, sender, store, log)
	jobs.Register(mux)
	for _, srv := range servers {
		if err := srv.Start(mux); err != nil {
			shutdown(servers)
			return fmt.Errorf("worker: start task server: %w", err)
		}
	}
	log.Info("worker serving", "queues", tasks.QueueNames, "addr", cfg.WorkerAddr)

	go sweep(ctx, log, "emails", time.Minute, func(ctx context.Context) (int, error) {
		return jobs.RequeueEmails(ctx, 2*time.Minute)
	})
	go sweep(ctx, log, "client notices", time.Minute, func(ctx context.Context) (int, error) {
		return jobs.RequeueNotices(ctx, cfg.NoticeBatchWindow+time.Minute, cfg.NoticeBatchWindow)
	})
	go sweep(ctx, log, "queued texts", time.Minute, func(ctx context.Context) (int, error) {
		return jobs.RequeueTexts(ctx, 5*time.Minute)
	})
	go sweep(ctx, log, "planned event texts", time.Minute, func(ctx context.Context) (int, error) {
		return jobs.RequeueEventTexts(ctx, 2*time.Minute)
	})
	go sweep(ctx, log, "texts stuck sending", time.Minute, func(ctx context.Context) (int, error) {
		return jobs.FailStuckTexts(ctx, 10*time.Minute)
	})
	// Webhooks the gateway spooled to Postgres while Redis was down: moved
	// to the queue soon after Redis answers again.
	go sweep(ctx, log, "spooled webhooks", 2*time.Second, func(ctx context.Context) (int, error) {
		return spool.Drain(ctx, gdb, enq, 500)
	})

	web := fiber.New(fiber.Config{DisableStartupMessage: true})
	web.Use(ops.Middleware(log, ops.NewHTTPMetrics(reg, "worker")))
	ops.Mount(web, reg, map[string]ops.Check{"postgres": ops.PostgresCheck(gdb), "redis": ops.RedisCheck(rdb)})
	httpErr := ops.Serve(ctx, web, cfg.WorkerAddr, cfg.ShutdownTimeout, log)

	// HTTP is down (ctx cancelled or listen failed): now drain the tasks.
	shutdown(servers)
	log.Info("worker stopped")
	return httpErr
}

// shutdown stops the servers taking new tasks, all at once, then waits for
// their tasks in flight (each up to its ShutdownTimeout).
func shutdown(servers []*asynq.Server) {
	for _, srv := range servers {
		srv.Stop()
	}
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(srv.Shutdown)
	}
	wg.Wait()
}

// NewJobs wires the task handlers to the stores over gdb and to the outside
// services.
func NewJobs(cfg config.Config, gdb *gorm.DB, rdb redis.UniversalClient, enq tasks.Enqueuer, sender mail.Sender,
	docs docstore.Store, log *slog.Logger) *jobs.Jobs {
	st := stores.New(gdb)
	st.Signin.Tasks, st.Signin.PublicURL = enq, cfg.PublicURL
	j := &jobs.Jobs{
		Stores: st, Mail: sender, Tasks: enq, Log: log, PublicURL: cfg.PublicURL,
		Carriers: Carriers(cfg), Docs: docs, Limiter: redis_rate.NewLimiter(rdb), Config: cfg, Redis: rdb,
	}
	st.Texting.Stored = j.TextsStored
	return j
}

// NewSender returns the SMTP sender, or the logging one when SMTP_URL is empty.
func NewSender(cfg config.Config, log *slog.Logger) (mail.Sender, error) {
	if cfg.SMTPURL == "" {
		return mail.LogSender{Log: log}, nil
	}
	return mail.NewSMTPSender(cfg.SMTPURL, cfg.MailFrom)
}

// Carriers returns a send client per dialect, from the operator's accounts.
// Both exist even without credentials (the carrier then refuses the send, and
// the text fails with a reason) so a firm is never stuck without one.
func Carriers(cfg config.Config) map[sms.Dialect]carrier.Sender {
	hc := &http.Client{Timeout: 15 * time.Second}
	return map[sms.Dialect]carrier.Sender{
		sms.Twilio: &carrier.Twilio{BaseURL: cfg.TwilioAPIURL, AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken,
			StatusCallback: cfg.GatewayPublicURL + sms.PathTwilioStatus, HTTP: hc},
		sms.Telnyx: &carrier.Telnyx{BaseURL: cfg.TelnyxAPIURL, APIKey: cfg.TelnyxAPIKey,
			WebhookURL: cfg.GatewayPublicURL + sms.PathTelnyxMessages, HTTP: hc},
	}
}

// RetryDelay backs off exponentially with jitter: 10s, 20s, 40s … capped at
// an hour. A *RetryAfterError (a send rate, a callback that came too early)
// sets the delay itself. A task whose worker died (its lease expired) has
// already waited a minute for asynq to notice, and runs again at once.
func RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	var ra *RetryAfterError
	if errors.As(err, &ra) && ra.After > 0 {
		return ra.After
	}
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	d := 10 * time.Second << min(n, 9)
	d = min(d, time.Hour)
	return d/2 + rand.N(d/2+1)
}

// RetryAfterError asks for a retry after a given delay. It is jobs.RetryAfter
// (the handlers return it, and jobs cannot import this package).
type RetryAfterError = jobs.RetryAfter

// sweep runs fn every interval until ctx ends; each pass is logged if it did work.
func sweep(ctx context.Context, log *slog.Logger, what string, every time.Duration, fn func(context.Context) (int, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := fn(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("sweep failed", "what", what, "err", err)
		} else if n > 0 {
			log.Info("sweep found work", "what", what, "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// asynqLogger sends asynq's own messages to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "component", "asynq")
	os.Exit(1) // asynq expects Fatal not to return
}
