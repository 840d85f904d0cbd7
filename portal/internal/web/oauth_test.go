package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

// appTransport sends an HTTP client's requests to the portal in process,
// so golang.org/x/oauth2 talks to the real token endpoint.
type appTransport struct{ e *env }

func (tr appTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return tr.e.app.Test(req, -1)
}

var (
	clientIDRE     = regexp.MustCompile(`id="client-id" readonly value="([^"]+)"`)
	clientSecretRE = regexp.MustCompile(`id="client-secret" readonly value="([^"]+)"`)
)

// registerApp registers an application at Settings → Integrations as the
// demo admin and returns its OAuth configuration.
func (e *env) registerApp(name string, redirects ...string) *oauth2.Config {
	e.t.Helper()
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/settings/integrations")
	r := admin.post("/staff/settings/integrations", url.Values{"name": {name}, "redirect_uris": {strings.Join(redirects, "\n")}})
	require.Equal(e.t, http.StatusOK, r.StatusCode, r.body)
	id, secret := clientIDRE.FindStringSubmatch(r.body), clientSecretRE.FindStringSubmatch(r.body)
	require.NotNil(e.t, id, "the client ID is shown")
	require.NotNil(e.t, secret, "the secret is shown once")
	return &oauth2.Config{ClientID: id[1], ClientSecret: secret[1], RedirectURL: redirects[0], Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: "http://portal.test/oauth/authorize", TokenURL: "http://portal.test/oauth/token"}}
}

// authorize walks a signed-in user's browser from the application's
// authorization URL to its redirect URI, approving (or denying), and
// returns where the browser was sent.
func authorize(t *testing.T, b *browser, authURL string, approve bool) *url.URL {
	t.Helper()
	u, err := url.Parse(authURL)
	require.NoError(t, err)
	r := b.get(u.RequestURI())
	require.Equal(t, http.StatusFound, r.StatusCode, r.body)
	consent := r.Header.Get("Location")
	if !strings.HasPrefix(consent, "/staff/oauth/consent") {
		to, err := url.Parse(consent)
		require.NoError(t, err)
		return to // refused before asking the user
	}
	page := b.get(consent)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	id := strings.TrimPrefix(consent, "/staff/oauth/consent?id=")
	decision := "deny"
	if approve {
		decision = "approve"
	}
	r = b.post("/staff/oauth/consent", url.Values{"id": {id}, "decision": {decision}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	next, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err)
	if !approve {
		return next
	}
	require.Equal(t, "portal.test", next.Host, "op's callback makes the code")
	r = b.get(next.RequestURI())
	require.Equal(t, http.StatusFound, r.StatusCode, r.body)
	to, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err)
	return to
}

