// Package cli dispatches the portal binary's subcommands.
package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/program"
	"github.com/parleyhq/parley/shared/seed"
)

const usage = `usage: portal [command]

commands:
  serve       serve the portal (the default)
  migrate     create the database if needed and apply pending migrations
  seed-demo   create the demo firm (safe to run again)
`

// Main runs the subcommand named by args and returns the exit code.
func Main(args []string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		return program.Main("portal", web.Run)
	case "migrate":
		return program.Main("portal", migrate)
	case "seed-demo":
		return program.Main("portal", seedDemo)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "portal: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if err := db.EnsureDatabase(ctx, cfg.DatabaseURL, log); err != nil {
		return err
	}
	gdb, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	return db.Migrate(ctx, gdb, log)
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	store, err := docstore.NewDisk(cfg.DocumentsDir)
	if err != nil {
		return err
	}
	return seed.DemoWithTexting(ctx, gdb, store, log, cfg.TextingNumbers)
}
