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

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/ops"
)

// maxBody bounds a webhook body: carriers send a few kilobytes at most.
const maxBody = 256 << 10

// Run serves webhooks until ctx is cancelled.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := db.CheckSchema(ctx, gdb); err != nil {
		return err
	}
	rdbOpt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("gateway: REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(rdbOpt)
	defer rdb.Close()
	app := New(gdb, rdb, ops.NewRegistry(), log)
	log.Info("gateway serving", "addr", cfg.GatewayAddr, "public_url", cfg.GatewayPublicURL)
	return ops.Serve(ctx, app, cfg.GatewayAddr, cfg.ShutdownTimeout, log)
}

// New builds the gateway's fiber app.
func New(gdb *gorm.DB, rdb redis.UniversalClient, reg *prometheus.Registry, log *slog.Logger) *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "parley-gateway",
		DisableStartupMessage: true,
		BodyLimit:             maxBody,
		ReadTimeout:           10 * time.Second,
		WriteTimeout:          10 * time.Second,
	})
	app.Use(ops.Middleware(log, ops.NewHTTPMetrics(reg, "gateway")))
	app.Use(recover.New())
	ops.Mount(app, reg, map[string]ops.Check{"postgres": ops.PostgresCheck(gdb), "redis": ops.RedisCheck(rdb)})
	return app
}
