// Package api serves the public REST API under /api/v1: JSON only, a
// bearer token on every request, one error shape, and a rate limit per
// token. Every token acts as its user: their firm, role and matter
// permissions apply to every answer.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-redis/redis_rate/v10"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/parleyhq/parley/portal/internal/api/spec"

	"github.com/parleyhq/parley/shared/store/apitokens"
	"github.com/parleyhq/parley/shared/store/stores"
)

// Prefix is where the API is served.
const Prefix = "/api/v1"

// API is the REST API's handlers and what they need. It implements the
// server interface generated from the OpenAPI document (package spec).
type API struct {
	Stores *stores.Set
	Log    *slog.Logger
	// RateLimit is how many requests a token may make a minute.
	RateLimit int
	// Now is the clock (custom action nonces expire by it).
	Now func() time.Time
	// OAuth reads the OAuth server's access tokens; nil for none.
	OAuth   OAuthTokens
	limiter *redis_rate.Limiter
	doc     *openapi3.T
	docJSON []byte
	// checked is the document as requests are held to it (see check).
	checked *openapi3.T
	router  routers.Router
}

var _ spec.StrictServerInterface = (*API)(nil)

// OAuthTokens finds who an OAuth access token acts as.
type OAuthTokens interface {
	Authenticate(ctx context.Context, token string) (apitokens.Identity, error)
}

// New builds the API over the stores, with rate limits kept in rdb.
func New(ctx context.Context, s *stores.Set, rdb redis.UniversalClient, rateLimit int, now func() time.Time, log *slog.Logger) (*API, error) {
	doc, js, err := spec.Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("api: route the document: %w", err)
	}
	// kin-openapi checks a value against a 3.1 document by compiling a JSON
	// Schema 2020-12 validator for it, every time: a sixth of an API
	// request's CPU. The requests' schemas use nothing 2020-12 adds to
	// 3.0's (plain types, bounds, enums, lengths), so the 3.0 validator,
	// which walks the schema as it is, holds them to the same rules.
	checked := *doc
	checked.OpenAPI = "3.0.3"
	return &API{Stores: s, Log: log, RateLimit: rateLimit, Now: now, limiter: redis_rate.NewLimiter(rdb),
		doc: doc, docJSON: js, router: router, checked: &checked}, nil
}

// Mount routes the API on app. Mount it before any cookie-session or CSRF
// middleware: the API's requests carry a token, not a session, and are
// answered here whatever the path (one the document does not name is a
// JSON 404).
func (a *API) Mount(app *fiber.App) {
	g := app.Group(Prefix, a.check)
	spec.RegisterHandlers(g, spec.NewStrictHandler(a, nil))
}

// Error is the one shape of every error the API answers.
type Error struct {
	Status  int    `json:"-"`
	Type    string `json:"type"`
	Message string `json:"message"`
	// Field names the parameter at fault, when one is.
	Field string `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func notFound(msg string) *Error {
	return &Error{Status: fiber.StatusNotFound, Type: "not_found", Message: msg}
}

func unauthorized() *Error {
	return &Error{Status: fiber.StatusUnauthorized, Type: "unauthorized",
		Message: "Send a valid API token as Authorization: Bearer <token>."}
}

// IsAPI reports whether a request is the API's, whose errors are JSON.
func IsAPI(c *fiber.Ctx) bool {
	return c.Path() == Prefix || strings.HasPrefix(c.Path(), Prefix+"/")
}

// WriteError answers err in the API's error shape: an *Error as it is, a
// fiber error by its status, anything else as a 500 that says nothing of
// its cause (which is logged).
func (a *API) WriteError(c *fiber.Ctx, err error) error {
	var e *Error
	var fe *fiber.Error
	switch {
	case errors.As(err, &e):
	case errors.As(err, &fe):
		e = &Error{Status: fe.Code, Type: typeOf(fe.Code), Message: fe.Message}
	default:
		a.Log.ErrorContext(c.UserContext(), "api request failed", "err", err, "method", c.Method(), "path", c.Path())
		e = &Error{Status: fiber.StatusInternalServerError, Type: "server_error", Message: "Something went wrong on our side. Please try again."}
	}
	if e.Status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="parley"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(e.Status).JSON(fiber.Map{"error": e})
}

// typeOf names a status as the error's type.
func typeOf(status int) string {
	switch status {
	case fiber.StatusBadRequest:
		return "invalid_request"
	case fiber.StatusUnauthorized:
		return "unauthorized"
	case fiber.StatusForbidden:
		return "forbidden"
	case fiber.StatusNotFound:
		return "not_found"
	case fiber.StatusMethodNotAllowed:
		return "method_not_allowed"
	case fiber.StatusConflict:
		return "conflict"
	case fiber.StatusUnprocessableEntity:
		return "invalid_body"
	case fiber.StatusTooManyRequests:
		return "rate_limited"
	}
	if status >= 500 {
		return "server_error"
	}
	return "invalid_request"
}

type identityKey struct{}

// identity is who the request's token acts as (set by authenticate).
func identity(ctx context.Context) apitokens.Identity {
	id, _ := ctx.Value(identityKey{}).(apitokens.Identity)
	return id
}

// authenticate reads the bearer token (the header only: a token in a URL
// ends up in logs and histories) and finds its user, whom the handlers
// read from the request's context.
func (a *API) authenticate(c *fiber.Ctx) (apitokens.Identity, error) {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return apitokens.Identity{}, unauthorized()
	}
	token = strings.TrimSpace(token)
	var id apitokens.Identity
	var err error
	switch {
	case apitokens.IsPersonal(token) || a.OAuth == nil:
		id, err = a.Stores.APITokens.Authenticate(c.UserContext(), token)
	default:
		id, err = a.OAuth.Authenticate(c.UserContext(), token)
	}
	if errors.Is(err, apitokens.ErrUnauthorized) {
		return id, unauthorized()
	}
	if err != nil {
		return id, err
	}
	c.SetUserContext(context.WithValue(c.UserContext(), identityKey{}, id))
	return id, nil
}

// rateLimit allows RateLimit requests a minute per token (Redis, shared by
// every portal copy) and says where the caller stands on every answer.
func (a *API) rateLimit(c *fiber.Ctx, id apitokens.Identity) error {
	limit := redis_rate.PerMinute(a.RateLimit)
	key := fmt.Sprintf("parley:api:token:%d", id.TokenID)
	if id.AppID != 0 {
		// An application's access tokens change every hour; its
		// approval by one user is what is counted.
		key = fmt.Sprintf("parley:api:app:%d:user:%d", id.AppID, id.User.ID)
	}
	res, err := a.limiter.Allow(c.UserContext(), key, limit)
	if err != nil {
		return fmt.Errorf("api: rate limit: %w", err)
	}
	reset := time.Now().Add(res.ResetAfter)
	c.Set("X-RateLimit-Limit", strconv.Itoa(a.RateLimit))
	c.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
	c.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if res.Allowed == 0 {
		retry := int(res.RetryAfter.Round(time.Second) / time.Second)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(retry, 1)))
		return &Error{Status: fiber.StatusTooManyRequests, Type: "rate_limited",
			Message: fmt.Sprintf("More than %d requests a minute with this token. Retry after %d s.", a.RateLimit, max(retry, 1))}
	}
	return nil
}
