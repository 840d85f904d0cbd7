// Package apitokens owns personal API tokens: made by a firm user (or by
// the operator's `portal api-token create`), shown once, kept as a SHA-256,
// checked on every API request and revoked by their user.
package apitokens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes API tokens.
type Store struct {
	DB *gorm.DB
}

// prefix starts every token, so a leaked one is recognisable (secret
// scanners look for such prefixes).
const prefix = "parley_pat_"

// ErrUnauthorized is a token that is unknown, revoked, or whose user is
// deactivated: the API answers 401 and says no more.
var ErrUnauthorized = errors.New("apitokens: not a valid token")

// ErrNoUser is an email that is no active firm user's.
var ErrNoUser = errors.New("apitokens: no active user has that email")

// Identity is who a valid token acts as: the user, and the firm's ID and
// name.
type Identity struct {
	// TokenID is the personal token's ID; 0 for an OAuth access token.
	TokenID int64
	// AppID is the OAuth application's ID; 0 for a personal token.
	AppID int64
	User  models.User
	Firm  models.Firm
}

// IdentityColumns are the user (u) and firm (f) columns ScanIdentity reads,
// for the personal and the OAuth token checks alike.
const IdentityColumns = `u.id, u.firm_id, u.email, u.first_name, u.last_name, u.role, u.active, u.text_badge,
	u.created_at, u.updated_at, f.name`

// ScanIdentity scans a row of the values first points to, then
// IdentityColumns, into id.
func ScanIdentity(r store.Rows, id *Identity, first ...any) error {
	u := &id.User
	err := r.Scan(append(first, &u.ID, &u.FirmID, &u.Email, &u.FirstName, &u.LastName, &u.Role, &u.Active, &u.TextBadge,
		&u.CreatedAt, &u.UpdatedAt, &id.Firm.Name)...)
	id.Firm.ID = u.FirmID
	return err
}

// Owner is what made something through the API with this identity: its
// personal token or its application.
func (id Identity) Owner() store.Owner { return store.Owner{TokenID: id.TokenID, AppID: id.AppID} }

// Viewer is the identity as the stores take it: the user's firm, role and
// matter permissions apply to everything the token does.
func (id Identity) Viewer() store.Viewer {
	return store.Viewer{FirmID: id.User.FirmID, UserID: id.User.ID, Admin: id.User.Role == models.RoleAdmin}
}

// Create makes a token for v named name and returns it; it is not kept and
// cannot be shown again.
func (s *Store) Create(ctx context.Context, v store.Viewer, name string) (string, models.APIToken, error) {
	if err := store.FirmUser(v); err != nil {
		return "", models.APIToken{}, err
	}
	return s.create(ctx, v.FirmID, v.UserID, name)
}

// CreateForEmail makes a token for the active firm user with email (the
// operator's command line).
func (s *Store) CreateForEmail(ctx context.Context, email, name string) (string, models.APIToken, error) {
	var u models.User
	err := s.DB.WithContext(ctx).Where("lower(email) = lower(?) AND active", strings.TrimSpace(email)).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", models.APIToken{}, ErrNoUser
	}
	if err != nil {
		return "", models.APIToken{}, fmt.Errorf("store: find user: %w", err)
	}
	return s.create(ctx, u.FirmID, u.ID, name)
}

func (s *Store) create(ctx context.Context, firmID, userID int64, name string) (string, models.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return "", models.APIToken{}, store.Invalid("Give the token a name of up to 100 characters.")
	}
	token, err := store.NewSecret(prefix, 32)
	if err != nil {
		return "", models.APIToken{}, err
	}
	t := models.APIToken{FirmID: firmID, UserID: userID, Name: name, TokenHash: store.SecretHash(token)}
	if err := s.DB.WithContext(ctx).Create(&t).Error; err != nil {
		return "", t, fmt.Errorf("store: save token: %w", err)
	}
	return token, t, nil
}

// List is v's own tokens, newest first. A person keeps a handful; the
// list stops at 200.
func (s *Store) List(ctx context.Context, v store.Viewer) ([]models.APIToken, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []models.APIToken
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND user_id = ?", v.FirmID, v.UserID).
		Order("id DESC").Limit(200).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	return out, nil
}

// Revoke ends one of v's tokens at once; another's token is not found.
func (s *Store) Revoke(ctx context.Context, v store.Viewer, id int64) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Model(&models.APIToken{}).
		Where("firm_id = ? AND user_id = ? AND id = ?", v.FirmID, v.UserID, id).
		Updates(map[string]any{"revoked_at": gorm.Expr("coalesce(revoked_at, now())"), "updated_at": time.Now()})
	if res.Error != nil {
		return fmt.Errorf("store: revoke token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return nil
}

// touchEvery is how stale last_used_at may get: a busy script must not
// write the row on every request.
const touchEvery = time.Minute

// IsPersonal says whether token looks like a personal token (any other
// bearer token is an OAuth access token).
func IsPersonal(token string) bool { return strings.HasPrefix(token, prefix) }

// Authenticate finds who token acts as: a token not revoked, of an active
// user. Anything else is ErrUnauthorized.
func (s *Store) Authenticate(ctx context.Context, token string) (Identity, error) {
	if !strings.HasPrefix(token, prefix) {
		return Identity{}, ErrUnauthorized
	}
	// One read on every API request: the token, its user and firm.
	type found struct {
		Identity
		stale bool
	}
	rows, err := store.QueryAll(ctx, s.DB, `SELECT t.id, t.last_used_at IS NULL OR t.last_used_at < now() - @touch * interval '1 second',
		`+IdentityColumns+`
		FROM api_tokens t JOIN users u ON u.firm_id = t.firm_id AND u.id = t.user_id JOIN firms f ON f.id = t.firm_id
		WHERE t.token_hash = @hash AND t.revoked_at IS NULL AND u.active`,
		map[string]any{"touch": int(touchEvery / time.Second), "hash": store.SecretHash(token)},
		func(r store.Rows, id *found) error { return ScanIdentity(r, &id.Identity, &id.TokenID, &id.stale) })
	if err != nil {
		return Identity{}, fmt.Errorf("store: check token: %w", err)
	}
	if len(rows) == 0 {
		return Identity{}, ErrUnauthorized
	}
	id, stale := rows[0].Identity, rows[0].stale
	if stale {
		if err := s.DB.WithContext(ctx).Exec(`UPDATE api_tokens SET last_used_at = now() WHERE id = ?`, id.TokenID).Error; err != nil {
			return Identity{}, fmt.Errorf("store: token last used: %w", err)
		}
	}
	return id, nil
}
