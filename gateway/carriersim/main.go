// Command carriersim is a Twilio-compatible carrier for development and
// tests: it accepts sends on Twilio's REST shape and posts signed status
// callbacks, and its web page is a phone that texts the firm (with
// attachments, which it serves as media URLs) and shows what the firm sent.
// Everything lives in memory.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/program"
)

func main() { os.Exit(program.Main("carriersim", run)) }

func run(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	set, err := loadSettings(cfg, os.LookupEnv)
	if err != nil {
		return err
	}
	srv := newServer(ctx, set, log)
	log.Info("carrier simulator serving", "addr", set.Addr, "public_url", set.PublicURL,
		"webhooks_to", srv.gatewayMessagesURL(), "account_sid", set.AccountSID, "phone", set.Phone, "firm_number", set.FirmNumber)
	err = ops.Serve(ctx, srv.app(), set.Addr, cfg.ShutdownTimeout, log)
	// ctx is done: background posts stop at their next step.
	srv.wait()
	return err
}
