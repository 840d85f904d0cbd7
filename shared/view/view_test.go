package view_test

import (
	"bytes"
	"sort"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/view"
	"github.com/parleyhq/parley/templates"
)

// pageData holds sample data for every page; a page missing here fails the
// test, so a new page cannot ship without being rendered once.
var pageData = map[string]any{
	"public/home":  map[string]any{"FirmName": "Demo Law LLP"},
	"public/error": map[string]any{"Code": 404, "Message": "We could not find that page."},
}

func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e, err := view.New(templates.FS, nil)
	require.NoError(t, err)
	pages := e.Pages()
	sort.Strings(pages)
	for _, p := range pages {
		data, ok := pageData[p]
		require.True(t, ok, "no sample data for page %s: add it to pageData", p)
		var b bytes.Buffer
		require.NoError(t, e.Render(&b, p, data), p)
		assert.Contains(t, b.String(), "<!doctype html>", p)
		assert.Contains(t, b.String(), "/static/htmx-2.0.11.min.js", p)
	}
}

func TestBlocksAndErrors(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"layouts/base.html": {Data: []byte(`<html>{{template "content" .}}</html>`)},
		"partials/x.html":   {Data: []byte(`{{define "partials/x"}}[{{.}}]{{end}}`)},
		"pages/a/one.html":  {Data: []byte(`{{define "content"}}one {{block "list" .}}<b>{{.}}</b>{{end}}{{end}}`)},
	}
	e, err := view.New(fsys, nil)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, e.Render(&b, "a/one", "x"))
	assert.Equal(t, "<html>one <b>x</b></html>", b.String())
	b.Reset()
	require.NoError(t, e.Render(&b, "a/one#list", "y"), "a block alone, for an htmx swap")
	assert.Equal(t, "<b>y</b>", b.String())
	assert.Error(t, e.Render(&b, "a/missing", nil))

	fsys["pages/a/broken.html"] = &fstest.MapFile{Data: []byte(`{{define "content"}}{{.Oops}`)}
	_, err = view.New(fsys, nil)
	assert.ErrorContains(t, err, "broken.html", "a bad template stops start-up")
	delete(fsys, "pages/a/broken.html")
	fsys["pages/a/nocontent.html"] = &fstest.MapFile{Data: []byte(`hello`)}
	_, err = view.New(fsys, nil)
	assert.ErrorContains(t, err, "content")
}
