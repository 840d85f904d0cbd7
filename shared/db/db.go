// Package db opens Parley's Postgres database and keeps its schema current.
package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is what stores return when a row does not exist in the firm's scope.
var ErrNotFound = errors.New("not found")

// Option changes how Open connects.
type Option func(*pgx.ConnConfig)

// Traced has tracer see every statement (tests that check the plans of
// what pages send).
func Traced(tracer pgx.QueryTracer) Option {
	return func(cfg *pgx.ConnConfig) { cfg.Tracer = tracer }
}

// GenericPlans has every prepared statement run on its generic plan from
// its first use, for the portal's pages. Postgres otherwise plans a
// statement anew each time its generic plan's estimate looks dearer than
// the plans for the values sent, which for the contact search and the
// matter list was more CPU than running them. Every statement a page sends
// is held to a generic plan without a sequential scan (TestBigFirmPlans).
// Not for bulk writes: a trigger's statement over a batch's IDs then plans
// without knowing its size (a 25,000-contact import went three times slower).
func GenericPlans() Option {
	return func(cfg *pgx.ConnConfig) { cfg.RuntimeParams["plan_cache_mode"] = "force_generic_plan" }
}

// Open connects gorm to the database at url and checks that it answers.
func Open(ctx context.Context, dsn string, opts ...Option) (*gorm.DB, error) {
	cfg, err := ConnConfig(dsn)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o(cfg)
	}
	return open(ctx, dsn, postgres.New(postgres.Config{Conn: stdlib.OpenDB(*cfg)}))
}

// ConnConfig is how Parley connects to dsn. The planner keeps Postgres's
// own costs: random_page_cost 1.1, tried for a big firm's searches, made
// every small query a few percent dearer, and the searches got their own
// index-friendly forms instead.
func ConnConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: parse %s: %w", redact(dsn), err)
	}
	// A page's query is small: parallel workers only add their start-up
	// (the generic plan of a search gathered a term range in two processes),
	// and so does JIT compilation: a generic plan whose LIMIT is a
	// parameter is costed as if it read every row, past jit_above_cost,
	// and compiled 20 ms of code for a 0.5 ms query.
	cfg.RuntimeParams["max_parallel_workers_per_gather"] = "0"
	cfg.RuntimeParams["jit"] = "off"
	return cfg, nil
}

func open(ctx context.Context, dsn string, dialector gorm.Dialector) (*gorm.DB, error) {
	gdb, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
	})
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", redact(dsn), err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "3D000" {
			return nil, fmt.Errorf("db: %s does not exist: run `portal migrate` to create it: %w", redact(dsn), ErrSchemaBehind)
		}
		return nil, fmt.Errorf("db: connect to %s: %w", redact(dsn), err)
	}
	return gdb, nil
}

// Close closes the pool behind gdb.
func Close(gdb *gorm.DB) {
	if sqlDB, err := gdb.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// EnsureDatabase creates the database named in dsn if it does not exist, by
// connecting to the server's maintenance database "postgres".
func EnsureDatabase(ctx context.Context, dsn string, log *slog.Logger) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("db: parse url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("db: %s names no database", redact(dsn))
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return fmt.Errorf("db: connect to %s: %w", redact(admin.String()), err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("db: look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("db: create database %q: %w", name, err)
	}
	log.Info("created database", "database", name)
	return nil
}

// redact hides the password of a connection URL for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}
