package ops

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListenShutsDownGracefully(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	release := make(chan struct{})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/slow", func(c *fiber.Ctx) error {
		close(entered)
		<-release
		return c.SendString("done")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out logBuffer
	listened := make(chan error, 1)
	go func() { listened <- Listen(ctx, app, ln, 10*time.Second, NewLogger(&out, "gateway", "info", "json")) }()

	type result struct {
		status int
		body   string
		err    error
	}
	answered := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/slow")
		if err != nil {
			answered <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answered <- result{resp.StatusCode, string(body), err}
	}()

	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the handler")
	}
	cancel()

	// Shutdown closes the listener first: wait for that, with the request still in flight.
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return true
		}
		_ = c.Close()
		return false
	}, 5*time.Second, 20*time.Millisecond, "listener still open after cancel")
	select {
	case err := <-listened:
		t.Fatalf("Listen returned (%v) before the request in flight finished", err)
	default:
	}

	close(release)
	got := <-answered
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusOK, got.status)
	assert.Equal(t, "done", got.body)

	select {
	case err := <-listened:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Listen did not return after shutdown")
	}

	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err, "a new connection after shutdown is refused")
	assert.Len(t, out.Find(t, map[string]any{"msg": "http server stopped", "program": "gateway"}), 1)
}

func TestListenCancelledBeforeServing(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	done := make(chan error, 1)
	go func() { done <- Listen(ctx, app, ln, time.Second, NewLogger(io.Discard, "portal", "info", "json")) }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Listen kept serving after its context was cancelled")
	}
	// The listener is closed. (Dialing its port would not say so: a test
	// running beside this one may have been given the port since.) Were
	// it open, the deadline would end the wait with a timeout instead.
	_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second))
	_, err = ln.Accept()
	assert.ErrorIs(t, err, net.ErrClosed)
}

func TestServeReportsListenError(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	err = Serve(context.Background(), app, taken.Addr().String(), time.Second, NewLogger(io.Discard, "portal", "info", "json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), taken.Addr().String())
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr, "the listen error is wrapped")
}

func TestServeServesUntilCancelled(t *testing.T) {
	t.Parallel()
	// A port picked by freePort can be taken by a parallel test before Serve
	// binds it; then Serve fails at once and we try another port.
	for attempt := 0; attempt < 5; attempt++ {
		addr := net.JoinHostPort("127.0.0.1", itoa(freePort(t)))
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		Mount(app, NewRegistry(), nil)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Serve(ctx, app, addr, time.Second, NewLogger(io.Discard, "worker", "info", "json")) }()

		var served, failed bool
		deadline := time.Now().Add(20 * time.Second)
		for !served && !failed && time.Now().Before(deadline) {
			select {
			case <-done:
				failed = true
				continue
			default:
			}
			if resp, err := http.Get("http://" + addr + PathHealthz); err == nil {
				_ = resp.Body.Close()
				served = resp.StatusCode == http.StatusOK
			}
			time.Sleep(20 * time.Millisecond)
		}
		if failed {
			cancel()
			continue
		}
		require.True(t, served, "Serve never answered /healthz")
		cancel()
		assert.NoError(t, <-done)
		return
	}
	t.Fatal("Serve could not bind a free port in 5 attempts")
}
