package auth

import (
	"context"
	"fmt"

	"github.com/parleyhq/parley/shared/tasks"
)

// Links takes requests for sign-in links.
type Links struct {
	Tasks   tasks.Enqueuer
	Limiter *Limiter
}

// Request has the worker email a sign-in link to every account of email.
// The portal does the same work for every address, known or not (a rate
// limit and one enqueue), and the worker decides, so neither the answer
// nor its timing tells whether the address has an account. Only a rate
// limit (*RateLimitedError) or a failure is reported.
func (l *Links) Request(ctx context.Context, email, ip string) error {
	if err := l.Limiter.AllowLink(ctx, email, ip); err != nil {
		return err
	}
	t, err := tasks.NewSignInLink(email)
	if err != nil {
		return err
	}
	if err := l.Tasks.Enqueue(ctx, t); err != nil {
		return fmt.Errorf("auth: queue sign-in link: %w", err)
	}
	return nil
}
