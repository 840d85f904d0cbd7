package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/apitokens"
)

// apiError is the API's one error shape.
type apiError struct {
	Error struct {
		Type, Message, Field string
	}
}

// A personal token acts as its user; anything else is a JSON 401, never a
// page; a revoked token or a deactivated user stops at once; the limit
// per token is counted in every answer's headers.
func TestAPITokensAndWhoAmI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"API_RATE_LIMIT": "5"})
	ctx := context.Background()
	tokens := &apitokens.Store{DB: e.db}
	token, tok, err := tokens.CreateForEmail(ctx, seed.DemoMemberEmail, "script")
	require.NoError(t, err)
	b := e.browser()
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	r := b.get("/api/v1/users/who_am_i", bearer(token)...)
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var me struct {
		Data struct {
			ID                         int64
			FirstName, LastName, Email string
			CreatedAt                  string `json:"created_at"`
			Account                    struct {
				ID       int64
				FirmName string `json:"firm_name"`
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &me), r.body)
	assert.Equal(t, seed.DemoMemberEmail, me.Data.Email)
	assert.Equal(t, "Demo Law LLP", me.Data.Account.FirmName)
	_, err = time.Parse(time.RFC3339, me.Data.CreatedAt)
	assert.NoError(t, err, "RFC 3339")
	assert.Contains(t, r.body, `"first_name":"Pat"`)
	assert.Equal(t, "5", r.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "4", r.Header.Get("X-RateLimit-Remaining"))
	reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
	require.NoError(t, err)
	assert.InDelta(t, time.Now().Unix(), reset, 61)

	for _, tt := range []struct {
		name    string
		headers []string
		path    string
	}{
		{"no token", nil, "/api/v1/users/who_am_i"},
		{"unknown token", bearer("parley_pat_nothing"), "/api/v1/users/who_am_i"},
		{"not a bearer", []string{"Authorization", "Basic " + token}, "/api/v1/users/who_am_i"},
		{"a token in the URL", nil, "/api/v1/users/who_am_i?access_token=" + token},
		{"a session cookie", nil, "/api/v1/users/who_am_i"},
	} {
		c := e.browser()
		if tt.name == "a session cookie" {
			c.signIn(seed.DemoMemberEmail)
		}
		r := c.get(tt.path, tt.headers...)
		assert.Equal(t, http.StatusUnauthorized, r.StatusCode, tt.name)
		var ae apiError
		require.NoError(t, json.Unmarshal([]byte(r.body), &ae), "%s: %s", tt.name, r.body)
		assert.Equal(t, "unauthorized", ae.Error.Type, tt.name)
		assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Bearer", tt.name)
	}

	r = b.get("/api/v1/no/such/thing", bearer(token)...)
	assert.Equal(t, http.StatusNotFound, r.StatusCode)
	assert.JSONEq(t, `{"error":{"type":"not_found","message":"There is no such API resource."}}`, r.body)

	// Five a minute (a path the API does not serve is answered before
	// the token is read, and not counted): the sixth is refused with when
	// to retry.
	for range 4 {
		b.get("/api/v1/users/who_am_i", bearer(token)...)
	}
	r = b.get("/api/v1/users/who_am_i", bearer(token)...)
	assert.Equal(t, http.StatusTooManyRequests, r.StatusCode, r.body)
	assert.Equal(t, "0", r.Header.Get("X-RateLimit-Remaining"))
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Positive(t, retry)
	assert.Contains(t, r.body, `"type":"rate_limited"`)

	// Another token of the same user has its own count; revoking it ends it.
	other, otherTok, err := tokens.CreateForEmail(ctx, seed.DemoMemberEmail, "other")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, b.get("/api/v1/users/who_am_i", bearer(other)...).StatusCode)
	var member models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&member).Error)
	require.NoError(t, tokens.Revoke(ctx, store.Viewer{FirmID: member.FirmID, UserID: member.ID}, otherTok.ID))
	assert.Equal(t, http.StatusUnauthorized, b.get("/api/v1/users/who_am_i", bearer(other)...).StatusCode, "revoked")
	var used models.APIToken
	require.NoError(t, e.db.Take(&used, tok.ID).Error)
	assert.NotNil(t, used.LastUsedAt, "last used is kept")

	// A deactivated user's tokens stop at once.
	third, _, err := tokens.CreateForEmail(ctx, seed.DemoMemberEmail, "third")
	require.NoError(t, err)
	require.NoError(t, e.db.Model(&member).Update("active", false).Error)
	assert.Equal(t, http.StatusUnauthorized, b.get("/api/v1/users/who_am_i", bearer(third)...).StatusCode)
}

