package view_test

import (
	"bytes"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/view"
)

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

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_234_567: "1.2 MB", 5 << 30: "5.4 GB"} {
		assert.Equal(t, want, view.HumanBytes(n))
	}
}
