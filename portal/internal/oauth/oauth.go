// Package oauth is Parley's OAuth 2.0 authorization server for
// integrations: github.com/zitadel/oidc's op (OpenID certified) speaks the
// protocol, over storage in Postgres (shared/store/oauth). It is served
// under /oauth: /oauth/authorize, /oauth/token, /oauth/revoke, and the
// discovery document and keys. A user approves an application on a staff
// page (LoginURL); Parley's rules are kept here where op leaves them
// open: PKCE with S256 on every request, codes single use for 60 seconds,
// refresh tokens always issued and rotated, a replayed one revoking its
// family.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/apitokens"
	oauthstore "github.com/parleyhq/parley/shared/store/oauth"
)

// Prefix is where the server is mounted; the issuer is PUBLIC_URL+Prefix.
const Prefix = "/oauth"

// ConsentPath is the staff page where a user approves an application.
const ConsentPath = "/staff/oauth/consent"

// Server is the authorization server.
type Server struct {
	Provider *op.Provider
	Issuer   string
	store    *oauthstore.Store
}

// New builds the server for the portal at publicURL, its keys read from
// (or, the first time, made into) the database.
func New(ctx context.Context, s *oauthstore.Store, publicURL string) (*Server, error) {
	crypto, err := s.Key(ctx, "oauth_crypto", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	cfg := &op.Config{
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess},
	}
	copy(cfg.CryptoKey[:], crypto)
	issuer := strings.TrimRight(publicURL, "/") + Prefix
	opts := []op.Option{
		op.WithCustomTokenEndpoint(op.NewEndpoint("token")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("introspect")),
	}
	if u, err := url.Parse(issuer); err == nil && u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure()) // PUBLIC_URL on the machine itself, in development
	}
	st := &storage{store: s}
	provider, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oauth: provider: %w", err)
	}
	return &Server{Provider: provider, Issuer: issuer, store: s}, nil
}

// Handler serves the protocol's endpoints, mounted at Prefix.
func (s *Server) Handler() http.Handler { return http.StripPrefix(Prefix, s.Provider) }

// CallbackURL is where a browser goes once its user approved request id:
// op makes the code there and sends it to the application.
func (s *Server) CallbackURL(ctx context.Context, id string) string {
	return op.AuthCallbackURL(s.Provider)(op.ContextWithIssuer(ctx, s.Issuer), id)
}

// AccessTokenID reads an access token this server made; ok is false for
// anything else.
func (s *Server) AccessTokenID(token string) (string, bool) {
	plain, err := s.Provider.Crypto().Decrypt(token)
	if err != nil {
		return "", false
	}
	id, _, ok := strings.Cut(plain, ":")
	return id, ok
}

// Authenticate finds who an access token acts as.
func (s *Server) Authenticate(ctx context.Context, token string) (apitokens.Identity, error) {
	id, ok := s.AccessTokenID(token)
	if !ok {
		return apitokens.Identity{}, apitokens.ErrUnauthorized
	}
	return s.store.Authenticate(ctx, id)
}

// storage is op's Storage over the store.
type storage struct {
	store *oauthstore.Store

	mu    sync.Mutex
	key   *rsa.PrivateKey // the ID token signing key, read when first needed
	keyID string
}

// signing is the installation's RSA key for ID tokens: read (or, the
// first time any portal needs it, made) when a token is first issued, so
// starting a portal costs no key generation.
func (st *storage) signing(ctx context.Context) (*rsa.PrivateKey, string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.key != nil {
		return st.key, st.keyID, nil
	}
	der, err := st.store.Key(ctx, "oauth_signing_rsa", func() ([]byte, error) {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return nil, "", err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, "", fmt.Errorf("oauth: signing key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, "", fmt.Errorf("oauth: signing key is %T, not RSA", parsed)
	}
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&key.PublicKey))
	st.key, st.keyID = key, hex.EncodeToString(sum[:8])
	return st.key, st.keyID, nil
}

var _ op.Storage = (*storage)(nil)

func (st *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	// op accepts "plain" and no PKCE at all; an integration here must
	// prove it holds the verifier, hashed.
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method=S256")
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type=code is supported")
	}
	app, err := st.store.App(ctx, req.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("unknown client")
	}
	scopes := []string(req.Scopes)
	if !slices.Contains(scopes, oidc.ScopeOfflineAccess) {
		scopes = append(scopes, oidc.ScopeOfflineAccess) // an integration works without its user: always a refresh token
	}
	r, err := st.store.CreateRequest(ctx, app, oauthstore.Request{RedirectURI: req.RedirectURI, Scopes: strings.Join(scopes, " "),
		State: req.State, Nonce: req.Nonce, CodeChallenge: req.CodeChallenge, ResponseMode: string(req.ResponseMode)})
	if err != nil {
		return nil, err
	}
	return authRequest{r}, nil
}

func (st *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	r, err := st.store.Request(ctx, id)
	if err != nil {
		return nil, err
	}
	return authRequest{r}, nil
}

func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := st.store.UseCode(ctx, code)
	if errors.Is(err, oauthstore.ErrInvalidGrant) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the code is unknown, used or expired")
	}
	if err != nil {
		return nil, err
	}
	return authRequest{r}, nil
}

func (st *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return st.store.SaveCode(ctx, id, code)
}

func (st *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return st.store.DeleteRequest(ctx, id)
}

