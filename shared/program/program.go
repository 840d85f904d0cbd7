// Package program is the common start of Parley's three binaries: read the
// configuration, set up logging, and run until SIGINT or SIGTERM.
package program

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/ops"
)

// RunFunc is a program's body. It returns when ctx is cancelled and its
// in-flight work has finished.
type RunFunc func(ctx context.Context, cfg config.Config, log *slog.Logger) error

// Refused is a command's refusal of what it was asked (a taken address, a
// bad name): one line for the person who typed it, exit code 1, and no
// error log, since nothing went wrong.
type Refused struct{ Err error }

func (r *Refused) Error() string { return r.Err.Error() }
func (r *Refused) Unwrap() error { return r.Err }

// Main runs fn and returns the process exit code: 0 after a clean stop,
// 2 for a configuration error, 1 for anything else.
func Main(name string, fn RunFunc) int {
	return run(name, os.Stderr, config.Load, fn)
}

func run(name string, stderr io.Writer, load func() (config.Config, error), fn RunFunc) int {
	cfg, err := load()
	if err != nil {
		// One line naming the variable, before any JSON logging exists.
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	log := ops.NewLogger(stderr, name, cfg.LogLevel, cfg.LogFormat)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := fn(ctx, cfg, log); err != nil {
		var refused *Refused
		if errors.As(err, &refused) {
			fmt.Fprintf(stderr, "%s: %v\n", name, refused.Err)
			return 1
		}
		log.Error("stopped with an error", "err", err)
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
