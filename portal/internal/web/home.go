package web

import "github.com/gofiber/fiber/v2"

// home is the public landing page.
func (h *handler) home(c *fiber.Ctx) error {
	return c.Render("public/home", fiber.Map{})
}