// grantOf is what a token request stands for.
func grantOf(req op.TokenRequest) (oauthstore.Grant, error) {
	switch r := req.(type) {
	case authRequest:
		if r.UserID == nil {
			return oauthstore.Grant{}, oidc.ErrInvalidGrant().WithDescription("the request was not approved")
		}
		at := r.CreatedAt
		if r.ApprovedAt != nil {
			at = *r.ApprovedAt
		}
		return oauthstore.Grant{FirmID: r.FirmID, AppID: r.AppID, UserID: *r.UserID, ClientID: r.ClientID, Scopes: r.Scopes, AuthTime: at}, nil
	case *refreshRequest:
		g := r.grant
		g.Scopes = strings.Join(r.scopes, " ")
		return g, nil
	}
	return oauthstore.Grant{}, oidc.ErrUnsupportedGrantType()
}

func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	g, err := grantOf(req)
	if err != nil {
		return "", time.Time{}, err
	}
	return st.store.CreateAccess(ctx, g)
}

func (st *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	g, err := grantOf(req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	access, refresh, exp, err := st.store.CreateAccessAndRefresh(ctx, g, current)
	if errors.Is(err, oauthstore.ErrInvalidGrant) {
		return "", "", exp, oidc.ErrInvalidGrant().WithDescription("the refresh token was used before: every token of this approval is revoked")
	}
	return access, refresh, exp, err
}

func (st *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	g, err := st.store.Refresh(ctx, token)
	if errors.Is(err, oauthstore.ErrInvalidGrant) {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token is unknown, expired, revoked or used before")
	}
	if err != nil {
		return nil, err
	}
	return &refreshRequest{grant: g, scopes: strings.Fields(g.Scopes)}, nil
}

func (st *storage) TerminateSession(context.Context, string, string) error { return nil }

func (st *storage) RevokeToken(ctx context.Context, tokenOrID, _, clientID string) *oidc.Error {
	// op passes a refresh token itself (GetRefreshTokenInfo gives it as
	// its ID), or an access token's ID.
	var err error
	if oauthstore.IsRefreshToken(tokenOrID) {
		err = st.store.RevokeRefresh(ctx, clientID, tokenOrID)
	} else {
		err = st.store.RevokeAccess(ctx, clientID, tokenOrID)
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (st *storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	userID, id, err := st.store.RefreshInfo(ctx, clientID, token)
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return strconv.FormatInt(userID, 10), id, nil
}

func (st *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	key, id, err := st.signing(ctx)
	if err != nil {
		return nil, err
	}
	return signingKey{key, id}, nil
}

func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (st *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	key, id, err := st.signing(ctx)
	if err != nil {
		return nil, err
	}
	return []op.Key{publicKey{&key.PublicKey, id}}, nil
}

func (st *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	app, err := st.store.App(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return client{app}, nil
}

func (st *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	return st.store.CheckSecret(ctx, clientID, secret)
}

func (st *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

func (st *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	info.Subject = subject
	return nil
}

func (st *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	if _, err := st.store.Authenticate(ctx, tokenID); err != nil {
		return err
	}
	resp.Active, resp.Subject, resp.ClientID = true, subject, clientID
	return nil
}

func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (st *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("oauth: JWT client authentication is not supported")
}

func (st *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (st *storage) Health(context.Context) error { return nil }

// authRequest is a stored request as op reads it.
type authRequest struct{ oauthstore.Request }

func (r authRequest) GetID() string         { return r.ID }
func (r authRequest) GetACR() string        { return "" }
func (r authRequest) GetAMR() []string      { return nil }
func (r authRequest) GetAudience() []string { return []string{r.ClientID} }
func (r authRequest) GetAuthTime() time.Time {
	if r.ApprovedAt != nil {
		return *r.ApprovedAt
	}
	return time.Time{}
}
func (r authRequest) GetClientID() string { return r.ClientID }
func (r authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: oidc.CodeChallengeMethodS256}
}
func (r authRequest) GetNonce() string                   { return r.Nonce }
func (r authRequest) GetRedirectURI() string             { return r.RedirectURI }
func (r authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (r authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(r.ResponseMode) }
func (r authRequest) GetScopes() []string                { return strings.Fields(r.Scopes) }
func (r authRequest) GetState() string                   { return r.State }
func (r authRequest) GetSubject() string {
	if r.UserID == nil {
		return ""
	}
	return strconv.FormatInt(*r.UserID, 10)
}
func (r authRequest) Done() bool { return r.UserID != nil }

// refreshRequest is a refresh token being exchanged.
type refreshRequest struct {
	grant  oauthstore.Grant
	scopes []string
}

func (r *refreshRequest) GetAMR() []string            { return nil }
func (r *refreshRequest) GetAudience() []string       { return []string{r.grant.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.grant.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.grant.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return strconv.FormatInt(r.grant.UserID, 10) }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// client is an application as op reads it: a confidential web client
// using the authorization code grant, with refresh tokens.
type client struct{ app models.OAuthApp }

func (c client) GetID() string                       { return c.app.ClientID }
func (c client) RedirectURIs() []string              { return c.app.URIs() }
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c client) LoginURL(id string) string           { return ConsentPath + "?id=" + url.QueryEscape(id) }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration      { return time.Hour }
func (c client) DevMode() bool                       { return false }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }

type signingKey struct {
	key *rsa.PrivateKey
	id  string
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct {
	key *rsa.PublicKey
	id  string
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }
