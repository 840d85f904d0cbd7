package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// profileData is a user's own profile.
type profileData struct {
	User   models.User
	Errors store.FieldErrors
	Saved  bool
}

// profile shows the signed-in user's name and sign-out-everywhere.
func (h *handler) profile(c *fiber.Ctx) error {
	s := session(c)
	u, err := h.stores.Firms.User(c.UserContext(), viewer(s), s.UserID)
	if err != nil {
		return storeErr(err)
	}
	return h.render(c, "staff/profile", "form", "Your profile", profileData{User: u, Saved: c.Query("saved") == "1"})
}

// profileSave changes the user's own name, in their open sessions too.
func (h *handler) profileSave(c *fiber.Ctx) error {
	s := session(c)
	first, last := c.FormValue("first_name"), c.FormValue("last_name")
	err := h.stores.Firms.SetName(c.UserContext(), viewer(s), first, last)
	var bad store.FieldErrors
	if errors.As(err, &bad) {
		c.Status(fiber.StatusUnprocessableEntity)
		u := models.User{Email: s.Email, FirstName: first, LastName: last}
		return h.render(c, "staff/profile", "form", "Your profile", profileData{User: u, Errors: bad})
	}
	if err != nil {
		return formErr(err)
	}
	u := models.User{FirstName: strings.TrimSpace(first), LastName: strings.TrimSpace(last), Email: s.Email}
	if err := h.sessions.Rename(c.UserContext(), auth.KindUser, s.FirmID, s.UserID, u.Name()); err != nil {
		return err
	}
	return redirect(c, "/staff/profile?saved=1")
}

// profileSignOutEverywhere ends every session of the user, this one too.
func (h *handler) profileSignOutEverywhere(c *fiber.Ctx) error {
	s := session(c)
	if err := h.sessions.EndAll(c.UserContext(), auth.KindUser, s.FirmID, s.UserID); err != nil {
		return err
	}
	h.clearCookie(c, sessionCookie)
	return redirect(c, "/login?ended=everywhere")
}
