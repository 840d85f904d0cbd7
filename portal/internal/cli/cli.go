// Package cli dispatches the portal binary's subcommands.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
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
  seed-demo   create the demo firm (safe to run again);
              --size medium|large also grows it to a big firm's data
              (5,000 or 50,000 contacts, 52,000 or 520,000 texts…)
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
		size, err := sizeFlag(args[1:])
		if err != nil {
			fmt.Fprintf(os.Stderr, "portal seed-demo: %v\n", err)
			return 2
		}
		return program.Main("portal", func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
			return seedDemo(ctx, cfg, log, size)
		})
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

// sizeFlag reads seed-demo's --size: "" (just the demo firm), medium or large.
func sizeFlag(args []string) (string, error) {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	size := fs.String("size", "", "medium or large")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, ok := seed.Sizes[*size]; *size != "" && !ok {
		return "", fmt.Errorf("--size must be medium or large, not %q", *size)
	}
	return *size, nil
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, size string) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	store, err := docstore.NewDisk(cfg.DocumentsDir)
	if err != nil {
		return err
	}
	if err := seed.DemoWithTexting(ctx, gdb, store, log, cfg.TextingNumbers); err != nil {
		return err
	}
	if size == "" {
		return nil
	}
	return seed.Grow(ctx, gdb, log, seed.Sizes[size])
}
