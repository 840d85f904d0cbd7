package web

import (
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/oauth"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	oauthstore "github.com/parleyhq/parley/shared/store/oauth"
)

// nextCookie keeps the approval page a signed-out user was sent to, to
// open it once they have signed in (the sign-in link lands elsewhere).
const nextCookie = "parley_next"

// consentData is an application asking the user for access.
type consentData struct {
	Request            oauthstore.Request
	FirmName, UserName string
}

// oauthConsent asks the signed-in user to approve an application's
// request. Signed out, they sign in first and come back here.
func (h *handler) oauthConsent(c *fiber.Ctx) error {
	s := session(c)
	if s == nil || s.Kind != auth.KindUser {
		h.setCookie(c, nextCookie, c.OriginalURL(), 30*time.Minute)
		return redirect(c, "/login")
	}
	r, err := h.consentRequest(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, "staff/oauth_consent", "", "Allow "+r.AppName, consentData{Request: r, FirmName: s.FirmName, UserName: s.Name})
}

// consentRequest is the request of ?id= (or the form's id), if it is of
// an application of the user's firm and still within its time.
func (h *handler) consentRequest(c *fiber.Ctx) (oauthstore.Request, error) {
	id := c.Query("id")
	if id == "" {
		id = c.FormValue("id")
	}
	r, err := h.stores.OAuth.Request(c.UserContext(), id)
	if err != nil || r.FirmID != viewer(session(c)).FirmID || r.UserID != nil {
		return r, fiber.NewError(fiber.StatusNotFound,
			"This request for access has expired or is not for your firm. Start again from the application.")
	}
	return r, nil
}

// oauthDecide approves or denies the request, and sends the browser on:
// to op's callback, which gives the application its code, or back to the
// application with access_denied.
func (h *handler) oauthDecide(c *fiber.Ctx) error {
	r, err := h.consentRequest(c)
	if err != nil {
		return err
	}
	if c.FormValue("decision") != "approve" {
		if err := h.stores.OAuth.DeleteRequest(c.UserContext(), r.ID); err != nil {
			return err
		}
		back, err := url.Parse(r.RedirectURI)
		if err != nil {
			return err
		}
		q := back.Query()
		q.Set("error", "access_denied")
		if r.State != "" {
			q.Set("state", r.State)
		}
		back.RawQuery = q.Encode()
		return c.Redirect(back.String(), fiber.StatusSeeOther)
	}
	if err := h.stores.OAuth.Approve(c.UserContext(), viewer(session(c)), r.ID); err != nil {
		return storeErr(err)
	}
	return c.Redirect(h.oauth.CallbackURL(c.UserContext(), r.ID), fiber.StatusSeeOther)
}

// afterSignIn is where a new session goes: the approval page it was
// asked for before signing in, else the person's home.
func (h *handler) afterSignIn(c *fiber.Ctx, s *auth.Session) string {
	next := c.Cookies(nextCookie)
	h.clearCookie(c, nextCookie)
	if s.Kind == auth.KindUser && strings.HasPrefix(next, oauth.ConsentPath+"?") {
		return next
	}
	return homeOf(s)
}

// integrationsData is Settings → Integrations.
type integrationsData struct {
	Apps []models.OAuthApp
	// New is the application just registered, with its secret, shown once.
	New          *models.OAuthApp
	NewSecret    string
	Name, URIs   string
	Errors       store.FieldErrors
	Notice       string
	Authorize    string
	TokenURL     string
	RevokeURL    string
	DiscoveryURL string
}

func (h *handler) renderIntegrations(c *fiber.Ctx, d integrationsData, status int) error {
	var err error
	if d.Apps, err = h.stores.OAuth.Apps(c.UserContext(), viewer(session(c))); err != nil {
		return storeErr(err)
	}
	base := h.oauth.Issuer
	d.Authorize, d.TokenURL, d.RevokeURL, d.DiscoveryURL = base+"/authorize", base+"/token", base+"/revoke", base+"/.well-known/openid-configuration"
	c.Set(fiber.HeaderCacheControl, "no-store") // the page may hold a secret
	c.Status(status)
	return h.render(c, "staff/settings_integrations", "", "Integrations", d)
}

// integrations lists the firm's OAuth applications (administrators).
func (h *handler) integrations(c *fiber.Ctx) error {
	d := integrationsData{}
	if c.Query("done") == "revoked" {
		d.Notice = "The application's access is revoked: its tokens are refused from now on."
	}
	return h.renderIntegrations(c, d, fiber.StatusOK)
}

// integrationCreate registers an application and shows its secret once.
func (h *handler) integrationCreate(c *fiber.Ctx) error {
	name, uris := c.FormValue("name"), c.FormValue("redirect_uris")
	app, secret, err := h.stores.OAuth.CreateApp(c.UserContext(), viewer(session(c)), name, uris)
	var bad store.FieldErrors
	if errors.As(err, &bad) {
		return h.renderIntegrations(c, integrationsData{Name: name, URIs: uris, Errors: bad}, fiber.StatusUnprocessableEntity)
	}
	if err != nil {
		return storeErr(err)
	}
	return h.renderIntegrations(c, integrationsData{New: &app, NewSecret: secret}, fiber.StatusOK)
}

// integrationRevoke ends an application's access.
func (h *handler) integrationRevoke(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.stores.OAuth.RevokeApp(c.UserContext(), viewer(session(c)), id); err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/integrations?done=revoked")
}
