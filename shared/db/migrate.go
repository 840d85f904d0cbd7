package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
)

// ErrSchemaBehind means the database lacks migrations this build knows.
var ErrSchemaBehind = errors.New("database schema is behind this build: run `portal migrate`")

func provider(sqlDB *sql.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, MigrationsFS())
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration in order. Running it on a current
// schema does nothing. goose takes a Postgres advisory lock, so two copies
// started at once do not race.
func Migrate(ctx context.Context, gdb *gorm.DB, log *slog.Logger) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	p, err := provider(sqlDB)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration.String())
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("db: read schema version: %w", err)
	}
	log.Info("schema is current", "version", v, "applied_now", len(results))
	return nil
}

// CheckSchema returns ErrSchemaBehind if any migration is pending, so a
// program refuses to run against a schema it was not built for.
func CheckSchema(ctx context.Context, gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return fmt.Errorf("db: %w", err)
	}
	p, err := provider(sqlDB)
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("db: check schema: %w", err)
	}
	if pending {
		return ErrSchemaBehind
	}
	return nil
}

// OpenCurrent opens the database and refuses it if its schema is behind
// this build, which is how every program starts.
func OpenCurrent(ctx context.Context, dsn string, opts ...Option) (*gorm.DB, error) {
	gdb, err := Open(ctx, dsn, opts...)
	if err != nil {
		return nil, err
	}
	if err := CheckSchema(ctx, gdb); err != nil {
		Close(gdb)
		return nil, err
	}
	return gdb, nil
}
