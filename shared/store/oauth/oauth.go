// Package oauth owns what the OAuth 2.0 authorization server keeps:
// applications, authorization requests and their codes, access and
// refresh tokens, and the installation's signing keys. The protocol itself
// is github.com/zitadel/oidc's (portal/internal/oauth); this is its
// storage. Client secrets, codes and refresh tokens are kept as SHA-256
// hashes.
package oauth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/apitokens"
)

// Store reads and writes what the authorization server keeps.
type Store struct {
	DB *gorm.DB
	// Now is the clock codes, requests and tokens expire by.
	Now func() time.Time
}

// How long each thing lives.
const (
	CodeLife    = 60 * time.Second
	RequestLife = 10 * time.Minute
	AccessLife  = time.Hour
	RefreshLife = 90 * 24 * time.Hour
)

// ErrInvalidGrant is a code or refresh token that is unknown, used,
// expired or revoked.
var ErrInvalidGrant = errors.New("oauth: the grant is not valid")

// ErrBadClient is an unknown or revoked client, or a wrong secret.
var ErrBadClient = errors.New("oauth: unknown client or wrong secret")

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CheckApp says what is wrong with an application's name and redirect
// URIs (one per line), and returns them tidied. A redirect URI is absolute,
// https (http only on the machine itself, for development), and without a
// fragment; it is matched exactly.
func CheckApp(name, uris string) (string, []string, store.FieldErrors) {
	bad := store.FieldErrors{}
	name = strings.Join(strings.Fields(name), " ")
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		bad.Add("name", "Name the application, like Intake form.")
	case n > 100:
		bad.Add("name", "Keep the name under 100 characters.")
	}
	var out []string
	for _, line := range strings.Split(uris, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	switch {
	case len(out) == 0:
		bad.Add("redirect_uris", "Give the address Parley sends people back to after they approve.")
	case len(out) > 10:
		bad.Add("redirect_uris", "Give at most 10 addresses.")
	}
	for _, raw := range out {
		if !redirectOK(raw) {
			bad.Add("redirect_uris", fmt.Sprintf("%q is not an https address (http only for localhost), without a #fragment.", raw))
		}
	}
	return name, out, bad
}

func redirectOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Fragment != "" || u.User != nil || len(raw) > 2000 {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// CreateApp registers an application for v's firm (administrators) and
// returns it with its client secret, which is not kept and cannot be shown
// again.
func (s *Store) CreateApp(ctx context.Context, v store.Viewer, name, uris string) (models.OAuthApp, string, error) {
	if err := store.Admin(v); err != nil {
		return models.OAuthApp{}, "", err
	}
	name, list, bad := CheckApp(name, uris)
	if err := bad.Err(); err != nil {
		return models.OAuthApp{}, "", err
	}
	clientID, err := store.NewSecret("parley_app_", 16)
	if err != nil {
		return models.OAuthApp{}, "", err
	}
	secret, err := store.NewSecret("parley_secret_", 32)
	if err != nil {
		return models.OAuthApp{}, "", err
	}
	a := models.OAuthApp{FirmID: v.FirmID, Name: name, ClientID: clientID, SecretHash: store.SecretHash(secret),
		RedirectURIs: strings.Join(list, "\n"), CreatedByUserID: v.UserID}
	if err := s.DB.WithContext(ctx).Create(&a).Error; err != nil {
		return a, "", fmt.Errorf("store: create oauth app: %w", err)
	}
	return a, secret, nil
}

// Apps are v's firm's applications, newest first (administrators).
func (s *Store) Apps(ctx context.Context, v store.Viewer) ([]models.OAuthApp, error) {
	if err := store.Admin(v); err != nil {
		return nil, err
	}
	var out []models.OAuthApp
	if err := s.DB.WithContext(ctx).Where("firm_id = ?", v.FirmID).Order("id DESC").Limit(100).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list oauth apps: %w", err)
	}
	return out, nil
}

