package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
)

// teamData is Settings → Team.
type teamData struct {
	Members []firms.Member
	More    more
	// Invite is the invitation form as last sent, with what to fix.
	Invite firms.NewUser
	Errors store.FieldErrors
	Notice string
	// Me is the signed-in admin, who cannot demote or deactivate
	// themselves from this list by accident.
	Me int64
}

var teamNotices = map[string]string{
	"invited":     "Invitation sent. They appear as invited until they first sign in.",
	"resent":      "A new invitation is on its way.",
	"role":        "Role changed. They were signed out so the new role applies at once.",
	"deactivated": "Deactivated: they were signed out and can no longer sign in. What they wrote keeps their name.",
	"reactivated": "Reactivated: they can sign in again.",
}

// team lists the firm's users to an administrator.
func (h *handler) team(c *fiber.Ctx) error {
	return h.renderTeam(c, teamData{Invite: firms.NewUser{Role: models.RoleMember}, Notice: teamNotices[c.Query("done")]})
}

func (h *handler) renderTeam(c *fiber.Ctx, d teamData) error {
	s := session(c)
	page, err := h.stores.Firms.Team(c.UserContext(), viewer(s), c.Query("after"))
	if err != nil {
		return pageErr(err)
	}
	d.Members, d.Me = page.Items, s.UserID
	d.More = more{URL: pageURL(c, "after", page.Next), Cols: 5}
	if nextPage(c, "after") {
		return c.Render("staff/settings_team#rows", h.page(c, "", d))
	}
	return h.render(c, "staff/settings_team", "invite", "Team", d)
}

// teamInvite adds a user and emails them a sign-in link.
func (h *handler) teamInvite(c *fiber.Ctx) error {
	s := session(c)
	in := firms.NewUser{Email: c.FormValue("email"), Name: c.FormValue("name"), Role: models.Role(c.FormValue("role"))}
	u, err := h.stores.Firms.Invite(c.UserContext(), viewer(s), in)
	var bad store.FieldErrors
	if errors.As(err, &bad) {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderTeam(c, teamData{Invite: in, Errors: bad})
	}
	if err != nil {
		return formErr(err)
	}
	if err := h.stores.Signin.InviteUser(c.UserContext(), s.FirmID, u.ID, s.Name); err != nil {
		return err
	}
	return redirect(c, "/staff/settings/team?done=invited")
}

// teamResend sends an invited user a new sign-in link.
func (h *handler) teamResend(c *fiber.Ctx) error {
	s := session(c)
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.stores.Firms.User(c.UserContext(), viewer(s), id); err != nil {
		return storeErr(err)
	}
	if err := h.stores.Signin.InviteUser(c.UserContext(), s.FirmID, id, s.Name); err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/team?done=resent")
}

// teamRole makes a user an administrator or a member.
func (h *handler) teamRole(c *fiber.Ctx) error {
	return h.teamChange(c, "role", func(v store.Viewer, id int64) error {
		return h.stores.Firms.SetRole(c.UserContext(), v, id, models.Role(c.FormValue("role")))
	})
}

// teamDeactivate stops a user from signing in and ends their sessions.
func (h *handler) teamDeactivate(c *fiber.Ctx) error {
	return h.teamChange(c, "deactivated", func(v store.Viewer, id int64) error {
		return h.stores.Firms.SetActive(c.UserContext(), v, id, false)
	})
}

// teamReactivate lets a deactivated user sign in again.
func (h *handler) teamReactivate(c *fiber.Ctx) error {
	return h.teamChange(c, "reactivated", func(v store.Viewer, id int64) error {
		return h.stores.Firms.SetActive(c.UserContext(), v, id, true)
	})
}

// teamChange applies change to the user in the route, then ends their
// sessions: a new role or a deactivation applies from their next request.
func (h *handler) teamChange(c *fiber.Ctx, done string, change func(store.Viewer, int64) error) error {
	s := session(c)
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := change(viewer(s), id); err != nil {
		if errors.Is(err, firms.ErrLastAdmin) {
			return fiber.NewError(fiber.StatusUnprocessableEntity, "The firm needs at least one active administrator: make someone else an administrator first.")
		}
		return formErr(err)
	}
	if done != "reactivated" {
		if err := h.sessions.EndAll(c.UserContext(), auth.KindUser, s.FirmID, id); err != nil {
			return err
		}
	}
	if id == s.UserID {
		return redirect(c, "/login")
	}
	return redirect(c, "/staff/settings/team?done="+done)
}
