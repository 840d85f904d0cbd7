package web_test

import (
	"crypto/sha256"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/tasks"
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

	e.runSignInTasks() // the worker's part
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

// The portal does the same work for a known and an unknown address: no
// database query, one task each (the worker decides), so its timing cannot
// tell which addresses have accounts.
func TestLoginDoesTheSameWorkForEveryAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, withLinkLimits(100000, 100000))
	b := e.browser()
	b.get("/login")
	var queries atomic.Int64
	count := func(*gorm.DB) { queries.Add(1) }
	cb := e.db.Callback()
	require.NoError(t, cb.Query().After("gorm:query").Register("test:count", count))
	require.NoError(t, cb.Row().After("gorm:row").Register("test:count", count))
	require.NoError(t, cb.Raw().After("gorm:raw").Register("test:count", count))
	require.NoError(t, cb.Create().After("gorm:create").Register("test:count", count))
	require.NoError(t, cb.Update().After("gorm:update").Register("test:count", count))

	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	pending := func() int {
		ts, err := insp.ListPendingTasks(tasks.QueueCritical)
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return 0
		}
		require.NoError(t, err)
		return len(ts)
	}
	for _, addr := range []string{seed.DemoClientEmail, seed.DemoAdminEmail, "nobody@example.com"} {
		before, tasksBefore := queries.Load(), pending()
		r := b.post("/login", url.Values{"email": {addr}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, addr)
		assert.Equal(t, before, queries.Load(), "%s: the portal asked the database nothing", addr)
		assert.Equal(t, tasksBefore+1, pending(), "%s: one task, whatever the address", addr)
	}
}

// Timed over many interleaved requests, known and unknown addresses take
// the same time within a generous margin (medians; not one timed request).
func TestLoginTimingAlikeForKnownAndUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, withLinkLimits(100000, 100000))
	b := e.browser()
	b.get("/login")
	const n = 200
	var known, unknown []time.Duration
	for i := range 2 * n {
		addr, into := seed.DemoClientEmail, &known
		if i%2 == 1 {
			addr, into = "nobody@example.com", &unknown
		}
		start := time.Now()
		r := b.post("/login", url.Values{"email": {addr}})
		*into = append(*into, time.Since(start))
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	k, u := median(known), median(unknown)
	t.Logf("median over %d requests each: known %s, unknown %s", n, k, u)
	ratio := float64(k) / float64(u)
	assert.True(t, ratio > 1/1.5 && ratio < 1.5, "known %s against unknown %s: the timing tells them apart", k, u)
}