// RevokeApp ends an application's access: its tokens stop at once.
func (s *Store) RevokeApp(ctx context.Context, v store.Viewer, id int64) error {
	if err := store.Admin(v); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE oauth_apps SET revoked_at = now(), updated_at = now() WHERE firm_id = ? AND id = ? AND revoked_at IS NULL`, v.FirmID, id)
		if res.Error != nil {
			return fmt.Errorf("store: revoke oauth app: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return store.ErrNotFound
		}
		for _, table := range []string{"oauth_tokens", "oauth_refresh_tokens"} {
			if err := tx.Exec(`UPDATE `+table+` SET revoked_at = now(), updated_at = now()
				WHERE firm_id = ? AND app_id = ? AND revoked_at IS NULL`, v.FirmID, id).Error; err != nil {
				return fmt.Errorf("store: revoke oauth app's tokens: %w", err)
			}
		}
		return nil
	})
}

// App is the application of clientID, unless it is revoked.
func (s *Store) App(ctx context.Context, clientID string) (models.OAuthApp, error) {
	var a models.OAuthApp
	err := s.DB.WithContext(ctx).Where("client_id = ? AND revoked_at IS NULL", clientID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, ErrBadClient
	}
	if err != nil {
		return a, fmt.Errorf("store: load oauth app: %w", err)
	}
	return a, nil
}

// CheckSecret checks an application's client secret.
func (s *Store) CheckSecret(ctx context.Context, clientID, secret string) error {
	a, err := s.App(ctx, clientID)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(a.SecretHash, store.SecretHash(secret)) != 1 {
		return ErrBadClient
	}
	return nil
}

// Request is an authorization request: an application asking a user of
// its firm for access, approved or not yet.
type Request struct {
	ID            string
	FirmID        int64
	AppID         int64
	ClientID      string
	AppName       string
	RedirectURI   string
	Scopes        string
	State         string
	Nonce         string
	CodeChallenge string
	ResponseMode  string
	UserID        *int64
	ApprovedAt    *time.Time
	ExpiresAt     time.Time
	CreatedAt     time.Time
}

const requestColumns = `r.id, r.firm_id, r.app_id, a.client_id, a.name AS app_name, r.redirect_uri, r.scopes, r.state, r.nonce,
	r.code_challenge, r.response_mode, r.user_id, r.approved_at, r.expires_at, r.created_at`

// CreateRequest records an authorization request of application app.
func (s *Store) CreateRequest(ctx context.Context, app models.OAuthApp, r Request) (Request, error) {
	r.ID, r.FirmID, r.AppID, r.ClientID, r.AppName = uuid.NewString(), app.FirmID, app.ID, app.ClientID, app.Name
	r.ExpiresAt, r.CreatedAt = s.now().Add(RequestLife), s.now()
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The requests no one finished: few, as each lives minutes.
		if err := tx.Exec(`DELETE FROM oauth_auth_requests WHERE expires_at < ?`, s.now().Add(-time.Hour)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO oauth_auth_requests (id, firm_id, app_id, redirect_uri, scopes, state, nonce,
			code_challenge, response_mode, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.FirmID, r.AppID, r.RedirectURI, r.Scopes, r.State, r.Nonce, r.CodeChallenge, r.ResponseMode, r.ExpiresAt).Error
	})
	if err != nil {
		return r, fmt.Errorf("store: create oauth request: %w", err)
	}
	return r, nil
}

// Request is an authorization request still within its time.
func (s *Store) Request(ctx context.Context, id string) (Request, error) {
	var r Request
	if _, err := uuid.Parse(id); err != nil {
		return r, store.ErrNotFound
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT `+requestColumns+` FROM oauth_auth_requests r JOIN oauth_apps a ON a.id = r.app_id
		WHERE r.id = ? AND r.expires_at > ? AND a.revoked_at IS NULL`, id, s.now()).Take(&r).Error
	if err != nil {
		return r, store.NotFound(err, "load oauth request")
	}
	return r, nil
}