// The authorization code flow with PKCE, end to end with
// golang.org/x/oauth2: a member approves, the application's token acts as
// the member; codes are single use and live 60 seconds; PKCE plain or
// missing, a wrong verifier and a redirect URI not registered exactly are
// refused; denying says access_denied.
func TestOAuthCodeFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	conf := e.registerApp("Intake form", "https://intake.example/callback", "http://localhost:3000/cb")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: appTransport{e}})
	member := e.signedIn(seed.DemoMemberEmail)

	discovery := e.browser().get("/oauth/.well-known/openid-configuration")
	require.Equal(t, http.StatusOK, discovery.StatusCode, discovery.body)
	for _, want := range []string{`"authorization_endpoint":"http://portal.test/oauth/authorize"`, `"token_endpoint":"http://portal.test/oauth/token"`,
		`"revocation_endpoint":"http://portal.test/oauth/revoke"`, `"S256"`} {
		assert.Contains(t, discovery.body, want)
	}
	keys := e.browser().get("/oauth/keys")
	require.Equal(t, http.StatusOK, keys.StatusCode)
	assert.Contains(t, keys.body, `"alg":"RS256"`, "the ID token signing key")

	verifier := oauth2.GenerateVerifier()
	back := authorize(t, member, conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)), true)
	assert.Equal(t, "intake.example", back.Host)
	assert.Equal(t, "state-1", back.Query().Get("state"))
	code := back.Query().Get("code")
	require.NotEmpty(t, code)
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	assert.NotEmpty(t, tok.RefreshToken, "a refresh token always")
	assert.Equal(t, "Bearer", tok.Type())

	me := e.browser().get("/api/v1/users/who_am_i", "Authorization", "Bearer "+tok.AccessToken)
	require.Equal(t, http.StatusOK, me.StatusCode, me.body)
	assert.Contains(t, me.body, seed.DemoMemberEmail, "the token acts as the member who approved")

	_, err = conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	assert.ErrorContains(t, err, "invalid_grant", "a code is used once")

	back = authorize(t, member, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), true)
	_, err = conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	assert.ErrorContains(t, err, "invalid_grant", "another verifier")
	_, err = conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	assert.ErrorContains(t, err, "invalid_grant", "a code is used up by its first exchange")

	back = authorize(t, member, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), true)
	e.advance(61 * time.Second)
	_, err = conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	assert.ErrorContains(t, err, "invalid_grant", "a code lives 60 seconds")

	back = authorize(t, member, conf.AuthCodeURL("s"), true)
	assert.Equal(t, "invalid_request", back.Query().Get("error"), "no PKCE")
	plain := conf.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
	back = authorize(t, member, plain, true)
	assert.Equal(t, "invalid_request", back.Query().Get("error"), "PKCE plain")
	assert.Equal(t, "intake.example", back.Host)

	other := *conf
	other.RedirectURL = "https://intake.example/callback/other"
	u, err := url.Parse(other.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	require.NoError(t, err)
	r := member.get(u.RequestURI())
	assert.NotContains(t, r.Header.Get("Location"), "intake.example", "a redirect URI must match one registered exactly")

	back = authorize(t, member, conf.AuthCodeURL("state-2", oauth2.S256ChallengeOption(verifier)), false)
	assert.Equal(t, "access_denied", back.Query().Get("error"))
	assert.Equal(t, "state-2", back.Query().Get("state"))

	// Another firm's user cannot approve the demo firm's application.
	stranger := e.signedIn(e.newFirmAdmin("otheroauth"))
	u, err = url.Parse(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
	require.NoError(t, err)
	r = stranger.get(u.RequestURI())
	require.Equal(t, http.StatusFound, r.StatusCode)
	assert.Equal(t, http.StatusNotFound, stranger.get(r.Header.Get("Location")).StatusCode)
}

// exchange runs the code flow for b's user and returns the tokens.
func exchange(t *testing.T, ctx context.Context, conf *oauth2.Config, b *browser) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	back := authorize(t, b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), true)
	tok, err := conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(verifier))
	require.NoError(t, err)
	return tok
}

// Refresh tokens rotate; an old one used again revokes the family; RFC
// 7009 revocation ends a grant; revoking the application or deactivating
// the user ends its tokens at once.
func TestOAuthRefreshAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	conf := e.registerApp("Accounting", "https://books.example/cb")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: appTransport{e}})
	member := e.signedIn(seed.DemoMemberEmail)
	api := func(access string) int {
		return e.browser().get("/api/v1/users/who_am_i", "Authorization", "Bearer "+access).StatusCode
	}
	refresh := func(rt string) (*oauth2.Token, error) {
		return conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt, Expiry: time.Now().Add(-time.Hour)}).Token()
	}

	first := exchange(t, ctx, conf, member)
	second, err := refresh(first.RefreshToken)
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken, "rotated")
	assert.Equal(t, http.StatusOK, api(second.AccessToken))
	_, err = refresh(first.RefreshToken)
	assert.ErrorContains(t, err, "invalid_grant", "the old refresh token, used again")
	_, err = refresh(second.RefreshToken)
	assert.ErrorContains(t, err, "invalid_grant", "the reuse revoked the family")
	assert.Equal(t, http.StatusUnauthorized, api(second.AccessToken))
	assert.Equal(t, http.StatusUnauthorized, api(first.AccessToken))

	revoke := func(token, hint string) {
		t.Helper()
		form := url.Values{"token": {token}, "token_type_hint": {hint}}
		req, err := http.NewRequest(http.MethodPost, "http://portal.test/oauth/revoke", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(conf.ClientID), url.QueryEscape(conf.ClientSecret))
		resp, err := e.app.Test(req, -1)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	}
	third := exchange(t, ctx, conf, member)
	revoke(third.RefreshToken, "refresh_token")
	_, err = refresh(third.RefreshToken)
	assert.ErrorContains(t, err, "invalid_grant")
	assert.Equal(t, http.StatusUnauthorized, api(third.AccessToken), "the grant's access tokens end with it")
	fourth := exchange(t, ctx, conf, member)
	revoke(fourth.AccessToken, "access_token")
	assert.Equal(t, http.StatusUnauthorized, api(fourth.AccessToken))
	_, err = refresh(fourth.RefreshToken)
	assert.NoError(t, err, "revoking an access token leaves its refresh token")
	revoke("never-issued", "refresh_token") // RFC 7009: an unknown token is no error

	fifth := exchange(t, ctx, conf, member)
	var m models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&m).Error)
	require.NoError(t, e.db.Model(&m).Update("active", false).Error)
	assert.Equal(t, http.StatusUnauthorized, api(fifth.AccessToken), "a deactivated user's tokens stop")
	require.NoError(t, e.db.Model(&m).Update("active", true).Error)
	assert.Equal(t, http.StatusOK, api(fifth.AccessToken))

	admin := e.signedIn(seed.DemoAdminEmail)
	page := admin.get("/staff/settings/integrations")
	var app models.OAuthApp
	require.NoError(t, e.db.Where("client_id = ?", conf.ClientID).Take(&app).Error)
	assert.Contains(t, page.body, conf.ClientID)
	assert.NotContains(t, page.body, conf.ClientSecret, "the secret is shown once")
	r := admin.post(fmt.Sprintf("/staff/settings/integrations/%d/revoke", app.ID), nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, http.StatusUnauthorized, api(fifth.AccessToken), "a revoked application's tokens stop")
	_, err = refresh(fifth.RefreshToken)
	assert.Error(t, err)
	assert.Equal(t, http.StatusForbidden, member.get("/staff/settings/integrations").StatusCode, "administrators only")
}

