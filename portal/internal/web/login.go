package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/signin"
)

type loginData struct {
	Email   string
	Notice  string
	Error   string
	Expired bool
}

// loginForm shows the email form, saying why if a session just ended.
func (h *handler) loginForm(c *fiber.Ctx) error {
	if s := session(c); s != nil {
		return redirect(c, homeOf(s))
	}
	d := loginData{}
	switch c.Query("ended") {
	case "idle":
		d.Notice = "You were signed out after " + humanDuration(h.Config.SessionIdleTimeout) + " of inactivity. Sign in again to continue."
		d.Expired = true
	case "max":
		d.Notice = "For your security, sessions end after " + humanDuration(h.Config.SessionMaxAge) + ". Sign in again to continue."
		d.Expired = true
	case "everywhere":
		d.Notice = "You are signed out on every device."
	}
	if c.Query("signed_out") == "1" {
		d.Notice = "You are signed out."
	}
	return h.render(c, "public/login", "", "Sign in", d)
}

// loginRequest emails a link. The answer is the same whether or not the
// address has an account.
func (h *handler) loginRequest(c *fiber.Ctx) error {
	email := store.NormalizeEmail(c.FormValue("email"))
	if email == "" {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "public/login", "", "Sign in", loginData{Email: c.FormValue("email"), Error: "Enter a valid email address, like name@example.com."})
	}
	err := h.links.Request(c.UserContext(), email, c.IP())
	var rl *auth.RateLimitedError
	if errors.As(err, &rl) {
		c.Status(fiber.StatusTooManyRequests)
		c.Set(fiber.HeaderRetryAfter, itoa(int64(rl.RetryAfter.Seconds())))
		return h.render(c, "public/login", "", "Sign in", loginData{Email: email,
			Error: "Too many sign-in links were asked for. Please wait " + humanDuration(rl.RetryAfter.Round(60e9)) + " and try again, or use the last link we sent."})
	}
	if err != nil {
		return err
	}
	return redirect(c, "/login/sent?email="+url.QueryEscape(email))
}

// loginSent confirms without saying whether the address is known.
func (h *handler) loginSent(c *fiber.Ctx) error {
	return h.render(c, "public/login_sent", "", "Check your email", loginData{Email: store.NormalizeEmail(c.Query("email"))})
}

type linkData struct {
	Token    string
	Email    string
	FirmName string
	Problem  string // "", "expired", "used", "unknown"
}

// linkPage shows a Continue button for a live link. Opening a link (GET)
// never signs in: mail scanners open links too.
func (h *handler) linkPage(c *fiber.Ctx) error {
	token := c.Params("token")
	link, err := h.stores.Signin.Check(c.UserContext(), token)
	if err != nil {
		return h.linkProblem(c, err)
	}
	return h.render(c, "public/link", "", "Continue signing in", linkData{Token: token, Email: link.Email, FirmName: link.FirmName})
}

// linkUse signs in with the link and starts a new session.
func (h *handler) linkUse(c *fiber.Ctx) error {
	acct, err := h.stores.Signin.Consume(c.UserContext(), c.FormValue("token"))
	if err != nil {
		return h.linkProblem(c, err)
	}
	if old := c.Cookies(sessionCookie); old != "" {
		_ = h.sessions.Destroy(c.UserContext(), old)
	}
	// A new ID at every sign-in, so a planted cookie is worth nothing.
	id, sess, err := h.sessions.Create(c.UserContext(), acct)
	if err != nil {
		return err
	}
	h.setCookie(c, sessionCookie, id, 0)
	h.clearCookie(c, csrfCookie)
	return redirect(c, h.afterSignIn(c, &sess))
}

func (h *handler) linkProblem(c *fiber.Ctx, err error) error {
	var le *signin.LinkError
	d := linkData{Problem: "unknown"}
	switch {
	case errors.As(err, &le) && errors.Is(err, signin.ErrLinkExpired):
		d.Problem, d.Email = "expired", le.Email
	case errors.As(err, &le) && errors.Is(err, signin.ErrLinkUsed):
		d.Problem, d.Email = "used", le.Email
	case errors.Is(err, signin.ErrLinkUnknown):
	default:
		return err
	}
	c.Status(fiber.StatusGone)
	return h.render(c, "public/link", "", "This link cannot be used", d)
}

// logout ends the session from any page.
func (h *handler) logout(c *fiber.Ctx) error {
	if id := c.Cookies(sessionCookie); id != "" {
		if err := h.sessions.Destroy(c.UserContext(), id); err != nil {
			return err
		}
	}
	h.clearCookie(c, sessionCookie)
	return redirect(c, "/login?signed_out=1")
}

// keepalive answers the "stay signed in" button: any request slides the
// idle limit, this one just has nothing else to do.
func (h *handler) keepalive(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) }