// Approve records that v approved request id: v must be a user of the
// application's firm.
func (s *Store) Approve(ctx context.Context, v store.Viewer, id string) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE oauth_auth_requests SET user_id = ?, approved_at = ?, updated_at = now()
		WHERE id = ? AND firm_id = ? AND expires_at > ? AND user_id IS NULL`, v.UserID, s.now(), id, v.FirmID, s.now())
	if res.Error != nil {
		return fmt.Errorf("store: approve oauth request: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return nil
}

// SaveCode keeps the code made for an approved request: single use, for
// CodeLife.
func (s *Store) SaveCode(ctx context.Context, id, code string) error {
	res := s.DB.WithContext(ctx).Exec(`UPDATE oauth_auth_requests SET code_hash = decode(?, 'hex'), code_expires_at = ?, updated_at = now()
		WHERE id = ? AND user_id IS NOT NULL`, store.SecretHashArg(code), s.now().Add(CodeLife), id)
	if res.Error != nil {
		return fmt.Errorf("store: save oauth code: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return nil
}

// UseCode takes a code's request, once: the first exchange uses the code
// up, whatever its outcome; a code past its time is ErrInvalidGrant.
func (s *Store) UseCode(ctx context.Context, code string) (Request, error) {
	var r Request
	var expires time.Time
	row := s.DB.WithContext(ctx).Raw(`WITH used AS (
			UPDATE oauth_auth_requests SET code_hash = NULL, updated_at = now() WHERE code_hash = decode(?, 'hex')
			RETURNING id, code_expires_at)
		SELECT used.code_expires_at, `+requestColumns+` FROM used JOIN oauth_auth_requests r ON r.id = used.id
		JOIN oauth_apps a ON a.id = r.app_id WHERE a.revoked_at IS NULL`, store.SecretHashArg(code)).Row()
	err := row.Scan(&expires, &r.ID, &r.FirmID, &r.AppID, &r.ClientID, &r.AppName, &r.RedirectURI, &r.Scopes, &r.State, &r.Nonce,
		&r.CodeChallenge, &r.ResponseMode, &r.UserID, &r.ApprovedAt, &r.ExpiresAt, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrInvalidGrant
	}
	if err != nil {
		return r, fmt.Errorf("store: use oauth code: %w", err)
	}
	if !s.now().Before(expires) || r.UserID == nil {
		return r, ErrInvalidGrant
	}
	return r, nil
}

// DeleteRequest removes a request (its tokens are made).
func (s *Store) DeleteRequest(ctx context.Context, id string) error {
	if err := s.DB.WithContext(ctx).Exec(`DELETE FROM oauth_auth_requests WHERE id = ?`, id).Error; err != nil {
		return fmt.Errorf("store: delete oauth request: %w", err)
	}
	return nil
}

// Grant is what a token stands for: a user's approval of an application.
type Grant struct {
	FirmID, AppID, UserID int64
	ClientID              string
	Scopes                string
	AuthTime              time.Time
}

// CreateAccess makes an access token of g with no refresh token.
func (s *Store) CreateAccess(ctx context.Context, g Grant) (string, time.Time, error) {
	id, exp := uuid.NewString(), s.now().Add(AccessLife)
	err := s.DB.WithContext(ctx).Exec(`INSERT INTO oauth_tokens (id, firm_id, app_id, user_id, scopes, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, id, g.FirmID, g.AppID, g.UserID, g.Scopes, exp).Error
	if err != nil {
		return "", exp, fmt.Errorf("store: create access token: %w", err)
	}
	return id, exp, nil
}

