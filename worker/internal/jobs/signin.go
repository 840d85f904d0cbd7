package jobs

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/tasks"
)

// SendSignInLinks emails a sign-in link to every account of an address, and
// nothing to an address without one. The portal hands every request here
// alike, so its answer does not tell which addresses have accounts.
func (j *Jobs) SendSignInLinks(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.SignInLink](t)
	if err != nil {
		return err
	}
	if p.Email == "" || p.RequestID == "" {
		return fmt.Errorf("sign-in link request without email or request ID: %w", asynq.SkipRetry)
	}
	n, err := j.Stores.Signin.SendLinks(ctx, p.Email, p.RequestID)
	if err != nil {
		return fmt.Errorf("sign-in links: %w", err)
	}
	j.Log.InfoContext(ctx, "sign-in request handled", "request_id", p.RequestID, "links", n)
	return nil
}