// Settings → API tokens: a user makes a token (shown once), sees when it
// was last used, revokes it; another user cannot revoke it.
func TestAPITokenSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.signedIn(seed.DemoMemberEmail)
	r := member.get("/staff/settings/api-tokens")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "No tokens yet.")

	r = member.post("/staff/settings/api-tokens", url.Values{"name": {" "}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="token-name-error"`)

	r = member.post("/staff/settings/api-tokens", url.Values{"name": {"Nightly export"}})
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	m := regexp.MustCompile(`id="token-value" readonly value="(parley_pat_[A-Za-z0-9_-]+)"`).FindStringSubmatch(r.body)
	require.NotNil(t, m, "the token, once")
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))
	token := m[1]
	assert.Equal(t, http.StatusOK, e.browser().get("/api/v1/users/who_am_i", "Authorization", "Bearer "+token).StatusCode)

	r = member.get("/staff/settings/api-tokens")
	assert.NotContains(t, r.body, token, "not shown again")
	assert.Contains(t, r.body, "Nightly export")
	var tok models.APIToken
	require.NoError(t, e.db.Where("name = ?", "Nightly export").Take(&tok).Error)
	revoke := fmt.Sprintf("/staff/settings/api-tokens/%d/revoke", tok.ID)
	assert.Contains(t, r.body, `action="`+revoke+`"`)

	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/settings/api-tokens")
	assert.Equal(t, http.StatusNotFound, admin.post(revoke, nil).StatusCode, "someone else's token")
	require.Equal(t, http.StatusSeeOther, member.post(revoke, nil).StatusCode)
	assert.Contains(t, member.get("/staff/settings/api-tokens?done=revoked").body, "Revoked")
	assert.Equal(t, http.StatusUnauthorized, e.browser().get("/api/v1/users/who_am_i", "Authorization", "Bearer "+token).StatusCode)
}

// GET /api/v1/users pages the caller's firm's users by keyset with the
// common list parameters; a bad parameter is a 400 naming it.
func TestAPIUsersList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	token, _, err := (&apitokens.Store{DB: e.db}).CreateForEmail(ctx, seed.DemoAdminEmail, "list")
	require.NoError(t, err)
	e.newFirmAdmin("elsewhere") // another firm's user is never listed
	b := e.browser()
	type listed struct {
		Data []struct {
			ID    int64
			Email string
		}
		Meta struct {
			Paging struct {
				Next *string
			}
		}
	}
	list := func(query string) listed {
		t.Helper()
		r := b.get("/api/v1/users"+query, "Authorization", "Bearer "+token)
		require.Equal(t, http.StatusOK, r.StatusCode, r.body)
		var l listed
		require.NoError(t, json.Unmarshal([]byte(r.body), &l), r.body)
		return l
	}

	all := list("")
	require.Len(t, all.Data, 2, "the demo firm's admin and member")
	assert.Nil(t, all.Meta.Paging.Next, "no next page at the end")

	first := list("?limit=1")
	require.Len(t, first.Data, 1)
	require.NotNil(t, first.Meta.Paging.Next)
	// A user added while paging comes after, never instead of a row.
	var firm models.Firm
	require.NoError(t, e.db.Where("slug = ?", seed.DemoFirmSlug).Take(&firm).Error)
	require.NoError(t, e.db.Create(&models.User{FirmID: firm.ID, Email: "new@demo.parley.test", Role: models.RoleMember, Active: true}).Error)
	second := list("?limit=1&page_token=" + url.QueryEscape(*first.Meta.Paging.Next))
	require.Len(t, second.Data, 1)
	assert.Greater(t, second.Data[0].ID, first.Data[0].ID)
	third := list("?limit=1&page_token=" + url.QueryEscape(*second.Meta.Paging.Next))
	require.Len(t, third.Data, 1)
	assert.Equal(t, "new@demo.parley.test", third.Data[0].Email)
	assert.Nil(t, third.Meta.Paging.Next)

	one := list(fmt.Sprintf("?ids[]=%d", first.Data[0].ID))
	require.Len(t, one.Data, 1)
	assert.Equal(t, first.Data[0].ID, one.Data[0].ID)
	assert.Len(t, list("?updated_since="+url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))).Data, 0)

	many := url.Values{}
	for i := range 51 {
		many.Add("ids[]", strconv.Itoa(i+1))
	}
	for _, tt := range []struct{ query, field string }{
		{"?" + many.Encode(), "ids[]"},
		{"?ids[]=x", "ids[]"},
		{"?limit=0", "limit"},
		{"?limit=201", "limit"},
		{"?page_token=nope", "page_token"},
		{"?created_since=yesterday", "created_since"},
	} {
		r := b.get("/api/v1/users"+tt.query, "Authorization", "Bearer "+token)
		assert.Equal(t, http.StatusBadRequest, r.StatusCode, tt.query)
		var ae apiError
		require.NoError(t, json.Unmarshal([]byte(r.body), &ae), r.body)
		assert.Equal(t, "invalid_request", ae.Error.Type, tt.query)
		assert.Equal(t, tt.field, ae.Error.Field, tt.query)
	}
}