// CreateAccessAndRefresh makes an access token and a refresh token of g.
// With current (a refresh token being exchanged) it rotates: current is
// used up and the new tokens join its family; current already used (a
// copy replayed) revokes the whole family and is ErrInvalidGrant.
func (s *Store) CreateAccessAndRefresh(ctx context.Context, g Grant, current string) (string, string, time.Time, error) {
	accessID, exp := uuid.NewString(), s.now().Add(AccessLife)
	refresh, err := store.NewSecret(refreshPrefix, 32)
	if err != nil {
		return "", "", exp, err
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		family := uuid.NewString()
		if current != "" {
			var used []string
			err := tx.Raw(`UPDATE oauth_refresh_tokens SET used_at = ?, updated_at = now()
				WHERE token_hash = decode(?, 'hex') AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING family::text`,
				s.now(), store.SecretHashArg(current), s.now()).Scan(&used).Error
			if err != nil {
				return fmt.Errorf("rotate refresh token: %w", err)
			}
			if len(used) == 0 {
				return ErrInvalidGrant
			}
			family = used[0]
		}
		if err := tx.Exec(`INSERT INTO oauth_tokens (id, firm_id, app_id, user_id, family, scopes, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, accessID, g.FirmID, g.AppID, g.UserID, family, g.Scopes, exp).Error; err != nil {
			return fmt.Errorf("create access token: %w", err)
		}
		return tx.Exec(`INSERT INTO oauth_refresh_tokens (token_hash, firm_id, app_id, user_id, family, scopes, auth_time, expires_at)
			VALUES (decode(?, 'hex'), ?, ?, ?, ?, ?, ?, ?)`, store.SecretHashArg(refresh), g.FirmID, g.AppID, g.UserID, family, g.Scopes, g.AuthTime,
			s.now().Add(RefreshLife)).Error
	})
	if errors.Is(err, ErrInvalidGrant) {
		return "", "", exp, s.revokeFamilyOf(ctx, current, ErrInvalidGrant)
	}
	if err != nil {
		return "", "", exp, fmt.Errorf("store: create tokens: %w", err)
	}
	return accessID, refresh, exp, nil
}

// refreshPrefix starts every refresh token.
const refreshPrefix = "parley_rt_"

// IsRefreshToken says whether token looks like a refresh token (else it is
// an access token's ID).
func IsRefreshToken(token string) bool { return strings.HasPrefix(token, refreshPrefix) }

// Refresh is the grant of a refresh token that may be exchanged. One used
// before (a stolen copy, or the client's own replay) revokes its family:
// every token of that approval stops.
func (s *Store) Refresh(ctx context.Context, token string) (Grant, error) {
	var row struct {
		Grant
		UsedAt, RevokedAt *time.Time
		ExpiresAt         time.Time
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT t.firm_id, t.app_id, t.user_id, a.client_id, t.scopes, t.auth_time,
		t.used_at, t.revoked_at, t.expires_at FROM oauth_refresh_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.token_hash = decode(?, 'hex') AND a.revoked_at IS NULL`, store.SecretHashArg(token)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Grant{}, ErrInvalidGrant
	}
	if err != nil {
		return Grant{}, fmt.Errorf("store: load refresh token: %w", err)
	}
	switch {
	case row.UsedAt != nil:
		return Grant{}, s.revokeFamilyOf(ctx, token, ErrInvalidGrant)
	case row.RevokedAt != nil || !s.now().Before(row.ExpiresAt):
		return Grant{}, ErrInvalidGrant
	}
	return row.Grant, nil
}

// revokeFamilyOf revokes every token of refresh token token's family and
// returns then.
func (s *Store) revokeFamilyOf(ctx context.Context, token string, then error) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var family []string
		if err := tx.Raw(`SELECT family::text FROM oauth_refresh_tokens WHERE token_hash = decode(?, 'hex')`, store.SecretHashArg(token)).Scan(&family).Error; err != nil || len(family) == 0 {
			return err
		}
		for _, table := range []string{"oauth_tokens", "oauth_refresh_tokens"} {
			if err := tx.Exec(`UPDATE `+table+` SET revoked_at = now(), updated_at = now()
				WHERE family = ? AND revoked_at IS NULL`, family[0]).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: revoke token family: %w", err)
	}
	return then
}

