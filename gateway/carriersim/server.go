package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/sms"
)

// maxRequest bounds a request: room for an MMS over the 5 MB carrier limit,
// so the firm side's own size check can be tried.
const maxRequest = 24 << 20

// webhookTimeout is how long a carrier waits for a webhook answer.
const webhookTimeout = 15 * time.Second

// server is the simulated carrier: Twilio's REST API for the firm's side, a
// phone page for the client's side, and the webhooks between them.
type server struct {
	set    settings
	log    *slog.Logger
	client *http.Client
	state  *state

	// ctx ends at shutdown: pending callbacks and webhooks give up then.
	ctx context.Context
	wg  sync.WaitGroup
}

func newServer(ctx context.Context, set settings, log *slog.Logger) *server {
	return &server{
		set:    set,
		log:    log,
		client: &http.Client{Timeout: webhookTimeout},
		state:  newState(),
		ctx:    ctx,
	}
}

// wait returns once every background post has ended.
func (s *server) wait() { s.wg.Wait() }

// app builds the routes.
func (s *server) app() *fiber.App {
	app := fiber.New(fiber.Config{
		AppName:               "parley-carriersim",
		DisableStartupMessage: true,
		BodyLimit:             maxRequest,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		// Form values are kept in memory after the request: they must not
		// point into fiber's reused buffers.
		Immutable: true,
	})
	// Every open phone page polls this: registered before the access log so
	// it does not drown the other lines.
	app.Get("/thread", s.threadFragment)

	reg := ops.NewRegistry()
	app.Use(ops.Middleware(s.log, ops.NewHTTPMetrics(reg, "carriersim")))
	app.Use(recover.New())
	ops.Mount(app, reg, nil)

	// Twilio's REST API (what the worker calls).
	app.Post("/2010-04-01/Accounts/:account/Messages.json", s.restSend)
	app.Get("/2010-04-01/Accounts/:account/Messages/:sid.json", s.restFetch)

	// The phone.
	app.Get("/", s.phonePage)
	app.Post("/send", s.phoneSend)
	app.Post("/retry/:sid", s.phoneRetry)
	app.Get("/media/:id", s.media)

	// For tests and scripts.
	app.Get("/api/messages", s.apiMessages)
	return app
}

// post sends a signed, form-encoded Twilio webhook and reports the answer.
func (s *server) post(ctx context.Context, target string, params url.Values) *Delivery {
	d := &Delivery{URL: target}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sms.SignTwilio(s.set.AuthToken, target, params))
	req.Header.Set("User-Agent", "ParleyCarrierSim/1.0")
	resp, err := s.client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	defer resp.Body.Close()
	// The start of a refusal helps the person at the phone see why.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	d.Status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		d.Error = strings.TrimSpace(string(body))
		if d.Error == "" {
			d.Error = http.StatusText(resp.StatusCode)
		}
	}
	return d
}

// record stores the outcome of a post on the message and logs it.
func (s *server) record(sid, event string, d *Delivery) {
	d.Event = event
	d.At = time.Now()
	_, _ = s.state.update(sid, func(m *Message) {
		if m.Webhook != nil && m.Webhook.Event == event {
			d.Attempts = m.Webhook.Attempts
		}
		if !d.Pending {
			d.Attempts++
		}
		m.Webhook = d
	})
	switch {
	case d.Pending:
	case d.OK():
		s.log.Info("webhook delivered", "sid", sid, "event", event, "url", d.URL, "status", d.Status)
	default:
		s.log.Warn("webhook not accepted", "sid", sid, "event", event, "url", d.URL, "status", d.Status, "error", d.Error)
	}
}

// goPost runs fn in the background, tracked for shutdown.
func (s *server) goPost(fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
}

// sleep waits d or until shutdown; false means shutdown.
func (s *server) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// twilioError answers with an error in the shape of Twilio's REST API.
func twilioError(c *fiber.Ctx, status, code int, msg string) error {
	return c.Status(status).JSON(fiber.Map{
		"code":      code,
		"message":   msg,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}
