package spec_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/api/spec"
)

// The server interface is the one the document makes today: an edit to
// openapi.yaml without `go generate` fails here.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	out, err := exec.Command("go", "tool", "-n", "oapi-codegen").Output()
	require.NoError(t, err, "build the oapi-codegen tool")
	dir := t.TempDir()
	for _, f := range []string{"openapi.yaml", "oapi-codegen.yaml"} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o600))
	}
	gen := exec.Command(strings.TrimSpace(string(out)), "-config", "oapi-codegen.yaml", "openapi.yaml")
	gen.Dir = dir
	msg, err := gen.CombinedOutput()
	require.NoError(t, err, string(msg))
	want, err := os.ReadFile(filepath.Join(dir, "server.gen.go"))
	require.NoError(t, err)
	got, err := os.ReadFile("server.gen.go")
	require.NoError(t, err)
	assert.True(t, string(want) == string(got), "server.gen.go is stale: run go generate ./portal/internal/api/spec")
}

// The document loads, is valid, and is OpenAPI 3.1 in its JSON form too.
func TestLoad(t *testing.T) {
	doc, js, err := spec.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	var back map[string]any
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, "3.1.0", back["openapi"])
	assert.Contains(t, back["paths"], "/contacts/{contact_id}/notes")
}
