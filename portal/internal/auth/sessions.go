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
	return id, sess, nil
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
