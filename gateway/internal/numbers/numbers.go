// Package numbers knows which firm each texting number belongs to, so the
// gateway can route and authenticate a webhook without a database query.
package numbers

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/sms"
)

// Entry is what the gateway needs about one number.
type Entry struct {
	FirmID  int64
	Dialect sms.Dialect
}

// Secrets holds each dialect's credential; a dialect without one has no
// numbers as far as the gateway is concerned.
type Secrets map[sms.Dialect]string

// Registry is an in-memory map of number to Entry, refreshed from Postgres
// in the background. Lookups read an immutable map through an atomic
// pointer, so they never wait for a refresh.
type Registry struct {
	gdb     *gorm.DB
	secrets Secrets
	log     *slog.Logger
	cur     atomic.Pointer[map[string]Entry]
}

// New returns an empty registry; call Load before serving.
func New(gdb *gorm.DB, secrets Secrets, log *slog.Logger) *Registry {
	r := &Registry{gdb: gdb, secrets: maps.Clone(secrets), log: log}
	empty := map[string]Entry{}
	r.cur.Store(&empty)
	return r
}

// Lookup returns the entry of an E.164 number addressed in dialect d. A
// number of the other dialect is unknown here: its carrier posts elsewhere.
func (r *Registry) Lookup(number string, d sms.Dialect) (Entry, bool) {
	e, ok := (*r.cur.Load())[number]
	if !ok || e.Dialect != d {
		return Entry{}, false
	}
	return e, true
}

// Secret returns the credential of dialect d's account, if one is configured.
func (r *Registry) Secret(d sms.Dialect) (string, bool) {
	s := r.secrets[d]
	return s, s != ""
}

// Load reads every texting firm's number and swaps the map in. On error the
// previous map stays.
func (r *Registry) Load(ctx context.Context) error {
	rows, err := r.gdb.WithContext(ctx).Raw(
		`SELECT id, texting_number, texting_dialect FROM firms WHERE texting_enabled AND texting_number IS NOT NULL`).Rows()
	if err != nil {
		return fmt.Errorf("numbers: load: %w", err)
	}
	defer rows.Close()
	next := map[string]Entry{}
	var skipped []string
	for rows.Next() {
		var (
			id      int64
			number  string
			dialect sql.NullString
		)
		if err := rows.Scan(&id, &number, &dialect); err != nil {
			return fmt.Errorf("numbers: load: %w", err)
		}
		d := sms.Dialect(dialect.String)
		if r.secrets[d] == "" {
			// Without the account's credentials no request to it can be
			// authenticated: treat the number as unknown rather than trusted.
			skipped = append(skipped, number)
			continue
		}
		next[number] = Entry{FirmID: id, Dialect: d}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("numbers: load: %w", err)
	}
	prev := r.cur.Swap(&next)
	if !maps.Equal(*prev, next) {
		sort.Strings(skipped)
		r.log.InfoContext(ctx, "texting numbers loaded", "count", len(next), "without_credentials", skipped)
	}
	return nil
}

// Run reloads every interval until ctx ends. A failed reload keeps the last
// good map: a Postgres outage must not turn every number unknown.
func (r *Registry) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		lctx, cancel := context.WithTimeout(ctx, every)
		err := r.Load(lctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "texting numbers not refreshed", "err", err)
		}
	}
}
