package secure

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Headers())
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("home") })
	app.Get("/matters/:id", func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	app.Get("/boom", func(c *fiber.Ctx) error { return errors.New("database on fire") })

	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         "camera=(), microphone=(), geolocation=()",
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
			"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
			"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
	}
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"page", http.MethodGet, "/", http.StatusOK},
		{"no such route", http.MethodGet, "/no/such/page", http.StatusNotFound},
		{"handler says not found", http.MethodGet, "/matters/42", http.StatusNotFound},
		{"method not allowed", http.MethodPost, "/", http.StatusMethodNotAllowed},
		{"handler error", http.MethodGet, "/boom", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := app.Test(httptest.NewRequest(tt.method, tt.path, nil), -1)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, tt.status, resp.StatusCode)
			for name, value := range want {
				assert.Equal(t, value, resp.Header.Get(name), name)
			}
		})
	}
}
