// Package testkit gives each test its own real Postgres database and Redis
// database, so tests run in parallel without seeing each other's data.
//
// TEST_DATABASE_URL is an admin connection (default: the local server's
// "postgres" database); TEST_REDIS_URL points at a Redis server whose
// databases 1–15 tests borrow one at a time.
package testkit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
)

const (
	defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultRedisURL = "redis://127.0.0.1:6379"
	// templateLock serialises building the migrated template across test binaries.
	templateLock = 7_340_021
	// keptLock serialises building the databases Kept keeps.
	keptLock = 7_340_022
)

// AdminURL is the Postgres connection tests use to create their databases.
func AdminURL() string {
	if v := os.Getenv("TEST_DATABASE_URL"); v != "" {
		return v
	}
	return defaultAdminURL
}

// Logger discards output unless PARLEY_TEST_LOG=1.
func Logger() *slog.Logger {
	if os.Getenv("PARLEY_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// DatabaseURL returns the URL of a new, migrated database that is dropped
// when the test ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	tpl, err := template(ctx)
	if err != nil {
		t.Fatalf("testkit: template database: %v", err)
	}
	name := "parley_t_" + randomHex(6)
	if err := createDatabase(ctx, name, tpl); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return withDatabase(AdminURL(), name)
}

// EmptyDatabaseURL returns the URL of a new database with no schema at all.
func EmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	name := "parley_t_" + randomHex(6)
	if err := createDatabase(context.Background(), name, ""); err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() { dropDatabase(name) })
	return withDatabase(AdminURL(), name)
}

// DB opens a new migrated database for the test.
func DB(t testing.TB) *gorm.DB {
	t.Helper()
	// DBAt's cleanup is registered after DatabaseURL's, so it runs first:
	// close the pool, then drop the database.
	return DBAt(t, DatabaseURL(t))
}

var (
	tplOnce sync.Once
	tplName string
	tplErr  error
)

// template returns the name of a database holding the current migrations,
// building it once per migration set (its name carries their hash).
func template(ctx context.Context) (string, error) {
	tplOnce.Do(func() { tplName, tplErr = buildTemplate(ctx) })
	return tplName, tplErr
}

func buildTemplate(ctx context.Context) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "parley_tpl_" + sum
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w (is Postgres running? `make test` starts it)", AdminURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return name, nil
	}
	// Build under a scratch name and rename, so a half-built template never
	// carries the final name.
	scratch := name + "_build"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(scratch)+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop scratch: %w", err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(scratch)); err != nil {
		return "", fmt.Errorf("create scratch: %w", err)
	}
	gdb, err := db.Open(ctx, withDatabase(AdminURL(), scratch))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, gdb, Logger())
	db.Close(gdb)
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(scratch)+" RENAME TO "+ident(name)); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationsFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationsFS(), path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func createDatabase(ctx context.Context, name, tpl string) error {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", AdminURL(), err)
	}
	defer conn.Close(ctx)
	stmt := "CREATE DATABASE " + ident(name)
	if tpl != "" {
		stmt += " TEMPLATE " + ident(tpl)
	}
	// Cloning fails while another session briefly touches the template; retry.
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, stmt)
		if err == nil || attempt == 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDatabase(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)")
}

