// Package cli dispatches the portal binary's subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/program"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/apitokens"
	"github.com/parleyhq/parley/shared/store/firms"
)

const usage = `usage: portal [command]

commands:
  serve       serve the portal (the default)
  migrate     create the database if needed and apply pending migrations
  seed-demo   create the demo firm (safe to run again);
              --size medium|large also grows it to a big firm's data
              (5,000 or 50,000 contacts, 52,000 or 520,000 texts…)
  create-firm --name NAME --admin-email EMAIL [--admin-name NAME] [--time-zone ZONE]
              set up a firm and its first administrator, who signs in
              at PUBLIC_URL/login with that email
  api-token create --email EMAIL --name NAME
              make a personal API token for the active user with EMAIL;
              the token is printed alone on the last line, once
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
	case "create-firm":
		in, err := createFirmFlags(args[1:])
		if err != nil {
			fmt.Fprintf(os.Stderr, "portal create-firm: %v\n", err)
			return 2
		}
		return program.Main("portal", func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
			return createFirm(ctx, cfg, os.Stdout, in)
		})
	case "api-token":
		email, name, err := apiTokenFlags(args[1:])
		if err != nil {
			fmt.Fprintf(os.Stderr, "portal api-token: %v\n", err)
			return 2
		}
		return program.Main("portal", func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
			return apiToken(ctx, cfg, os.Stdout, email, name)
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

// createFirmFlags reads create-firm's flags.
func createFirmFlags(args []string) (firms.NewFirm, error) {
	fs := flag.NewFlagSet("create-firm", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in firms.NewFirm
	fs.StringVar(&in.Name, "name", "", "the firm's name")
	fs.StringVar(&in.AdminEmail, "admin-email", "", "the first administrator's email")
	fs.StringVar(&in.AdminName, "admin-name", "", "the first administrator's name")
	fs.StringVar(&in.TimeZone, "time-zone", firms.DefaultTimeZone, "the firm's IANA time zone")
	if err := fs.Parse(args); err != nil {
		return in, err
	}
	switch {
	case fs.NArg() > 0:
		return in, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(in.Name) == "":
		return in, errors.New("--name is required")
	case strings.TrimSpace(in.AdminEmail) == "":
		return in, errors.New("--admin-email is required")
	}
	return in, nil
}

// createFirm sets up a firm and its first administrator and says where to
// sign in; a taken address or a bad value is refused with one line.
func createFirm(ctx context.Context, cfg config.Config, out io.Writer, in firms.NewFirm) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	firm, admin, err := (&firms.Store{DB: gdb}).Create(ctx, in)
	var invalid *store.InvalidError
	if errors.Is(err, firms.ErrEmailTaken) || errors.As(err, &invalid) {
		return &program.Refused{Err: err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created firm %q (ID %d).\nAdministrator: %s\nSign in at %s/login with that address.\n",
		firm.Name, firm.ID, admin.Email, cfg.PublicURL)
	return nil
}

// apiTokenFlags reads `api-token create`'s flags.
func apiTokenFlags(args []string) (email, name string, err error) {
	if len(args) == 0 || args[0] != "create" {
		return "", "", errors.New(`the only subcommand is "create"`)
	}
	fs := flag.NewFlagSet("api-token create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&email, "email", "", "the user's email")
	fs.StringVar(&name, "name", "", "what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return "", "", err
	}
	switch {
	case fs.NArg() > 0:
		return "", "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(email) == "":
		return "", "", errors.New("--email is required")
	case strings.TrimSpace(name) == "":
		return "", "", errors.New("--name is required")
	}
	return email, name, nil
}

// apiToken makes a personal API token and prints it alone on the last
// line, so a script can take it with tail -n 1.
func apiToken(ctx context.Context, cfg config.Config, out io.Writer, email, name string) error {
	gdb, err := db.OpenCurrent(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	token, t, err := (&apitokens.Store{DB: gdb}).CreateForEmail(ctx, email, name)
	var invalid *store.InvalidError
	if errors.Is(err, apitokens.ErrNoUser) || errors.As(err, &invalid) {
		return &program.Refused{Err: err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created API token %q (ID %d) for %s. It is shown once; keep it secret:\n%s\n", t.Name, t.ID, email, token)
	return nil
}
