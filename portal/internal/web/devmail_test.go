package web_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// /dev/mail holds everyone's sign-in links: development only, from this
// computer only, and every page in development says so.
func TestDevMailOnlyFromLoopback(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"PARLEY_ENV": "dev"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = e.app.Listener(ln) }()
	t.Cleanup(func() { _ = e.app.Shutdown() })
	base := "http://" + ln.Addr().String()

	get := func(url string, headers ...string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, body := get(base + "/dev/mail")
	assert.Equal(t, http.StatusOK, code, "from loopback")
	assert.Contains(t, body, "dev-banner")
	code, _ = get(base+"/dev/mail", "X-Forwarded-For", "203.0.113.7")
	assert.Equal(t, http.StatusForbidden, code, "forwarded by a proxy on this computer for someone else")
	code, _ = get(base+"/dev/mail", "Forwarded", "for=203.0.113.7")
	assert.Equal(t, http.StatusForbidden, code)

	// app.Test's connection is not a loopback one.
	r := e.browser().get("/dev/mail")
	assert.Equal(t, http.StatusForbidden, r.StatusCode, "from elsewhere")
	assert.NotContains(t, r.body, "/login/link/")

	code, body = get(base + "/login")
	assert.Equal(t, http.StatusOK, code)
	assert.True(t, strings.Contains(body, `class="dev-banner"`), "every page in development mode warns")
}

func TestDevMailNotInProduction(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"PARLEY_ENV": "prod", "PUBLIC_URL": "https://portal.example.com"})
	b := e.browser()
	assert.Equal(t, http.StatusNotFound, b.get("/dev/mail").StatusCode)
	assert.NotContains(t, b.get("/login").body, "dev-banner")
}