// RefreshInfo is the user and the ID (its hash, hex) of an application's
// refresh token; ErrInvalidGrant if it is none of clientID's.
func (s *Store) RefreshInfo(ctx context.Context, clientID, token string) (int64, string, error) {
	var userID int64
	err := s.DB.WithContext(ctx).Raw(`SELECT t.user_id FROM oauth_refresh_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.token_hash = decode(?, 'hex') AND a.client_id = ?`, store.SecretHashArg(token), clientID).Row().Scan(&userID)
	if err != nil {
		return 0, "", ErrInvalidGrant
	}
	return userID, token, nil
}

// RevokeRefresh revokes refresh token token of clientID and everything of
// its family (RFC 7009: the grant it stands for ends). An unknown token
// is no error.
func (s *Store) RevokeRefresh(ctx context.Context, clientID, token string) error {
	var n int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM oauth_refresh_tokens t JOIN oauth_apps a ON a.id = t.app_id
		WHERE t.token_hash = decode(?, 'hex') AND a.client_id = ?`, store.SecretHashArg(token), clientID).Scan(&n).Error; err != nil {
		return fmt.Errorf("store: revoke refresh token: %w", err)
	}
	if n == 0 {
		return nil
	}
	return s.revokeFamilyOf(ctx, token, nil)
}

// RevokeAccess revokes access token id of clientID.
func (s *Store) RevokeAccess(ctx context.Context, clientID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return nil
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE oauth_tokens SET revoked_at = now(), updated_at = now()
		WHERE id = ? AND app_id = (SELECT id FROM oauth_apps WHERE client_id = ?)`, id, clientID).Error
	if err != nil {
		return fmt.Errorf("store: revoke access token: %w", err)
	}
	return nil
}

// Authenticate finds who access token id acts as: a token in its time,
// not revoked, of an application not revoked, of an active user.
func (s *Store) Authenticate(ctx context.Context, id string) (apitokens.Identity, error) {
	if _, err := uuid.Parse(id); err != nil {
		return apitokens.Identity{}, apitokens.ErrUnauthorized
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT t.app_id, `+apitokens.IdentityColumns+`
		FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id JOIN users u ON u.firm_id = t.firm_id AND u.id = t.user_id
		JOIN firms f ON f.id = t.firm_id
		WHERE t.id = @id AND t.revoked_at IS NULL AND t.expires_at > @now AND a.revoked_at IS NULL AND u.active`,
		map[string]any{"id": id, "now": s.now()},
		func(r store.Rows, out *apitokens.Identity) error { return apitokens.ScanIdentity(r, out, &out.AppID) })
	if err != nil {
		return apitokens.Identity{}, fmt.Errorf("store: check access token: %w", err)
	}
	if len(rows) == 0 {
		return apitokens.Identity{}, apitokens.ErrUnauthorized
	}
	return rows[0], nil
}

// Key is the installation's key name, made by create the first time any
// portal asks (the first maker wins; every portal reads the same key).
func (s *Store) Key(ctx context.Context, name string, create func() ([]byte, error)) ([]byte, error) {
	var have [][]byte
	if err := s.DB.WithContext(ctx).Raw(`SELECT value FROM installation_keys WHERE name = ?`, name).Scan(&have).Error; err != nil {
		return nil, fmt.Errorf("store: load key %s: %w", name, err)
	}
	if len(have) == 1 {
		return have[0], nil
	}
	value, err := create()
	if err != nil {
		return nil, fmt.Errorf("store: make key %s: %w", name, err)
	}
	if err := s.DB.WithContext(ctx).Exec(`INSERT INTO installation_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, value).Error; err != nil {
		return nil, fmt.Errorf("store: keep key %s: %w", name, err)
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT value FROM installation_keys WHERE name = ?`, name).Scan(&have).Error; err != nil || len(have) != 1 {
		return nil, fmt.Errorf("store: load key %s: %w", name, err)
	}
	return have[0], nil
}
