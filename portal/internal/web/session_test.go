package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
)

func TestIdleTimeoutSlides(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // the defaults: 15 minutes idle, 12 hours at most
	b := e.browser()
	b.signIn(seed.DemoClientEmail)

	for range 4 { // an hour of activity, a request every 14 minutes
		e.advance(14 * time.Minute)
		require.Equal(t, http.StatusOK, b.get("/portal").StatusCode)
	}
	e.advance(15*time.Minute + time.Second)
	r := b.get("/portal")
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/login?ended=idle", r.Header.Get("Location"))
	assert.Empty(t, b.cookies["parley_session"], "the cookie is cleared")
	r = b.get(r.Header.Get("Location"))
	assert.Contains(t, r.body, "You were signed out after 15 minutes of inactivity")
}

func TestIdleTimeoutHtmxGetsHXRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"SESSION_IDLE_TIMEOUT": "2m"})
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	e.advance(2 * time.Minute)
	r := b.get("/portal", "HX-Request", "true")
	assert.Equal(t, http.StatusOK, r.StatusCode, "htmx ignores headers on redirects")
	assert.Equal(t, "/login?ended=idle", r.Header.Get("HX-Redirect"))
	assert.Empty(t, r.body, "no login form swapped into a fragment")
	login := e.browser().get("/login?ended=idle")
	assert.Contains(t, login.body, "signed out after 2 minutes of inactivity", "the message follows the setting")
}

func TestAbsoluteLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"SESSION_MAX_AGE": "1h"})
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	for range 5 { // active all the time
		e.advance(10 * time.Minute)
		require.Equal(t, http.StatusOK, b.get("/portal").StatusCode)
	}
	e.advance(10 * time.Minute)
	r := b.get("/portal")
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/login?ended=max", r.Header.Get("Location"))
}

func TestKeepaliveAndLogoutFromAnyPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	e.advance(14 * time.Minute)
	assert.Equal(t, http.StatusNoContent, b.post("/session/keepalive", nil, "HX-Request", "true").StatusCode)
	e.advance(14 * time.Minute)
	r := b.get("/portal")
	require.Equal(t, http.StatusOK, r.StatusCode, "stay signed in slid the limit")
	assert.Contains(t, r.body, `action="/logout"`)
	assert.Contains(t, r.body, `data-idle-seconds="900"`, "the page knows when to warn")
	r = b.post("/logout", url.Values{})
	assert.Equal(t, "/login?signed_out=1", r.Header.Get("Location"))
	assert.Equal(t, http.StatusSeeOther, b.get("/portal").StatusCode)
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL string
		secure    bool
	}{{"http://portal.test", false}, {"https://portal.example.com", true}} {
		e := newEnv(t, map[string]string{"PUBLIC_URL": tc.publicURL})
		b := e.browser()
		b.get("/login")
		b.post("/login", url.Values{"email": {seed.DemoClientEmail}})
		tok := e.lastLink(seed.DemoClientEmail)
		r := b.post("/login/link", url.Values{"token": {tok}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		var found bool
		for _, c := range r.Cookies() {
			if c.Name == "parley_session" {
				found = true
				assert.True(t, c.HttpOnly)
				assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
				assert.Equal(t, tc.secure, c.Secure, tc.publicURL)
			}
		}
		assert.True(t, found)
	}
}

func TestBackgroundPollsDoNotKeepASessionAlive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	for _, step := range []time.Duration{5 * time.Minute, 5 * time.Minute, 4 * time.Minute} {
		e.advance(step)
		require.Equal(t, http.StatusOK, b.get("/portal", "X-Parley-Poll", "1").StatusCode, "a poll is answered")
	}
	e.advance(time.Minute + time.Second)
	r := b.get("/portal")
	assert.Equal(t, "/login?ended=idle", r.Header.Get("Location"), "15 minutes of polling only is 15 minutes idle")
}
