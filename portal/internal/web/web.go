// Package web is the portal's HTTP layer: routes, thin handlers, and the
// wiring of the services they call.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/portal/internal/api"
	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/oauth"
	"github.com/parleyhq/parley/portal/internal/secure"
	"github.com/parleyhq/parley/portal/internal/view"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/store/stores"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/static"
	"github.com/parleyhq/parley/templates"
)

// Deps are what the portal's handlers use.
type Deps struct {
	Config   config.Config
	DB       *gorm.DB
	Redis    redis.UniversalClient
	Store    docstore.Store
	Tasks    tasks.Enqueuer
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Now is the clock; tests replace it to expire sessions without sleeping.
	Now func() time.Time
	// LinkLimits override the sign-in rate limits (tests).
	LinkLimits *auth.LinkLimits
	// Stopping is cancelled when the portal starts shutting down, so that
	// long polls answer at once instead of holding the shutdown up
	// (nil: never).
	Stopping context.Context
}

// handler holds the dependencies; each action is a method in its own file.
type handler struct {
	Deps
	views    *view.Engine
	stores   *stores.Set
	sessions *auth.Sessions
	links    *auth.Links
	uploads  uploadRoutes
	api      *api.API
	oauth    *oauth.Server
}

func (h *handler) now() time.Time { return h.Now() }

// gcPercent is the portal's GOGC when the environment sets none. Its live
// heap is a few megabytes, so at Go's default of 100 the collector ran every
// few dozen page views and took about a sixth of the CPU; at 400 the heap
// grows by tens of megabytes between collections instead.
const gcPercent = 400

// TuneGC applies gcPercent unless GOGC is set. Run calls it; the benchmark
// too, to measure what production runs.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}

// Run opens every dependency and serves until ctx is cancelled.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	TuneGC()
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL, db.GenericPlans())
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	rdbOpt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("portal: REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(rdbOpt)
	defer rdb.Close()
	store, err := docstore.NewDisk(cfg.DocumentsDir)
	if err != nil {
		return err
	}
	client := asynq.NewClientFromRedisClient(rdb)
	app, err := New(Deps{
		Config: cfg, DB: gdb, Redis: rdb, Store: store, Tasks: tasks.NewClient(client), Log: log,
		Registry: ops.NewRegistry(), Stopping: ctx,
	})
	if err != nil {
		return err
	}
	log.Info("portal serving", "addr", cfg.PortalAddr, "public_url", cfg.PublicURL)
	return ops.Serve(ctx, app, cfg.PortalAddr, cfg.ShutdownTimeout, log)
}

// New builds the fiber app with every route.
func New(d Deps) (*fiber.App, error) {
	views, err := view.New(templates.FS, view.Funcs)
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	limits := auth.DefaultLinkLimits
	if d.LinkLimits != nil {
		limits = *d.LinkLimits
	}
	sessions := auth.NewSessions(d.Redis, d.Config.SessionIdleTimeout, d.Config.SessionMaxAge)
	sessions.Now = d.Now
	h := &handler{
		Deps: d, views: views, stores: newStores(d), sessions: sessions,
		links: &auth.Links{Tasks: d.Tasks, Limiter: auth.NewLimiter(d.Redis, limits)},
	}
	app := fiber.New(fiber.Config{
		AppName:               "parley-portal",
		DisableStartupMessage: true,
		Views:                 views,
		ErrorHandler:          h.errorHandler,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           2 * time.Minute,
		// Behind a reverse proxy the client's IP (for rate limits) comes
		// from X-Forwarded-For, believed only from the configured proxies.
		ProxyHeader:             proxyHeader(d.Config),
		EnableTrustedProxyCheck: len(d.Config.TrustedProxies) > 0,
		TrustedProxies:          d.Config.TrustedProxies,
		EnableIPValidation:      true,
		// Uploads are read as a stream into the document store; ordinary
		// forms stay small.
		StreamRequestBody: true,
		// fasthttp would otherwise parse multipart bodies itself, holding the
		// files and re-serialising the form with fields before files.
		DisablePreParseMultipartForm: true,
		BodyLimit:                    maxUploadFiles*int(min(d.Config.UploadMaxBytes, 1<<30)) + 1<<20,
		ReadBufferSize:               16 << 10,
		// The REST API's answers: goccy/go-json writes what encoding/json
		// does at a third of its cost (a page of fifty contacts).
		JSONEncoder: gojson.Marshal,
		JSONDecoder: gojson.Unmarshal,
	})
	app.Use(secure.Headers())
	app.Use(ops.Middleware(d.Log, ops.NewHTTPMetrics(d.Registry, "portal")))
	app.Use(recover.New()) // after ops, so a panic is logged and counted as a 500
	ops.Mount(app, d.Registry, map[string]ops.Check{"postgres": ops.PostgresCheck(d.DB), "redis": ops.RedisCheck(d.Redis)})
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(static.FS), MaxAge: 3600}))
	// The API first: its requests carry a token, not a session or a CSRF
	// token, and it answers every path under its prefix itself.
	if h.api, err = api.New(context.Background(), h.stores, d.Redis, d.Config.APIRateLimit, d.Now, d.Log); err != nil {
		return nil, err
	}
	// The OAuth server too: integrations post to it with client
	// credentials, not a session.
	if h.oauth, err = oauth.New(context.Background(), h.stores.OAuth, d.Config.PublicURL); err != nil {
		return nil, err
	}
	h.api.OAuth = h.oauth
	h.api.Mount(app)
	app.All(oauth.Prefix+"/*", adaptor.HTTPHandler(h.oauth.Handler()))
	h.routes(app)
	return app, nil
}

// errorHandler shows a readable page (or a short message for htmx swaps)
// and logs unexpected errors once, here, with the request ID.
func (h *handler) errorHandler(c *fiber.Ctx, err error) error {
	if api.IsAPI(c) {
		return h.api.WriteError(c, err) // JSON, never a page
	}
	code := fiber.StatusInternalServerError
	msg := "Something went wrong on our side. Please try again."
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code = fe.Code
		msg = fe.Message
		if code == fiber.StatusNotFound {
			msg = "We could not find that page."
		}
	} else {
		h.Log.ErrorContext(c.UserContext(), "request failed", "err", err, "method", c.Method(), "path", c.Path())
	}
	c.Status(code)
	if isHTMX(c) {
		// Show the message in the flash area instead of swapping it into
		// whatever the request targeted.
		c.Set("HX-Retarget", "#flash")
		c.Set("HX-Reswap", "innerHTML")
		return c.Render("public/error#partials/error", msg)
	}
	return h.render(c, "public/error", "", "Error", fiber.Map{"Code": code, "Message": msg})
}

// newStores builds the stores over d's database, on d's clock.
func newStores(d Deps) *stores.Set {
	s := stores.New(d.DB)
	s.Events.Clock, s.Texting.Clock = d.Now, d.Now
	s.Signin.Tasks, s.Signin.PublicURL, s.Signin.Now = d.Tasks, d.Config.PublicURL, d.Now
	s.OAuth.Now = d.Now
	return s
}

func proxyHeader(cfg config.Config) string {
	if len(cfg.TrustedProxies) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}
