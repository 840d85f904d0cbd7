package web

import "github.com/gofiber/fiber/v2"

// routes lists every route of the portal in one place.
func (h *handler) routes(app *fiber.App) {
	app.Get("/", h.home)
}
