package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// LinkLimits bound how many sign-in links can be asked for, so the form
// cannot be used to flood an inbox or to probe addresses at speed.
type LinkLimits struct {
	PerAddress redis_rate.Limit
	PerIP      redis_rate.Limit
}

// DefaultLinkLimits: 5 links an hour for one address, 30 an hour from one IP.
var DefaultLinkLimits = LinkLimits{
	PerAddress: redis_rate.Limit{Rate: 5, Burst: 5, Period: time.Hour},
	PerIP:      redis_rate.Limit{Rate: 30, Burst: 30, Period: time.Hour},
}

// Limiter applies LinkLimits with Redis, shared by every portal copy.
type Limiter struct {
	rl     *redis_rate.Limiter
	limits LinkLimits
}

// NewLimiter keeps its counters in rdb.
func NewLimiter(rdb redis.UniversalClient, limits LinkLimits) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(rdb), limits: limits}
}

// RateLimitedError says how long to wait.
type RateLimitedError struct{ RetryAfter time.Duration }

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("too many sign-in links requested; try again in %s", e.RetryAfter.Round(time.Minute))
}

// AllowLink counts one request for email from ip; both limits must allow it.
func (l *Limiter) AllowLink(ctx context.Context, email, ip string) error {
	checks := []struct {
		key   string
		limit redis_rate.Limit
	}{
		{"addr:" + digest(email), l.limits.PerAddress},
		{"ip:" + ip, l.limits.PerIP},
	}
	for _, c := range checks {
		res, err := l.rl.Allow(ctx, "parley:login:"+c.key, c.limit)
		if err != nil {
			return fmt.Errorf("auth: rate limit: %w", err)
		}
		if res.Allowed == 0 {
			return &RateLimitedError{RetryAfter: max(res.RetryAfter, time.Minute)}
		}
	}
	return nil
}

// digest keeps addresses out of Redis keys.
func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}
