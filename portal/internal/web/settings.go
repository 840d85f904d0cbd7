package web

import "github.com/gofiber/fiber/v2"

// settingsHome opens the first settings page the user may change: the
// firm's for administrators, their notifications for members.
func (h *handler) settingsHome(c *fiber.Ctx) error {
	if s := session(c); s != nil && s.Admin {
		return c.Redirect("/staff/settings/firm", fiber.StatusSeeOther)
	}
	return c.Redirect("/staff/settings/notifications", fiber.StatusSeeOther)
}
