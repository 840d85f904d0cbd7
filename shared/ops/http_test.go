package ops

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestApp is an app wired like a Parley program: request middleware
// first, another middleware after it, a few routes and the ops endpoints.
func newTestApp(t *testing.T) (*fiber.App, *prometheus.Registry, *logBuffer) {
	t.Helper()
	var out logBuffer
	logger := NewLogger(&out, "portal", "debug", "json")
	reg := NewRegistry()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Middleware(logger, NewHTTPMetrics(reg, "portal")))
	app.Use(func(c *fiber.Ctx) error { return c.Next() }) // stands for secure.Headers and the like
	app.Get("/things/:id", func(c *fiber.Ctx) error {
		logger.InfoContext(c.UserContext(), "thing shown", "id", c.Params("id"))
		return c.SendString(RequestIDFrom(c.UserContext()))
	})
	app.Get("/gone", func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	app.Post("/teapot", func(c *fiber.Ctx) error { return fiber.NewError(fiber.StatusTeapot, "short and stout") })
	app.Get("/boom", func(c *fiber.Ctx) error { return errors.New("database on fire") })
	Mount(app, reg, nil)
	return app, reg, &out
}

func do(t *testing.T, app *fiber.App, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp, string(body)
}

func TestMiddlewareLabelsByRoutePattern(t *testing.T) {
	t.Parallel()
	app, _, _ := newTestApp(t)

	for _, id := range []string{"123", "456", "789"} {
		resp, _ := do(t, app, httptest.NewRequest(http.MethodGet, "/things/"+id, nil))
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	do(t, app, httptest.NewRequest(http.MethodGet, "/no/such/page", nil))

	resp, metrics := do(t, app, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, metrics, `parley_http_requests_total{method="GET",program="portal",route="/things/:id",status="200"} 3`)
	assert.Contains(t, metrics, `parley_http_request_duration_seconds_count{method="GET",program="portal",route="/things/:id"} 3`)
	assert.Contains(t, metrics, `parley_http_requests_total{method="GET",program="portal",route="unmatched",status="404"} 1`)
	assert.NotContains(t, metrics, "/things/123")
	assert.NotContains(t, metrics, "/no/such/page")
	assert.Contains(t, metrics, "go_goroutines", "NewRegistry has the Go collector")
}

func TestMiddlewareRecordsStatusOfReturnedErrors(t *testing.T) {
	t.Parallel()
	app, reg, out := newTestApp(t)

	tests := []struct {
		method, path, route string
		status              int
	}{
		{http.MethodGet, "/gone", "/gone", http.StatusNotFound},
		{http.MethodPost, "/teapot", "/teapot", http.StatusTeapot},
		{http.MethodGet, "/boom", "/boom", http.StatusInternalServerError},
		{http.MethodDelete, "/gone", "unmatched", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		resp, _ := do(t, app, httptest.NewRequest(tt.method, tt.path, nil))
		assert.Equal(t, tt.status, resp.StatusCode, "%s %s", tt.method, tt.path)

		n, ok := metricValue(t, reg, "parley_http_requests_total", map[string]string{
			"program": "portal", "method": tt.method, "route": tt.route, "status": itoa(tt.status),
		})
		assert.True(t, ok, "no sample for %s %s", tt.method, tt.path)
		assert.Equal(t, 1.0, n, "%s %s", tt.method, tt.path)

		lines := out.Find(t, map[string]any{"msg": "http request", "method": tt.method, "route": tt.route})
		require.Len(t, lines, 1, "%s %s", tt.method, tt.path)
		assert.EqualValues(t, tt.status, lines[0]["status"])
	}

	boom := out.Find(t, map[string]any{"msg": "http request", "route": "/boom"})[0]
	assert.Equal(t, "ERROR", boom["level"])
	assert.Equal(t, "database on fire", boom["error"])
}

func TestMiddlewareRequestID(t *testing.T) {
	t.Parallel()
	app, _, out := newTestApp(t)

	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"sane id is kept", "edge-7f3a.b_9", true},
		{"none sent", "", false},
		{"bad characters", "abc def", false},
		{"header injection attempt", "abc\r\nSet-Cookie: x=1", false},
		{"too long", strings.Repeat("a", 65), false},
		{"longest allowed", strings.Repeat("a", 64), true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "/things/" + itoa(i)
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if tt.sent != "" {
				req.Header.Set(HeaderRequestID, tt.sent)
			}
			resp, body := do(t, app, req)
			require.Equal(t, http.StatusOK, resp.StatusCode)

			id := resp.Header.Get(HeaderRequestID)
			if tt.kept {
				assert.Equal(t, tt.sent, id)
			} else {
				_, err := uuid.Parse(id)
				assert.NoError(t, err, "generated id %q", id)
			}
			assert.Equal(t, id, body, "the handler sees the id in c.UserContext()")

			access := out.Find(t, map[string]any{"msg": "http request", "path": path})
			require.Len(t, access, 1)
			assert.Equal(t, id, access[0]["request_id"])
			assert.Equal(t, "/things/:id", access[0]["route"])
			assert.Equal(t, "INFO", access[0]["level"])
			assert.Contains(t, access[0], "duration_ms")

			shown := out.Find(t, map[string]any{"msg": "thing shown", "id": itoa(i)})
			require.Len(t, shown, 1)
			assert.Equal(t, id, shown[0]["request_id"], "a handler's own log line carries the id")
		})
	}
}

