// Package secure sets the portal's browser security headers.
package secure

import "github.com/gofiber/fiber/v2"

// ContentSecurityPolicy allows scripts, styles, fonts and fetches from the
// portal's own origin only, with no inline code and no framing.
//
// htmx works under it when it is served from /static (no CDN) and told not
// to inject its indicator styles nor to eval, in the layout's head:
//
//	<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}'>
//
// so hx-on / hx-vals "js:" and inline <script> or style="" attributes are out:
// behaviour goes in /static/*.js and looks in /static/*.css.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Headers sets the security headers on every response, error pages included:
// they are set before the rest of the chain runs, and fiber's error handler
// keeps them. Register it with app.Use before any route.
func Headers() fiber.Handler {
	return func(c *fiber.Ctx) error {
		h := &c.Response().Header
		h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		h.Set(fiber.HeaderXFrameOptions, "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set(fiber.HeaderPermissionsPolicy, "camera=(), microphone=(), geolocation=()")
		h.Set(fiber.HeaderContentSecurityPolicy, ContentSecurityPolicy)
		return c.Next()
	}
}
