package ops

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Paths Mount registers.
const (
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
	PathMetrics = "/metrics"
)

// CheckTimeout bounds each readiness check.
const CheckTimeout = 2 * time.Second

// Check reports whether one dependency is usable; nil means ready.
type Check func(ctx context.Context) error

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Mount registers GET /healthz (alive: always 200), GET /readyz (every check
// passes: 200, else 503 naming the failures) and GET /metrics (reg in
// Prometheus text format).
func Mount(app *fiber.App, reg *prometheus.Registry, checks map[string]Check) {
	app.Get(PathHealthz, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(fiber.Map{"status": "ok"})
	})
	app.Get(PathReadyz, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "no-store")
		results, ready := runChecks(c.UserContext(), checks)
		if !ready {
			return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "not ready", "checks": results})
		}
		return c.JSON(fiber.Map{"status": "ready", "checks": results})
	})
	// A collector that fails is reported in the scrape, not a reason to fail it.
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	app.Get(PathMetrics, adaptor.HTTPHandler(metrics))
}

// runChecks runs every check at once, each bounded by CheckTimeout even if it
// ignores its context, and returns "ok" or the error text per name.
func runChecks(ctx context.Context, checks map[string]Check) (map[string]string, bool) {
	type result struct {
		name string
		err  error
	}
	names := make([]string, 0, len(checks))
	for name := range checks {
		names = append(names, name)
	}
	sort.Strings(names)

	done := make(chan result, len(names))
	for _, name := range names {
		go func() {
			ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- checks[name](ctx) }()
			select {
			case err := <-errc:
				done <- result{name, err}
			case <-ctx.Done():
				done <- result{name, fmt.Errorf("no answer within %s: %w", CheckTimeout, ctx.Err())}
			}
		}()
	}

	results := make(map[string]string, len(names))
	ready := true
	for range names {
		r := <-done
		if r.err != nil {
			ready = false
			results[r.name] = r.err.Error()
			continue
		}
		results[r.name] = "ok"
	}
	return results, ready
}

// PostgresCheck pings the database behind db.
func PostgresCheck(db *gorm.DB) Check {
	return func(ctx context.Context) error {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		return sqlDB.PingContext(ctx)
	}
}

// RedisCheck pings Redis.
func RedisCheck(rdb redis.UniversalClient) Check {
	return func(ctx context.Context) error {
		return rdb.Ping(ctx).Err()
	}
}
