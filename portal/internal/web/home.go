package web

import "github.com/gofiber/fiber/v2"

// home sends signed-in visitors to their start page; others see the welcome.
func (h *handler) home(c *fiber.Ctx) error {
	if s := session(c); s != nil {
		return redirect(c, homeOf(s))
	}
	return h.render(c, "public/home", "", "Parley", nil)
}