func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("testkit: TEST_DATABASE_URL: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RedisURL borrows a Redis database (1–15) for the test, empty at the start,
// and flushes and returns it when the test ends. Database 0 holds the locks.
func RedisURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_REDIS_URL")
	if base == "" {
		base = defaultRedisURL
	}
	opt, err := redis.ParseURL(base)
	if err != nil {
		t.Fatalf("testkit: TEST_REDIS_URL: %v", err)
	}
	opt.DB = 0
	locks := redis.NewClient(opt)
	defer locks.Close()
	ctx := context.Background()
	token := randomHex(8)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for n := 1; n <= 15; n++ {
			key := "parley:testkit:redisdb:" + strconv.Itoa(n)
			ok, err := locks.SetNX(ctx, key, token, 10*time.Minute).Result()
			if err != nil {
				t.Fatalf("testkit: redis at %s: %v (is Redis running? `make test` starts it)", base, err)
			}
			if !ok {
				continue
			}
			dbOpt := *opt
			dbOpt.DB = n
			c := redis.NewClient(&dbOpt)
			err = c.FlushDB(ctx).Err()
			c.Close()
			if err != nil {
				t.Fatalf("testkit: flush redis db %d: %v", n, err)
			}
			t.Cleanup(func() {
				c := redis.NewClient(&dbOpt)
				_ = c.FlushDB(context.Background()).Err()
				c.Close()
				l := redis.NewClient(opt)
				if v, _ := l.Get(context.Background(), key).Result(); v == token {
					l.Del(context.Background(), key)
				}
				l.Close()
			})
			u, _ := url.Parse(base)
			u.Path = "/" + strconv.Itoa(n)
			return u.String()
		}
		if time.Now().After(deadline) {
			t.Fatalf("testkit: no free Redis database in 1–15 after 2 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Redis returns a client on a borrowed Redis database.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// DBAt opens a database returned by DatabaseURL, closed when the test ends.
func DBAt(t testing.TB, url string) *gorm.DB {
	t.Helper()
	gdb, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	t.Cleanup(func() { db.Close(gdb) })
	return gdb
}

// Conn is a test's database handle, for tests that set rows up and read
// them back around the code under test.
type Conn = gorm.DB

// SetUp runs a statement that sets a test's rows up, failing the test if it errs.
func SetUp(t testing.TB, db *Conn, sql string, args ...any) {
	t.Helper()
	if err := db.Exec(sql, args...).Error; err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
}

// Query reads a query's result into dst, failing the test if it errs.
func Query(t testing.TB, db *Conn, dst any, sql string, args ...any) {
	t.Helper()
	if err := db.Raw(sql, args...).Scan(dst).Error; err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
}

// Kept returns the URL of a database that build fills once, from the
// migrated template, and that is kept for later runs on this machine (a
// large data set takes too long to make per test). Its name carries kind,
// version and the migrations' hash, so a change to any of them builds a
// new one and drops the old. Tests must only read it.
func Kept(tb testing.TB, kind, version string, build func(ctx context.Context, url string) error) string {
	tb.Helper()
	ctx := context.Background()
	tpl, err := template(ctx)
	if err != nil {
		tb.Fatalf("testkit: template database: %v", err)
	}
	sum, err := migrationsHash()
	if err != nil {
		tb.Fatalf("testkit: %v", err)
	}
	prefix := "parley_kept_" + kind + "_"
	name := prefix + version + "_" + sum[:8]
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		tb.Fatalf("testkit: connect to %s: %v", AdminURL(), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", keptLock); err != nil {
		tb.Fatalf("testkit: lock: %v", err)
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", keptLock) //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		tb.Fatalf("testkit: look up %s: %v", name, err)
	}
	if exists {
		return withDatabase(AdminURL(), name)
	}
	var old []string
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix+"%")
	if err == nil {
		old, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil {
		tb.Fatalf("testkit: list kept databases: %v", err)
	}
	for _, o := range old {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(o)+" WITH (FORCE)")
	}
	// Built under a scratch name and renamed, so a half-built database
	// never carries the final name.
	scratch := prefix + "build"
	dropDatabase(scratch) // a build a crash left behind
	if err := createDatabase(ctx, scratch, tpl); err != nil {
		tb.Fatalf("testkit: %v", err)
	}
	start := time.Now()
	if err := build(ctx, withDatabase(AdminURL(), scratch)); err != nil {
		dropDatabase(scratch)
		tb.Fatalf("testkit: build %s: %v", name, err)
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(scratch)+" RENAME TO "+ident(name)); err != nil {
		tb.Fatalf("testkit: rename %s: %v", scratch, err)
	}
	tb.Logf("built %s in %s; later runs reuse it", name, time.Since(start).Round(time.Second))
	return withDatabase(AdminURL(), name)
}

// Clone returns the URL of a copy of the database at srcURL (one Kept
// keeps), for one test to change as it likes; it is dropped when the test
// ends.
func Clone(tb testing.TB, srcURL string) string {
	tb.Helper()
	u, err := url.Parse(srcURL)
	if err != nil {
		tb.Fatalf("testkit: %v", err)
	}
	name := "parley_t_" + randomHex(6)
	if err := createDatabase(context.Background(), name, strings.TrimPrefix(u.Path, "/")); err != nil {
		tb.Fatalf("testkit: %v", err)
	}
	tb.Cleanup(func() { dropDatabase(name) })
	return withDatabase(AdminURL(), name)
}