// What an application makes through the API is its own: its custom
// action's nonce is good with its token for the clicking user, not with
// the same user's personal token; submitted_only keeps the matters of its
// leads.
func TestOAuthOwnsWhatItMakes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	conf := e.registerApp("Docs", "https://docs.example/cb")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: appTransport{e}})
	adminWeb := e.signedIn(seed.DemoAdminEmail)
	tok := exchange(t, ctx, conf, adminWeb)
	app := &apiClient{t: t, b: e.browser(), token: tok.AccessToken, router: e.api(seed.DemoAdminEmail).router}
	personal := e.api(seed.DemoAdminEmail)
	action := app.createAction("Draft", "matters/show", "https://docs.example/draft")
	var mine apiPage[apiCustomAction]
	app.get("/api/v1/custom_actions", &mine)
	assert.Equal(t, []int64{action.ID}, ids(mine.Data, func(a apiCustomAction) int64 { return a.ID }))
	personal.get("/api/v1/custom_actions", &mine)
	assert.Empty(t, mine.Data)

	var demo models.Matter
	require.NoError(t, e.db.Where("number = ?", "00001").Take(&demo).Error)
	nonce := click(t, adminWeb, action.ID, demo.ID).Get("custom_action_nonce")
	personal.fails(http.MethodGet, "/api/v1/users/who_am_i?custom_action_nonce="+url.QueryEscape(nonce), nil, http.StatusForbidden, "forbidden", "")
	nonce = click(t, adminWeb, action.ID, demo.ID).Get("custom_action_nonce")
	app.get("/api/v1/users/who_am_i?custom_action_nonce="+url.QueryEscape(nonce), &struct{}{})

	r := app.call(http.MethodPost, "/api/v1/inbox_leads", map[string]any{"data": map[string]any{"first_name": "Ann", "from_source": "docs"}})
	require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
	var lead struct{ Data apiLead }
	require.NoError(t, json.Unmarshal([]byte(r.body), &lead))
	adminWeb.get(fmt.Sprintf("/staff/inbox/%d/convert", lead.Data.ID))
	r = adminWeb.post(fmt.Sprintf("/staff/inbox/%d/convert", lead.Data.ID), url.Values{"description": {"Ann's will"}, "category": {"open"},
		"permission": {"everyone"}, "opened_on": {"2026-12-01"}, "new_client": {"1"}, "new_client_kind": {"person"}, "new_client_first_name": {"Ann"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	var list apiPage[apiMatter]
	app.get("/api/v1/matters?submitted_only=true", &list)
	assert.Len(t, list.Data, 1)
	personal.get("/api/v1/matters?submitted_only=true", &list)
	assert.Empty(t, list.Data)
}
