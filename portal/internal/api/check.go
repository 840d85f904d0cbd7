package api

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// check holds every request to the document before a handler sees it: a
// path or method it does not name is a 404 or 405, a secured operation
// needs a token (and counts against its rate limit), and parameters and
// body must be as the document describes them — a 400 naming the
// parameter, or a 422 naming the body's field.
func (a *API) check(c *fiber.Ctx) error {
	req, err := adaptor.ConvertRequest(c, false)
	if err != nil {
		return fmt.Errorf("api: read request: %w", err)
	}
	route, params, err := a.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return &Error{Status: fiber.StatusMethodNotAllowed, Type: "method_not_allowed",
			Message: c.Method() + " is not served on this path."}
	case err != nil:
		return notFound("There is no such API resource.")
	}
	if secured(a.doc, route.Operation) {
		id, err := a.authenticate(c)
		if err != nil {
			return err
		}
		if err := a.rateLimit(c, id); err != nil {
			return err
		}
		if err := a.redeemNonce(c); err != nil {
			return err
		}
	}
	checked := *route
	checked.Spec = a.checked
	err = openapi3filter.ValidateRequest(c.UserContext(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: &checked,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
	if err != nil {
		return requestError(err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// secured says whether op needs a token: its own security, else the
// document's.
func secured(doc *openapi3.T, op *openapi3.Operation) bool {
	if op.Security != nil {
		return len(*op.Security) > 0
	}
	return len(doc.Security) > 0
}

// requestError says what the document found wrong with a request, in the
// API's error shape.
func requestError(err error) error {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		return badParam("", "The request does not match the API's description: "+err.Error())
	}
	path, reason := schemaFault(re.Err)
	if reason == "" {
		reason = re.Reason
		if re.Err != nil {
			reason = re.Err.Error()
		}
	}
	if p := re.Parameter; p != nil {
		if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Format == "date-time" {
			// The validator's reason quotes its pattern.
			reason = "an RFC 3339 time with its offset is expected, e.g. 2024-01-15T10:30:00Z"
		}
		return badParam(p.Name, fmt.Sprintf("%s: %s", p.Name, reason))
	}
	field := strings.Join(path, ".")
	msg := "The body is not valid"
	if field != "" {
		msg += ": " + field
	}
	return &Error{Status: fiber.StatusUnprocessableEntity, Type: "invalid_body", Message: msg + ": " + reason, Field: field}
}

var english = message.NewPrinter(language.English)

// schemaFault is where in a value a schema found it wrong, and why: the
// first innermost cause, and for a missing property its name.
func schemaFault(err error) (path []string, reason string) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			return se.JSONPointer(), se.Reason
		}
		return nil, ""
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	path = slices.Clone(ve.InstanceLocation)
	if r, ok := ve.ErrorKind.(*kind.Required); ok && len(r.Missing) > 0 {
		path = append(path, r.Missing[0])
	}
	return path, ve.ErrorKind.LocalizedString(english)
}
