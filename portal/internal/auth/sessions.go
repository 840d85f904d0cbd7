package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Why a session is not there.
var (
	ErrNoSession = errors.New("auth: no session")
	ErrIdle      = errors.New("auth: signed out after inactivity")
	ErrMaxAge    = errors.New("auth: session reached its maximum age")
)

// Session is a signed-in account. It lives in Redis so every portal copy
// sees it; the cookie holds only a random ID, and Redis only its hash.
type Session struct {
	Account
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
}

// Sessions stores sessions with a sliding idle limit and an absolute one.
type Sessions struct {
	rdb    redis.UniversalClient
	Idle   time.Duration
	MaxAge time.Duration
	// Now is the clock; tests replace it instead of sleeping.
	Now func() time.Time
}

// NewSessions keeps sessions in rdb.
func NewSessions(rdb redis.UniversalClient, idle, maxAge time.Duration) *Sessions {
	return &Sessions{rdb: rdb, Idle: idle, MaxAge: maxAge, Now: time.Now}
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte(id))
	return "parley:session:" + hex.EncodeToString(h[:])
}

// touchEvery bounds how often a read also writes last-seen back: often
// enough that the idle limit is exact to a few seconds, rarely enough that a
// page view costs one Redis read.
func (s *Sessions) touchEvery() time.Duration { return min(s.Idle/20, 15*time.Second) }

// Create starts a session for acct and returns its ID for the cookie.
func (s *Sessions) Create(ctx context.Context, acct Account) (string, Session, error) {
	id, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, err
	}
	now := s.Now()
	sess := Session{Account: acct, CSRF: csrf, CreatedAt: now, LastSeen: now}
	if err := s.save(ctx, id, sess, false); err != nil {
		return "", Session{}, err
	}
	// Each account lists its sessions, so EndAll can end them at once.
	idx := accountKey(acct.Kind, acct.FirmID, acct.UserID+acct.ContactID)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, idx, sessionKey(id))
		p.Expire(ctx, idx, s.MaxAge+time.Minute)
		return nil
	})
	if err != nil {
		_ = s.Destroy(ctx, id)
		return "", Session{}, fmt.Errorf("auth: index session: %w", err)
	}
	return id, sess, nil
}

// Rename changes the name an account's sessions show (after the user
// changes it in their profile). A session's own activity may rewrite it
// with the old name at the same moment; the name is for display only.
func (s *Sessions) Rename(ctx context.Context, kind Kind, firmID, id int64, name string) error {
	keys, err := s.rdb.SMembers(ctx, accountKey(kind, firmID, id)).Result()
	if err != nil {
		return fmt.Errorf("auth: list sessions: %w", err)
	}
	for _, key := range keys {
		b, err := s.rdb.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("auth: load session: %w", err)
		}
		var sess Session
		if json.Unmarshal(b, &sess) != nil {
			continue
		}
		sess.Name = name
		if b, err = json.Marshal(sess); err != nil {
			return fmt.Errorf("auth: encode session: %w", err)
		}
		if err := s.rdb.Set(ctx, key, b, redis.KeepTTL).Err(); err != nil {
			return fmt.Errorf("auth: save session: %w", err)
		}
	}
	return nil
}

// accountKey is the set of an account's session keys (its ID is the user's
// or the contact's).
func accountKey(kind Kind, firmID, id int64) string {
	return fmt.Sprintf("parley:sessions-of:%s:%d:%d", kind, firmID, id)
}

// EndAll ends every session of an account at once, on every portal copy:
// its next request is signed out. For a deactivated user, a changed role,
// and "sign out everywhere".
func (s *Sessions) EndAll(ctx context.Context, kind Kind, firmID, id int64) error {
	idx := accountKey(kind, firmID, id)
	keys, err := s.rdb.SMembers(ctx, idx).Result()
	if err != nil {
		return fmt.Errorf("auth: list sessions: %w", err)
	}
	if err := s.rdb.Del(ctx, append(keys, idx)...).Err(); err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	return nil
}

func (s *Sessions) save(ctx context.Context, id string, sess Session, keepTTL bool) error {
	b, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("auth: encode session: %w", err)
	}
	// Redis drops the key at the absolute limit at the latest (with a margin
	// for clock skew); the limits themselves are checked against Now.
	ttl := s.MaxAge + time.Minute
	if keepTTL {
		ttl = redis.KeepTTL
	}
	if err := s.rdb.Set(ctx, sessionKey(id), b, ttl).Err(); err != nil {
		return fmt.Errorf("auth: save session: %w", err)
	}
	return nil
}

// Get returns the live session for id and slides its idle limit. An idle or
// too old session is deleted and reported as ErrIdle or ErrMaxAge.
func (s *Sessions) Get(ctx context.Context, id string) (Session, error) { return s.get(ctx, id, true) }

// Peek is Get without sliding the idle limit: a page polling in the
// background is not a person being active.
func (s *Sessions) Peek(ctx context.Context, id string) (Session, error) {
	return s.get(ctx, id, false)
}

func (s *Sessions) get(ctx context.Context, id string, touch bool) (Session, error) {
	if id == "" {
		return Session{}, ErrNoSession
	}
	b, err := s.rdb.Get(ctx, sessionKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("auth: load session: %w", err)
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		_ = s.Destroy(ctx, id)
		return Session{}, ErrNoSession
	}
	now := s.Now()
	switch {
	case now.Sub(sess.CreatedAt) >= s.MaxAge:
		_ = s.Destroy(ctx, id)
		return Session{}, ErrMaxAge
	case now.Sub(sess.LastSeen) >= s.Idle:
		_ = s.Destroy(ctx, id)
		return Session{}, ErrIdle
	}
	if touch && now.Sub(sess.LastSeen) >= s.touchEvery() {
		sess.LastSeen = now
		if err := s.save(ctx, id, sess, true); err != nil {
			return Session{}, err
		}
	}
	return sess, nil
}

// Destroy ends the session.
func (s *Sessions) Destroy(ctx context.Context, id string) error {
	if err := s.rdb.Del(ctx, sessionKey(id)).Err(); err != nil {
		return fmt.Errorf("auth: delete session: %w", err)
	}
	return nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