func TestMiddlewareProbesLogAtDebug(t *testing.T) {
	t.Parallel()
	app, _, out := newTestApp(t)
	for _, path := range []string{PathHealthz, PathReadyz, PathMetrics} {
		resp, _ := do(t, app, httptest.NewRequest(http.MethodGet, path, nil))
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		lines := out.Find(t, map[string]any{"msg": "http request", "route": path})
		require.Len(t, lines, 1, path)
		assert.Equal(t, "DEBUG", lines[0]["level"], path)
	}
}

func TestMiddlewarePollsLogAtDebug(t *testing.T) {
	t.Parallel()
	app, _, out := newTestApp(t)
	for _, poll := range []bool{true, false} {
		req := httptest.NewRequest(http.MethodGet, "/things/1", nil)
		if poll {
			req.Header.Set(HeaderPoll, "1")
		}
		do(t, app, req)
	}
	lines := out.Find(t, map[string]any{"msg": "http request", "route": "/things/:id"})
	require.Len(t, lines, 2)
	assert.Equal(t, "DEBUG", lines[0]["level"], "a page's background poll")
	assert.Equal(t, "INFO", lines[1]["level"], "a request a person made")

	// The header is the browser's to set: a failed or non-GET request
	// marked as a poll is still logged at info.
	for _, req := range []*http.Request{httptest.NewRequest(http.MethodGet, "/gone", nil), httptest.NewRequest(http.MethodPost, "/teapot", nil)} {
		req.Header.Set(HeaderPoll, "1")
		do(t, app, req)
	}
	assert.Equal(t, "INFO", out.Find(t, map[string]any{"msg": "http request", "path": "/gone"})[0]["level"])
	assert.Equal(t, "INFO", out.Find(t, map[string]any{"msg": "http request", "path": "/teapot"})[0]["level"])
}

func TestMiddlewareLabelsStaticFilesByPrefix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, writeFile(dir+"/app.js", "console.log(1)"))
	reg := NewRegistry()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Middleware(NewLogger(io.Discard, "portal", "info", "json"), NewHTTPMetrics(reg, "portal")))
	app.Static("/static", dir)

	resp, _ := do(t, app, httptest.NewRequest(http.MethodGet, "/static/app.js", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = do(t, app, httptest.NewRequest(http.MethodGet, "/static/missing.js", nil))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	n, _ := metricValue(t, reg, "parley_http_requests_total", map[string]string{"program": "portal", "method": "GET", "route": "/static", "status": "200"})
	assert.Equal(t, 1.0, n)
	n, _ = metricValue(t, reg, "parley_http_requests_total", map[string]string{"program": "portal", "method": "GET", "route": "unmatched", "status": "404"})
	assert.Equal(t, 1.0, n)
}

func TestAccessLogRedactsTokens(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Middleware(NewLogger(&logs, "portal", "info", "json"), nil))
	app.Get("/login/link/:token", func(c *fiber.Ctx) error { return c.SendString("ok") })
	resp, err := app.Test(httptest.NewRequest("GET", "/login/link/s3cr3t-token-value", nil))
	require.NoError(t, err)
	resp.Body.Close()
	recs := logs.Find(t, map[string]any{"msg": "http request"})
	require.Len(t, recs, 1)
	assert.Equal(t, "/login/link/[redacted]", recs[0]["path"])
	logs.mu.Lock()
	defer logs.mu.Unlock()
	assert.NotContains(t, logs.buf.String(), "s3cr3t-token-value")
}
