package ops

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// HeaderRequestID is read from the request when sane and always set on the response.
const HeaderRequestID = "X-Request-ID"

// HeaderPoll marks a page's background poll (a badge, new texts): it is
// logged at debug level, so the polls of an open page do not drown the log.
const HeaderPoll = "X-Parley-Poll"

// RouteUnmatched is the route label of requests no route answered.
const RouteUnmatched = "unmatched"

// HTTPMetrics holds the request counter and latency histogram of one program.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewHTTPMetrics registers parley_http_requests_total and
// parley_http_request_duration_seconds on reg, labelled program=<program>.
// It panics if they are already registered, as any wiring mistake at boot should.
func NewHTTPMetrics(reg prometheus.Registerer, program string) *HTTPMetrics {
	m := &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "parley_http_requests_total",
			Help:        "HTTP requests served, by route pattern, method and status.",
			ConstLabels: prometheus.Labels{"program": program},
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "parley_http_request_duration_seconds",
			Help:        "Time to serve an HTTP request, by route pattern and method.",
			ConstLabels: prometheus.Labels{"program": program},
			Buckets:     []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *HTTPMetrics) observe(method, route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Middleware gives each request an ID (X-Request-ID), puts it in
// c.UserContext() for handlers to log with, records m by route pattern and
// writes one access log line. m may be nil.
//
// Register it first, with app.Use, so it sees every request. It hands a
// handler's error to the app's error handler itself, so the status it records
// and logs is the one sent; the error does not travel further up.
func Middleware(logger *slog.Logger, m *HTTPMetrics) fiber.Handler {
	routes := &endpointIndex{}
	return func(c *fiber.Ctx) error {
		start := time.Now()

		id := c.Get(HeaderRequestID)
		if validRequestID(id) {
			id = strings.Clone(id) // fiber's strings point into a reused buffer
		} else {
			id = uuid.NewString()
		}
		c.Set(HeaderRequestID, id)
		c.SetUserContext(WithRequestID(c.UserContext(), id))

		chainErr := c.Next()
		if chainErr != nil {
			if err := c.App().ErrorHandler(c, chainErr); err != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		elapsed := time.Since(start)
		status := c.Response().StatusCode()
		route := routes.label(c, status)
		method := methodLabel(c.Method())
		m.observe(method, route, status, elapsed)

		level := slog.LevelInfo
		switch {
		case status >= fiber.StatusInternalServerError:
			level = slog.LevelError
		case isProbeRoute(route), isPoll(c, status):
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", method),
			slog.String("route", route),
			slog.String("path", loggedPath(c)),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String(KeyRequestID, id),
		}
		if chainErr != nil {
			attrs = append(attrs, slog.String("error", chainErr.Error()))
		}
		// The request ID is added above; a bare context keeps it from appearing twice.
		logger.LogAttrs(context.Background(), level, "http request", attrs...)
		return nil
	}
}

// isPoll is a page's background poll that went well: a GET marked with
// HeaderPoll answered below 400. The header comes from the browser, so a
// failure, or anything but a GET, stays at info: marking requests must
// not hide probing from the log.
func isPoll(c *fiber.Ctx, status int) bool {
	return c.Get(HeaderPoll) == "1" && c.Method() == fiber.MethodGet && status < fiber.StatusBadRequest
}

// secretParams are route parameters that carry credentials (a sign-in
// link's token): the access log must not hand them to whoever reads it.
var secretParams = map[string]bool{"token": true}

// loggedPath is the request path with secret route parameters redacted.
func loggedPath(c *fiber.Ctx) string {
	path := c.Path()
	r := c.Route()
	if r == nil {
		return path
	}
	for _, name := range r.Params {
		if v := c.Params(name); secretParams[name] && v != "" {
			path = strings.Replace(path, v, "[redacted]", 1)
		}
	}
	return path
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func isProbeRoute(route string) bool {
	return route == PathHealthz || route == PathReadyz || route == PathMetrics
}

// methodLabel returns a constant string: fiber's own is only valid during the
// request, and a metric label lives on.
func methodLabel(method string) string {
	switch method {
	case fiber.MethodGet:
		return fiber.MethodGet
	case fiber.MethodHead:
		return fiber.MethodHead
	case fiber.MethodPost:
		return fiber.MethodPost
	case fiber.MethodPut:
		return fiber.MethodPut
	case fiber.MethodPatch:
		return fiber.MethodPatch
	case fiber.MethodDelete:
		return fiber.MethodDelete
	case fiber.MethodOptions:
		return fiber.MethodOptions
	case fiber.MethodConnect:
		return fiber.MethodConnect
	case fiber.MethodTrace:
		return fiber.MethodTrace
	}
	return "OTHER"
}

// endpointIndex tells endpoint routes (app.Get, app.Post, ...) from
// middleware routes (app.Use, app.Static). After c.Next(), c.Route() is the
// last route that ran; when the router found no endpoint it is a middleware
// route, and labelling by its prefix would be wrong.
type endpointIndex struct {
	mu   sync.Mutex
	apps map[*fiber.App]map[endpointKey]struct{}
}

type endpointKey struct {
	method, path string
	first        *fiber.Handler
}

func keyOf(r *fiber.Route) (endpointKey, bool) {
	if len(r.Handlers) == 0 {
		return endpointKey{}, false
	}
	return endpointKey{method: r.Method, path: r.Path, first: &r.Handlers[0]}, true
}

// label is the route pattern for the metric and the log. It is only
// "unmatched" for the router's own 404 and 405: a static file served, or a
// middleware answering by itself, is labelled by its registered prefix.
func (x *endpointIndex) label(c *fiber.Ctx, status int) string {
	r := c.Route()
	if status != fiber.StatusNotFound && status != fiber.StatusMethodNotAllowed {
		return r.Path
	}
	if x.isEndpoint(c.App(), r) {
		return r.Path
	}
	return RouteUnmatched
}

func (x *endpointIndex) isEndpoint(app *fiber.App, r *fiber.Route) bool {
	key, ok := keyOf(r)
	if !ok {
		return false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	set, ok := x.apps[app]
	if !ok || len(set) == 0 {
		// Routes are all registered before the app serves, so one look suffices.
		set = map[endpointKey]struct{}{}
		for _, route := range app.GetRoutes(true) {
			if k, ok := keyOf(&route); ok {
				set[k] = struct{}{}
			}
		}
		if x.apps == nil {
			x.apps = map[*fiber.App]map[endpointKey]struct{}{}
		}
		x.apps[app] = set
	}
	_, ok = set[key]
	return ok
}
