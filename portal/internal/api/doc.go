package api

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/api/spec"
)

// GetOpenAPI is the API's OpenAPI document.
func (a *API) GetOpenAPI(context.Context, spec.GetOpenAPIRequestObject) (spec.GetOpenAPIResponseObject, error) {
	return rawJSON(a.docJSON), nil
}

// rawJSON answers JSON already written (the document, made once).
type rawJSON []byte

func (r rawJSON) VisitGetOpenAPIResponse(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Status(fiber.StatusOK).Send(r)
}
