package web

import (
	"crypto/subtle"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/upload"
)

const (
	sessionCookie = "parley_session"
	csrfCookie    = "parley_csrf"
	csrfHeader    = "X-CSRF-Token"
	csrfField     = "_csrf"
	// pollHeader marks background polling (badges, new texts): it does not
	// count as activity for the idle limit.
	pollHeader = ops.HeaderPoll
)

// Locals keys.
const (
	localSession = "session"
	localEnded   = "session_ended"
	localCSRF    = "csrf"
	// localUploadForm is the *upload.Form of a multipart request to an
	// upload route, whose first part (the CSRF token) csrf already read.
	localUploadForm = "upload_form"
)

// session returns the signed-in session, or nil.
func session(c *fiber.Ctx) *auth.Session {
	s, _ := c.Locals(localSession).(*auth.Session)
	return s
}

// viewer is the store's view of the signed-in account.
func viewer(s *auth.Session) store.Viewer {
	return store.Viewer{FirmID: s.FirmID, UserID: s.UserID, ContactID: s.ContactID, Admin: s.Admin}
}

func (h *handler) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	c.Cookie(&fiber.Cookie{
		Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: strings.HasPrefix(h.Config.PublicURL, "https://"), MaxAge: int(maxAge.Seconds()),
	})
}

func (h *handler) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{Name: name, Value: "", Path: "/", HTTPOnly: true, MaxAge: -1,
		Expires: time.Unix(1, 0), Secure: strings.HasPrefix(h.Config.PublicURL, "https://")})
}

// loadSession reads the session cookie. A cookie whose session ended is
// cleared, and the reason kept, so the login page can say why.
func (h *handler) loadSession(c *fiber.Ctx) error {
	id := c.Cookies(sessionCookie)
	if id == "" {
		return c.Next()
	}
	get := h.sessions.Get
	if c.Get(pollHeader) == "1" {
		get = h.sessions.Peek
	}
	sess, err := get(c.UserContext(), id)
	switch {
	case err == nil:
		c.Locals(localSession, &sess)
	case errors.Is(err, auth.ErrMaxAge):
		c.Locals(localEnded, "max")
		h.clearCookie(c, sessionCookie)
	case errors.Is(err, auth.ErrIdle), errors.Is(err, auth.ErrNoSession):
		// A vanished session is almost always one Redis expired for idleness.
		c.Locals(localEnded, "idle")
		h.clearCookie(c, sessionCookie)
	default:
		return err
	}
	return c.Next()
}

// csrf gives every visitor a token and refuses a state-changing request
// that does not carry it. Signed-in visitors use their session's token;
// others a random cookie (double submit). Cross-site requests are refused
// outright where the browser says so.
func (h *handler) csrf(c *fiber.Ctx) error {
	var token string
	if s := session(c); s != nil {
		token = s.CSRF
	} else if token = c.Cookies(csrfCookie); len(token) < 32 {
		var err error
		if token, err = randomToken(); err != nil {
			return err
		}
		h.setCookie(c, csrfCookie, token, 0)
	}
	c.Locals(localCSRF, token)
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return fiber.NewError(fiber.StatusForbidden, "This request came from another site and was refused.")
	}
	got := c.Get(csrfHeader)
	if got == "" {
		if h.uploads.match(c) && strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
			// A streamed upload carries its token as the form's first field:
			// read just that part here; the handler reads the rest.
			form, err := upload.Open(c.UserContext(), requestBody(c), c.Get(fiber.HeaderContentType))
			if err == nil {
				err = form.CheckCSRF(csrfField, func(got string) bool { return tokenEqual(got, token) })
			}
			if err != nil {
				return uploadErr(err)
			}
			c.Locals(localUploadForm, form)
			return c.Next()
		}
		got = c.FormValue(csrfField)
	}
	if !tokenEqual(got, token) {
		return errCSRF
	}
	return c.Next()
}

var errCSRF = fiber.NewError(fiber.StatusForbidden, "This form has expired. Reload the page and try again.")

// uploadRoutes are the POST routes that stream a multipart body, the only
// ones whose CSRF token may wait for the body. Every other request that
// changes state is checked before it reaches a handler.
type uploadRoutes []*regexp.Regexp

// add declares pattern (fiber's syntax, e.g. "/portal/matters/:id/documents")
// an upload route. Like fiber's router, it ignores case and a trailing slash.
func (u *uploadRoutes) add(pattern string) {
	re := regexp.MustCompile(`:[A-Za-z_]+`).ReplaceAllString(regexp.QuoteMeta(pattern), `[^/]+`)
	*u = append(*u, regexp.MustCompile(`(?i)^`+re+`/?$`))
}

func (u uploadRoutes) match(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	for _, re := range u {
		if re.MatchString(c.Path()) {
			return true
		}
	}
	return false
}

func tokenEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// require lets only signed-in accounts of kind through. Anyone else goes to
// the login page: by HX-Redirect for htmx requests, so a login form is never
// swapped into a fragment, and by a 303 otherwise.
func (h *handler) require(kinds ...auth.Kind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s := session(c)
		if s == nil {
			target := "/login"
			if ended, _ := c.Locals(localEnded).(string); ended != "" {
				target += "?ended=" + ended
			}
			return redirect(c, target)
		}
		for _, k := range kinds {
			if s.Kind == k {
				return c.Next()
			}
		}
		return redirect(c, homeOf(s))
	}
}

func homeOf(s *auth.Session) string {
	if s.Kind == auth.KindUser {
		return "/staff"
	}
	return "/portal"
}

// isHTMX reports whether htmx made the request.
func isHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// redirect sends the browser to url: HX-Redirect with a 200 for htmx (it
// ignores headers on a 3xx), 303 otherwise.
func redirect(c *fiber.Ctx, url string) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", url)
		c.Status(fiber.StatusOK)
		return nil
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}
