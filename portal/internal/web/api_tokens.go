package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// apiTokensData is Settings → API tokens: the user's tokens, and a new
// one's secret, shown this once.
type apiTokensData struct {
	Tokens  []models.APIToken
	New     string // the token just made
	NewName string
	Error   string
	Notice  string
}

// apiTokens lists the user's personal API tokens.
func (h *handler) apiTokens(c *fiber.Ctx) error {
	d := apiTokensData{}
	if c.Query("done") == "revoked" {
		d.Notice = "The token is revoked: requests with it are refused from now on."
	}
	return h.renderAPITokens(c, d)
}

func (h *handler) renderAPITokens(c *fiber.Ctx, d apiTokensData) error {
	var err error
	if d.Tokens, err = h.stores.APITokens.List(c.UserContext(), viewer(session(c))); err != nil {
		return storeErr(err)
	}
	// Never cached: the page may hold a token.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.render(c, "staff/settings_api_tokens", "", "API tokens", d)
}

// apiTokenCreate makes a token and shows it once.
func (h *handler) apiTokenCreate(c *fiber.Ctx) error {
	name := c.FormValue("name")
	token, t, err := h.stores.APITokens.Create(c.UserContext(), viewer(session(c)), name)
	var invalid *store.InvalidError
	if errors.As(err, &invalid) {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderAPITokens(c, apiTokensData{Error: invalid.Msg})
	}
	if err != nil {
		return storeErr(err)
	}
	return h.renderAPITokens(c, apiTokensData{New: token, NewName: t.Name})
}

// apiTokenRevoke ends one of the user's tokens.
func (h *handler) apiTokenRevoke(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.stores.APITokens.Revoke(c.UserContext(), viewer(session(c)), id); err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/api-tokens?done=revoked")
}
