package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"

	"github.com/gofiber/fiber/v2"
)

func newApp(t *testing.T) *fiber.App {
	t.Helper()
	cfg, err := config.Parse(func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	rdb := testkit.Redis(t)
	client := asynq.NewClientFromRedisClient(rdb)
	app, err := web.New(web.Deps{
		Config: cfg, DB: testkit.DB(t), Redis: rdb, Store: store,
		Tasks: tasks.NewClient(client), Log: testkit.Logger(), Registry: ops.NewRegistry(),
	})
	require.NoError(t, err)
	return app
}

func get(t *testing.T, app *fiber.App, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := app.Test(req, -1)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp, string(b)
}

func TestPagesAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	app := newApp(t)
	cases := []struct {
		path, contentType, contains string
		status                      int
	}{
		{"/", "text/html", "Sign in", 200},
		{"/no-such-page", "text/html", "could not find that page", 404},
		{"/static/htmx-2.0.11.min.js", "javascript", "htmx", 200},
		{"/static/app.css", "text/css", "--accent", 200},
		{"/healthz", "application/json", "ok", 200},
		{"/readyz", "application/json", `"ready"`, 200},
	}
	for _, tc := range cases {
		resp, body := get(t, app, tc.path)
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		assert.Contains(t, resp.Header.Get("Content-Type"), tc.contentType, tc.path)
		assert.Contains(t, body, tc.contains, tc.path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), tc.path)
		assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), tc.path)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), tc.path)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", tc.path)
		assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'", tc.path)
	}
}

func TestHtmxErrorIsAFragment(t *testing.T) {
	t.Parallel()
	app := newApp(t)
	resp, body := get(t, app, "/no-such-page", "HX-Request", "true")
	assert.Equal(t, 404, resp.StatusCode)
	assert.NotContains(t, body, "<html", "an htmx swap gets a fragment, not a page")
	assert.Contains(t, body, `role="alert"`)
}

func TestRefusesSchemaBehind(t *testing.T) {
	t.Parallel()
	url := testkit.EmptyDatabaseURL(t)
	cfg, err := config.Parse(func(k string) (string, bool) {
		if k == "DATABASE_URL" {
			return url, true
		}
		return "", false
	})
	require.NoError(t, err)
	err = web.Run(context.Background(), cfg, testkit.Logger())
	require.ErrorIs(t, err, db.ErrSchemaBehind)
	assert.Contains(t, err.Error(), "portal migrate")
}
