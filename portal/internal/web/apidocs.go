package web

import "github.com/gofiber/fiber/v2"

// apiDocsCSP is the page's own policy: Swagger UI sets inline styles and
// draws its icons as data: images. Scripts still come only from Parley,
// and it connects only to Parley.
const apiDocsCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// apiDocsPage renders the API's OpenAPI document for people with Swagger
// UI (pinned in static/, see VERSIONS), which reads /api/v1/openapi.json.
const apiDocsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/swagger-ui-5.36.0.css">
<script src="/static/swagger-ui-bundle-5.36.0.js" defer></script>
<script src="/static/api-docs.js" defer></script>
</head>
<body>
<div id="swagger-ui"></div>
<noscript>The API reference needs JavaScript. The document itself is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</noscript>
</body>
</html>
`

// apiDocs is the human-readable API reference.
func (h *handler) apiDocs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, apiDocsCSP)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.SendString(apiDocsPage)
}
