// Package customactions owns custom actions (links an integration adds to
// a staff page's actions menu) and the nonces their clicks mint.
package customactions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
)

// Store reads and writes custom actions and their nonces.
type Store struct {
	DB *gorm.DB
}

// NonceLife is how long a click's nonce may be used.
const NonceLife = 60 * time.Second

// ErrNonce is a nonce that is unknown, used, expired, or minted for
// another user or token: the API answers 403.
var ErrNonce = errors.New("customactions: the custom action nonce is not valid for this request")

const maxLabel = 100

// Check says what is wrong with a new action, by field, and returns its
// values tidied.
func Check(label, uiRef, target string) (models.CustomAction, store.FieldErrors) {
	bad := store.FieldErrors{}
	a := models.CustomAction{Label: strings.TrimSpace(label), UIReference: models.UIReference(uiRef), TargetURL: strings.TrimSpace(target)}
	switch n := utf8.RuneCountInString(a.Label); {
	case n == 0:
		bad.Add("label", "Give the action a label.")
	case n > maxLabel:
		bad.Add("label", fmt.Sprintf("Keep the label under %d characters.", maxLabel))
	}
	switch a.UIReference {
	case models.UIContactsShow, models.UIMattersShow, models.UIInboxLeadsShow:
	default:
		bad.Add("ui_reference", "ui_reference is one of contacts/show, matters/show or inbox_leads/show.")
	}
	if !targetOK(a.TargetURL) {
		bad.Add("target_url", "target_url is an https URL (http only for localhost).")
	}
	return a, bad
}

// targetOK allows https anywhere and http on the machine itself (an
// integration under development): a nonce must not cross a network in
// the clear.
func targetOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		return host == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// Create records an action made through the API by owner, acting as v.
func (s *Store) Create(ctx context.Context, v store.Viewer, owner store.Owner, label, uiRef, target string) (models.CustomAction, error) {
	if err := store.FirmUser(v); err != nil {
		return models.CustomAction{}, err
	}
	a, bad := Check(label, uiRef, target)
	if err := bad.Err(); err != nil {
		return a, err
	}
	a.FirmID, a.CreatedByUserID = v.FirmID, v.UserID
	a.APITokenID, a.OAuthAppID = owner.Columns()
	if err := s.DB.WithContext(ctx).Create(&a).Error; err != nil {
		return a, fmt.Errorf("store: create custom action: %w", err)
	}
	return a, nil
}

// Mine is a page (q) of the actions owner made, in ID order.
func (s *Store) Mine(ctx context.Context, v store.Viewer, owner store.Owner, q store.IDQuery) ([]models.CustomAction, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []models.CustomAction
	cond, args := owner.SQL()
	err := s.DB.WithContext(ctx).Where(cond, args...).Where("firm_id = ?", v.FirmID).Scopes(q.Scope).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list custom actions: %w", err)
	}
	return out, nil
}

// live keeps the actions whose maker still works: a revoked token's (or a
// deactivated user's) or a revoked application's would lead a click to an
// integration that can no longer call the API.
const live = `(EXISTS (SELECT 1 FROM api_tokens t JOIN users u ON u.firm_id = t.firm_id AND u.id = t.user_id
	WHERE t.id = custom_actions.api_token_id AND t.revoked_at IS NULL AND u.active)
	OR EXISTS (SELECT 1 FROM oauth_apps a WHERE a.id = custom_actions.oauth_app_id AND a.revoked_at IS NULL))`

// ForPage is the firm's working actions on a page, by label.
func (s *Store) ForPage(ctx context.Context, v store.Viewer, page models.UIReference) ([]models.CustomAction, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var out []models.CustomAction
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND ui_reference = ? AND "+live, v.FirmID, page).
		Order("label, id").Limit(50).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: page's custom actions: %w", err)
	}
	return out, nil
}

// Action is one of the firm's working actions.
func (s *Store) Action(ctx context.Context, v store.Viewer, id int64) (models.CustomAction, error) {
	var a models.CustomAction
	if err := store.FirmUser(v); err != nil {
		return a, err
	}
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND "+live, v.FirmID, id).Take(&a).Error; err != nil {
		return a, store.NotFound(err, "load custom action")
	}
	return a, nil
}

// Mint makes the nonce of v's click on action a (as Action gave it), good
// until now + NonceLife. Only its hash is kept.
func (s *Store) Mint(ctx context.Context, v store.Viewer, a models.CustomAction, now time.Time) (string, error) {
	if err := store.FirmUser(v); err != nil || a.FirmID != v.FirmID {
		return "", store.ErrNotFound
	}
	nonce, err := store.NewSecret("", 32)
	if err != nil {
		return "", err
	}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The nonces no request used: few, as each lives a minute.
		if err := tx.Exec(`DELETE FROM custom_action_nonces WHERE expires_at < ?`, now.Add(-time.Hour)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO custom_action_nonces (nonce_hash, firm_id, custom_action_id, user_id, expires_at)
			VALUES (decode(?, 'hex'), ?, ?, ?, ?)`, store.SecretHashArg(nonce), v.FirmID, a.ID, v.UserID, now.Add(NonceLife)).Error
	})
	if err != nil {
		return "", fmt.Errorf("store: mint nonce: %w", err)
	}
	return nonce, nil
}

// Redeem uses up nonce for an API request by owner acting as v: whatever
// the answer, the nonce cannot be used again. It is good only if minted
// for v's click on an action owner made, before its time ran out.
func (s *Store) Redeem(ctx context.Context, v store.Viewer, owner store.Owner, nonce string, now time.Time) error {
	var userID int64
	var maker store.Owner
	var expires time.Time
	err := s.DB.WithContext(ctx).Raw(`WITH used AS (
			DELETE FROM custom_action_nonces WHERE nonce_hash = decode(?, 'hex') RETURNING firm_id, custom_action_id, user_id, expires_at)
		SELECT used.user_id, coalesce(a.api_token_id, 0), coalesce(a.oauth_app_id, 0), used.expires_at FROM used
		JOIN custom_actions a ON a.firm_id = used.firm_id AND a.id = used.custom_action_id
		WHERE used.firm_id = ?`, store.SecretHashArg(nonce), v.FirmID).Row().Scan(&userID, &maker.TokenID, &maker.AppID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNonce
	}
	if err != nil {
		return fmt.Errorf("store: redeem nonce: %w", err)
	}
	if userID != v.UserID || maker != owner || !now.Before(expires) {
		return ErrNonce
	}
	return nil
}
