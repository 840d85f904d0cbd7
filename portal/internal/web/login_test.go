package web_test

import (
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

func TestLoginAnswersAlikeForKnownAndUnknownAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/login")
	known := b.post("/login", url.Values{"email": {"  Client@Demo.Parley.test "}})
	unknown := b.post("/login", url.Values{"email": {"nobody@example.com"}})
	require.Equal(t, http.StatusSeeOther, known.StatusCode)
	require.Equal(t, http.StatusSeeOther, unknown.StatusCode)
	sentKnown, sentUnknown := b.get(known.Header.Get("Location")), b.get(unknown.Header.Get("Location"))
	assert.Equal(t, strings.ReplaceAll(sentKnown.body, seed.DemoClientEmail, "X"), strings.ReplaceAll(sentUnknown.body, "nobody@example.com", "X"),
		"the page does not tell whether an account exists")

	var n int64
	require.NoError(t, e.db.Model(&models.OutboundEmail{}).Where("to_address = ?", seed.DemoClientEmail).Count(&n).Error)
	assert.Equal(t, int64(1), n, "the known address gets one email")
	require.NoError(t, e.db.Model(&models.OutboundEmail{}).Where("to_address = ?", "nobody@example.com").Count(&n).Error)
	assert.Zero(t, n)

	bad := b.post("/login", url.Values{"email": {"not-an-email"}})
	assert.Equal(t, http.StatusUnprocessableEntity, bad.StatusCode)
	assert.Contains(t, bad.body, "valid email address")
}

func TestLinkTokenProperties(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/login")
	b.post("/login", url.Values{"email": {seed.DemoClientEmail}})
	token := e.lastLink(seed.DemoClientEmail)

	assert.GreaterOrEqual(t, len(token), 43, "at least 256 bits, base64url")
	var rows []models.LoginToken
	require.NoError(t, e.db.Find(&rows).Error)
	require.Len(t, rows, 1)
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, sum[:], rows[0].TokenHash, "only the hash is stored")
	assert.WithinDuration(t, e.clock().Add(time.Hour), rows[0].ExpiresAt, time.Second, "valid for one hour")

	// Opening the link (a mail scanner would) does not use it up.
	for range 2 {
		r := b.get("/login/link/" + token)
		require.Equal(t, http.StatusOK, r.StatusCode)
		assert.Contains(t, r.body, `id="continue"`)
	}
	r := b.post("/login/link", url.Values{"token": {token}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/portal", r.Header.Get("Location"))
	firstSession := b.cookies["parley_session"]

	// Single use: a second try (another browser) fails and offers a new link.
	other := e.browser()
	other.get("/login")
	r = other.post("/login/link", url.Values{"token": {token}})
	assert.Equal(t, http.StatusGone, r.StatusCode)
	assert.Contains(t, r.body, "already used")
	assert.Contains(t, r.body, `name="email" value="`+seed.DemoClientEmail+`"`, "one tap for a new link")
	assert.Empty(t, other.cookies["parley_session"])

	// Signing in again gives a new session ID, and signing out ends the old one.
	b.get("/portal")
	r = b.post("/logout", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Empty(t, b.cookies["parley_session"])
	b.signIn(seed.DemoClientEmail)
	assert.NotEqual(t, firstSession, b.cookies["parley_session"])
	stale := e.browser()
	stale.cookies["parley_session"] = firstSession
	assert.Equal(t, http.StatusSeeOther, stale.get("/portal").StatusCode, "the old session is gone")
}

func TestExpiredLinkOffersANewOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/login")
	b.post("/login", url.Values{"email": {seed.DemoClientEmail}})
	token := e.lastLink(seed.DemoClientEmail)

	e.advance(59 * time.Minute)
	assert.Equal(t, http.StatusOK, b.get("/login/link/"+token).StatusCode, "still valid just before the hour")
	e.advance(2 * time.Minute)
	r := b.get("/login/link/" + token)
	assert.Equal(t, http.StatusGone, r.StatusCode)
	assert.Contains(t, r.body, "expired")
	assert.Contains(t, r.body, `id="new-link"`)
	r = b.post("/login/link", url.Values{"token": {token}})
	assert.Equal(t, http.StatusGone, r.StatusCode, "nor can it be used")

	// The one tap: the page's form posts the address for a new link.
	r = b.post("/login", url.Values{"email": {seed.DemoClientEmail}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.NotEqual(t, token, e.lastLink(seed.DemoClientEmail))

	r = b.get("/login/link/not-a-real-token")
	assert.Equal(t, http.StatusGone, r.StatusCode)
	assert.Contains(t, r.body, "not valid")
}

func TestLinkRequestsAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, withLinkLimits(2, 3))
	b := e.browser()
	b.get("/login")
	for range 2 {
		require.Equal(t, http.StatusSeeOther, b.post("/login", url.Values{"email": {seed.DemoClientEmail}}).StatusCode)
	}
	r := b.post("/login", url.Values{"email": {seed.DemoClientEmail}})
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode, "per address")
	assert.Contains(t, r.body, "Too many sign-in links")
	assert.NotEmpty(t, r.Header.Get("Retry-After"))

	// Another address from the same IP: the IP's budget (3) has one left.
	assert.Equal(t, http.StatusSeeOther, b.post("/login", url.Values{"email": {"a@example.com"}}).StatusCode)
	assert.Equal(t, http.StatusTooManyRequests, b.post("/login", url.Values{"email": {"b@example.com"}}).StatusCode, "per IP")
}

func TestUninvitedContactCannotSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/login")
	b.post("/login", url.Values{"email": {seed.DemoRelatedEmail}})
	var n int64
	require.NoError(t, e.db.Model(&models.OutboundEmail{}).Where("to_address = ?", seed.DemoRelatedEmail).Count(&n).Error)
	assert.Zero(t, n, "the related contact was never invited")

	// A firm user invites them; the invitation is a link like any other.
	staff := e.browser()
	staff.signIn(seed.DemoAdminEmail)
	var matterID int64
	require.NoError(t, e.db.Model(&models.Matter{}).Select("id").Take(&matterID).Error)
	r := staff.post("/staff/matters/"+itoa(matterID)+"/invite", url.Values{"email": {"someone@else.com"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "only one of the client's addresses")
	r = staff.post("/staff/matters/"+itoa(matterID)+"/invite", url.Values{"email": {seed.DemoClientEmail}})
	assert.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.NotEmpty(t, e.lastLink(seed.DemoClientEmail))
}

func TestClientIPBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	// app.Test's connections come from 0.0.0.0; trust it as the proxy.
	e := newEnv(t, map[string]string{"TRUSTED_PROXIES": "0.0.0.0/32"}, withLinkLimits(5, 1))
	first, second := e.browser(), e.browser()
	first.ip, second.ip = "198.51.100.1", "198.51.100.2"
	first.get("/login")
	second.get("/login")
	assert.Equal(t, http.StatusSeeOther, first.post("/login", url.Values{"email": {"a@example.com"}}).StatusCode)
	assert.Equal(t, http.StatusSeeOther, second.post("/login", url.Values{"email": {"b@example.com"}}).StatusCode,
		"each client behind the proxy has its own budget")
	assert.Equal(t, http.StatusTooManyRequests, first.post("/login", url.Values{"email": {"c@example.com"}}).StatusCode)
}
