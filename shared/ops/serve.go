package ops

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Serve listens on addr and serves app until ctx is cancelled, then shuts
// down gracefully; see Listen.
func Serve(ctx context.Context, app *fiber.App, addr string, timeout time.Duration, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ops: listen on %s: %w", addr, err)
	}
	return Listen(ctx, app, ln, timeout, logger)
}

// Listen serves app on ln until ctx is cancelled. It then stops accepting
// connections, lets requests in flight finish within timeout and returns nil;
// it returns an error if serving fails or the requests outlast timeout.
func Listen(ctx context.Context, app *fiber.App, ln net.Listener, timeout time.Duration, logger *slog.Logger) error {
	addr := ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	logger.Info("http server listening", "addr", addr)

	select {
	case err := <-served:
		_ = ln.Close()
		if err == nil {
			return fmt.Errorf("ops: serve on %s: stopped before shutdown", addr)
		}
		return fmt.Errorf("ops: serve on %s: %w", addr, err)
	case <-ctx.Done():
	}

	logger.Info("http server shutting down", "addr", addr, "timeout", timeout.String())
	shutdownErr := app.ShutdownWithTimeout(timeout)
	// Shutdown only closes listeners the server has started on; closing ln
	// too covers a cancel that came before app.Listener reached Serve.
	_ = ln.Close()
	<-served
	if shutdownErr != nil {
		return fmt.Errorf("ops: shut down %s: %w", addr, shutdownErr)
	}
	logger.Info("http server stopped", "addr", addr)
	return nil
}
