package ops

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func readyz(t *testing.T, app *fiber.App) (int, readiness) {
	t.Helper()
	resp, body := do(t, app, httptest.NewRequest(http.MethodGet, PathReadyz, nil))
	var r readiness
	require.NoError(t, json.Unmarshal([]byte(body), &r), body)
	return resp.StatusCode, r
}

func healthApp(checks map[string]Check) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	Mount(app, NewRegistry(), checks)
	return app
}

func ok(context.Context) error { return nil }

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		checks     map[string]Check
		wantStatus int
		want       readiness
	}{
		{
			name:       "all ok",
			checks:     map[string]Check{"postgres": ok, "redis": ok},
			wantStatus: http.StatusOK,
			want:       readiness{"ready", map[string]string{"postgres": "ok", "redis": "ok"}},
		},
		{
			name:       "no checks",
			checks:     nil,
			wantStatus: http.StatusOK,
			want:       readiness{"ready", map[string]string{}},
		},
		{
			name: "one fails",
			checks: map[string]Check{
				"postgres": ok,
				"redis":    func(context.Context) error { return errors.New("dial tcp: connection refused") },
			},
			wantStatus: http.StatusServiceUnavailable,
			want:       readiness{"not ready", map[string]string{"postgres": "ok", "redis": "dial tcp: connection refused"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := readyz(t, healthApp(tt.checks))
			assert.Equal(t, tt.wantStatus, status)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadyzBoundsAHangingCheck(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	defer close(release)
	app := healthApp(map[string]Check{
		"postgres": ok,
		"stuck":    func(context.Context) error { <-release; return nil }, // ignores its context
	})

	start := time.Now()
	status, got := readyz(t, app)
	assert.Less(t, time.Since(start), CheckTimeout+time.Second)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, "ok", got.Checks["postgres"])
	assert.Contains(t, got.Checks["stuck"], "no answer within 2s")
}

func TestHealthzAlwaysOK(t *testing.T) {
	t.Parallel()
	app := healthApp(map[string]Check{"redis": func(context.Context) error { return errors.New("down") }})
	resp, body := do(t, app, httptest.NewRequest(http.MethodGet, PathHealthz, nil))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, body)
}

// TestReadyzFollowsARealRedis runs its own redis-server, then kills it.
func TestReadyzFollowsARealRedis(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = rdb.Close() })

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	Mount(app, NewRegistry(), map[string]Check{"redis": RedisCheck(rdb)})
	base := serveForTest(t, app)

	status, body := get(t, base+PathReadyz)
	assert.Equal(t, http.StatusOK, status, body)
	assert.JSONEq(t, `{"status":"ready","checks":{"redis":"ok"}}`, body)

	srv.Kill()

	status, body = get(t, base+PathReadyz)
	assert.Equal(t, http.StatusServiceUnavailable, status, body)
	var got readiness
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, "not ready", got.Status)
	require.Contains(t, got.Checks, "redis")
	assert.NotEqual(t, "ok", got.Checks["redis"])
	assert.NotEmpty(t, got.Checks["redis"], "the failing check says why")

	status, _ = get(t, base+PathHealthz)
	assert.Equal(t, http.StatusOK, status, "liveness does not depend on redis")
}

// serveForTest serves app on 127.0.0.1 until the test ends and returns its base URL.
func serveForTest(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Listen(ctx, app, ln, 5*time.Second, NewLogger(io.Discard, "test", "error", "json")) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestPostgresCheckFailsWhenUnreachable(t *testing.T) {
	t.Parallel()
	dsn := "host=127.0.0.1 port=" + itoa(freePort(t)) + " user=parley dbname=parley sslmode=disable connect_timeout=1"
	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{DisableAutomaticPing: true})
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })

	status, got := readyz(t, healthApp(map[string]Check{"postgres": PostgresCheck(db)}))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, got.Checks["postgres"], "connect")
}
