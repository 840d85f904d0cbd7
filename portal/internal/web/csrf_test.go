package web_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
)

// TestCSRFEveryRoute walks the router, so a route added later is covered
// without editing this test: every request that may change state, sent
// without a token as a form, as multipart and as JSON, by a visitor, a
// client and an admin, is refused with 403 (the API's and the OAuth
// server's, which ignore the session, with 401 or 400) and changes nothing.
func TestCSRFEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	anon := e.browser()
	anon.get("/login") // holds a CSRF cookie, as a real visitor would
	client := e.browser()
	client.signIn(seed.DemoClientEmail)
	admin := e.browser()
	admin.signIn(seed.DemoAdminEmail)
	who := map[string]*browser{"visitor": anon, "client": client, "admin": admin}

	// Each parameter becomes 1: the first matter, document, contact… of the
	// demo firm, which each signed-in account may change.
	param := regexp.MustCompile(`:[A-Za-z_]+`)
	fields := map[string]string{
		"email": seed.DemoAdminEmail, "token": "x", "body": "csrf probe", "client_status": "csrf probe",
		"next_steps": "csrf probe", "name": "csrf probe", "share": "1", "title": "csrf probe",
	}
	before := e.fingerprint()
	routes := 0
	for _, r := range e.app.GetRoutes(true) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodConnect, http.MethodTrace:
			continue
		}
		routes++
		paths := []string{param.ReplaceAllString(r.Path, "1")}
		if r.Path == "/oauth/*" {
			// The OAuth server's own: client credentials, never the
			// session cookie.
			paths = []string{"/oauth/token", "/oauth/revoke", "/oauth/introspect"}
		}
		for _, path := range paths {
			for name, b := range who {
				for _, enc := range []string{"form", "multipart", "json"} {
					body, ctype := encode(t, enc, fields)
					req := httptest.NewRequest(r.Method, path, body)
					req.Header.Set("Content-Type", ctype)
					resp := b.do(req)
					switch {
					case strings.HasPrefix(path, "/api/"):
						// The API takes a token, never the session cookie.
						assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s as %s by %s: %s", r.Method, path, enc, name, resp.body)
					case strings.HasPrefix(path, "/oauth/"):
						assert.True(t, resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized,
							"%s %s as %s by %s: %d %s", r.Method, path, enc, name, resp.StatusCode, resp.body)
					default:
						assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s as %s by %s: %s", r.Method, path, enc, name, resp.body)
					}
				}
			}
		}
	}
	require.Greater(t, routes, 20, "the walk found the state-changing routes")
	assert.Equal(t, before, e.fingerprint(), "nothing changed in the database, the queues or the document store")
}

// encode writes fields (with an empty _csrf) as one of the three bodies.
func encode(t *testing.T, enc string, fields map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	switch enc {
	case "form":
		v := url.Values{"_csrf": {""}}
		for k, f := range fields {
			v.Set(k, f)
		}
		buf.WriteString(v.Encode())
		return &buf, "application/x-www-form-urlencoded"
	case "multipart":
		w := multipart.NewWriter(&buf)
		for k, f := range fields {
			require.NoError(t, w.WriteField(k, f))
		}
		fw, err := w.CreateFormFile("files", "probe.txt")
		require.NoError(t, err)
		_, _ = fw.Write([]byte("csrf probe"))
		require.NoError(t, w.Close())
		return &buf, w.FormDataContentType()
	default:
		require.NoError(t, json.NewEncoder(&buf).Encode(fields))
		return &buf, "application/json"
	}
}

// fingerprint sums up every table, the task queues and the stored files.
func (e *env) fingerprint() string {
	e.t.Helper()
	var tables []string
	require.NoError(e.t, e.db.Raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`).Scan(&tables).Error)
	var sb strings.Builder
	for _, tbl := range tables {
		var sum string
		require.NoError(e.t, e.db.Raw(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+tbl+` t`).Scan(&sum).Error)
		sb.WriteString(tbl + "=" + sum + "\n")
	}
	keys, err := e.rdb.Keys(e.t.Context(), "asynq:*").Result()
	require.NoError(e.t, err)
	for _, k := range keys {
		if strings.Contains(k, ":t:") || strings.HasSuffix(k, ":pending") || strings.HasSuffix(k, ":scheduled") {
			sb.WriteString("redis " + k + "\n")
		}
	}
	require.NoError(e.t, filepath.WalkDir(e.store.Dir(), func(path string, _ fs.DirEntry, err error) error {
		sb.WriteString(path + "\n")
		return err
	}))
	return sb.String()
}
