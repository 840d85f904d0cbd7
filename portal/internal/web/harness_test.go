package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

// env is a portal on a real database and Redis, with a clock the test moves.
type env struct {
	t     *testing.T
	app   *fiber.App
	db    *gorm.DB
	store *docstore.Disk
	rdb   *redis.Client
	cfg   config.Config

	mu  sync.Mutex
	now time.Time
}

type envOption func(*web.Deps)

func withLinkLimits(perAddress, perIP int) envOption {
	return func(d *web.Deps) {
		d.LinkLimits = &auth.LinkLimits{
			PerAddress: redis_rate.Limit{Rate: perAddress, Burst: perAddress, Period: time.Hour},
			PerIP:      redis_rate.Limit{Rate: perIP, Burst: perIP, Period: time.Hour},
		}
	}
}

func newEnv(t *testing.T, vars map[string]string, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, now: time.Now()}
	dbURL := testkit.DatabaseURL(t)
	vars2 := map[string]string{"DATABASE_URL": dbURL, "PUBLIC_URL": "http://portal.test"}
	for k, v := range vars {
		vars2[k] = v
	}
	cfg, err := config.Parse(func(k string) (string, bool) { v, ok := vars2[k]; return v, ok })
	require.NoError(t, err)
	e.cfg = cfg
	e.db = testkit.DBAt(t, dbURL)
	e.store, err = docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(context.Background(), e.db, e.store, testkit.Logger()))
	rdb := testkit.Redis(t)
	e.rdb = rdb
	d := web.Deps{
		Config: cfg, DB: e.db, Redis: rdb, Store: e.store,
		Tasks: tasks.NewClient(asynq.NewClientFromRedisClient(rdb)), Log: testkit.Logger(),
		Registry: ops.NewRegistry(), Now: e.clock,
	}
	for _, o := range opts {
		o(&d)
	}
	e.app, err = web.New(d)
	require.NoError(t, err)
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// browser keeps cookies and the latest CSRF token, like a real one.
type browser struct {
	e       *env
	cookies map[string]string
	csrf    string
	ip      string
}

func (e *env) browser() *browser {
	return &browser{e: e, cookies: map[string]string{}, ip: "203.0.113.7"}
}

var csrfRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set("X-Forwarded-For", b.ip)
	resp, err := b.e.app.Test(req, -1)
	require.NoError(b.e.t, err)
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.e.t, err)
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	if m := csrfRE.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return response{resp, string(raw)}
}

func (b *browser) get(path string, headers ...string) response {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// post sends a form with the page's CSRF token, as a browser would.
func (b *browser) post(path string, form url.Values, headers ...string) response {
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) postMultipart(path string, body *bytes.Buffer, contentType string, headers ...string) response {
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var linkRE = regexp.MustCompile(`/login/link/([A-Za-z0-9_-]+)`)

// runSignInTasks does the worker's part of "email me a link": it runs the
// sign-in tasks the portal queued.
func (e *env) runSignInTasks() {
	e.t.Helper()
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	pending, err := insp.ListPendingTasks(tasks.QueueCritical, asynq.PageSize(1000))
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		require.NoError(e.t, err)
	}
	links := signin.Store{DB: e.db, Tasks: tasks.NewClient(asynq.NewClientFromRedisClient(e.rdb)), PublicURL: e.cfg.PublicURL, Now: e.clock}
	for _, ti := range pending {
		if ti.Type != tasks.TypeSignInLink {
			continue
		}
		p, err := tasks.Decode[tasks.SignInLink](asynq.NewTask(ti.Type, ti.Payload))
		require.NoError(e.t, err)
		_, err = links.SendLinks(context.Background(), p.Email, p.RequestID)
		require.NoError(e.t, err)
		require.NoError(e.t, insp.DeleteTask(tasks.QueueCritical, ti.ID))
	}
}

// lastLink reads the newest sign-in link emailed to addr.
func (e *env) lastLink(addr string) string {
	e.t.Helper()
	e.runSignInTasks()
	var em models.OutboundEmail
	require.NoError(e.t, e.db.Where("to_address = ?", addr).Order("id DESC").Take(&em).Error, "an email to %s", addr)
	m := linkRE.FindStringSubmatch(em.BodyText)
	require.NotNil(e.t, m, "a link in %q", em.BodyText)
	return m[1]
}

// signIn goes through the whole link flow for addr.
func (b *browser) signIn(addr string) {
	b.e.t.Helper()
	b.get("/login")
	r := b.post("/login", url.Values{"email": {addr}})
	require.Equal(b.e.t, http.StatusSeeOther, r.StatusCode, r.body)
	token := b.e.lastLink(addr)
	b.get("/login/link/" + token)
	r = b.post("/login/link", url.Values{"token": {token}})
	require.Equal(b.e.t, http.StatusSeeOther, r.StatusCode, r.body)
	require.NotEmpty(b.e.t, b.cookies["parley_session"])
	b.get(r.Header.Get("Location")) // lands on the home page, with the session's CSRF token
}

// newFirmAdmin adds a firm (slug) with one admin and returns their address.
func (e *env) newFirmAdmin(slug string) string {
	e.t.Helper()
	f := models.Firm{Slug: slug, Name: slug + " LLP", TimeZone: "UTC"}
	require.NoError(e.t, e.db.Create(&f).Error)
	email := "boss@" + slug + ".test"
	require.NoError(e.t, e.db.Create(&models.User{FirmID: f.ID, Email: email, Role: models.RoleAdmin, Active: true, FirstName: "Boss"}).Error)
	return email
}

// emailsTo counts the emails queued to addr.
func (e *env) emailsTo(addr string) int64 {
	e.t.Helper()
	var n int64
	require.NoError(e.t, e.db.Model(&models.OutboundEmail{}).Where("to_address = ?", addr).Count(&n).Error)
	return n
}
