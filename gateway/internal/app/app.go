// Package app wires the gateway: the only program carriers talk to.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/gateway/internal/webhook"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

const (
	// maxBody bounds a webhook body: carriers send a few kilobytes at most.
	maxBody = 256 << 10
	// numbersEvery is how soon a firm's new texting number is served.
	numbersEvery = 2 * time.Second
)

// Run serves webhooks until ctx is cancelled.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	rdb, err := NewRedis(cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()

	nums := numbers.New(gdb, numbers.Secrets{sms.Twilio: cfg.TwilioAuthToken, sms.Telnyx: cfg.TelnyxPublicKey}, log)
	if err := nums.Load(ctx); err != nil {
		return err
	}
	refreshed := make(chan struct{})
	go func() {
		defer close(refreshed)
		nums.Run(ctx, numbersEvery)
	}()
	defer func() { <-refreshed }() // before the pool closes

	app := New(Deps{
		DB: gdb, Redis: rdb, Queue: NewQueue(rdb), Numbers: nums,
		PublicURL: cfg.GatewayPublicURL, Metrics: ops.NewRegistry(), Log: log,
	})
	log.Info("gateway serving", "addr", cfg.GatewayAddr, "public_url", cfg.GatewayPublicURL)
	return ops.Serve(ctx, app, cfg.GatewayAddr, cfg.ShutdownTimeout, log)
}

// NewRedis connects to the Redis at url the way the gateway needs: socket
// reads and writes honour the context deadline, so the enqueue timeout
// holds even when Redis hangs rather than refuses.
func NewRedis(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("gateway: REDIS_URL: %w", err)
	}
	opt.ContextTimeoutEnabled = true
	return redis.NewClient(opt), nil
}

// Deps is what the gateway's HTTP app is built from.
type Deps struct {
	DB        *gorm.DB              // readiness, and the spool
	Redis     redis.UniversalClient // readiness
	Queue     tasks.Enqueuer
	Numbers   webhook.Numbers
	PublicURL string // GATEWAY_PUBLIC_URL
	Metrics   *prometheus.Registry
	Log       *slog.Logger
	Now       func() time.Time // time.Now if nil
}

// New builds the gateway's fiber app.
func New(d Deps) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "parley-gateway",
		DisableStartupMessage: true,
		BodyLimit:             maxBody,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
	})
	app.Use(ops.Middleware(d.Log, ops.NewHTTPMetrics(d.Metrics, "gateway")))
	app.Use(recover.New())
	ops.Mount(app, d.Metrics, map[string]ops.Check{"postgres": ops.PostgresCheck(d.DB), "redis": ops.RedisCheck(d.Redis)})
	webhook.New(webhook.Deps{
		Numbers: d.Numbers, Queue: d.Queue, Spool: d.DB, PublicURL: d.PublicURL, Log: d.Log, Metrics: d.Metrics, Now: d.Now,
	}).Register(app)
	return app
}
