// Package spec is the REST API's OpenAPI document and the server interface
// generated from it: the document is written first, and the handlers
// implement StrictServerInterface, so a route in one and not the other
// does not compile.
package spec

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml

//go:embed openapi.yaml
var source []byte

// Load reads and checks the document, and gives it as JSON too (what
// GET /api/v1/openapi.json answers).
func Load(ctx context.Context) (*openapi3.T, []byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(source)
	if err != nil {
		return nil, nil, fmt.Errorf("spec: load openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, fmt.Errorf("spec: openapi.yaml is not valid: %w", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("spec: openapi.yaml as JSON: %w", err)
	}
	return doc, js, nil
}
