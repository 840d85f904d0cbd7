// Package webhook answers the carriers: one file per dialect, each reading
// the raw request, checking it in a fixed order (signature header present,
// body well formed, number known, signature valid), normalizing it with
// shared/sms and handing the task to the queue, or to the spool when Redis
// cannot take it.
package webhook

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// Numbers finds the firm and credentials behind a texting number.
type Numbers interface {
	Lookup(number string, d sms.Dialect) (numbers.Entry, bool)
	// Secret is the credential of dialect d's account, for an event that
	// names no firm number.
	Secret(d sms.Dialect) (string, bool)
}

// Deps is what the handlers need.
type Deps struct {
	Numbers Numbers
	Queue   tasks.Enqueuer
	// Spool is the database the spool is written to when Queue fails.
	Spool *gorm.DB
	// PublicURL is GATEWAY_PUBLIC_URL: the base URL carriers call, which
	// is what they sign.
	PublicURL string
	Log       *slog.Logger
	// Metrics registers parley_gateway_webhooks_kept_total; nil for none.
	Metrics prometheus.Registerer
	Now     func() time.Time // time.Now if nil
}

// Handler serves the webhook routes.
type Handler struct {
	numbers   Numbers
	queue     tasks.Enqueuer
	spool     *gorm.DB
	publicURL string
	log       *slog.Logger
	now       func() time.Time
	// Where accepted webhooks went: an operator wants to see the spool in use.
	keptQueue, keptSpool, keptNone prometheus.Counter
}

// New returns the handlers.
func New(d Deps) *Handler {
	h := &Handler{numbers: d.Numbers, queue: d.Queue, spool: d.Spool, publicURL: d.PublicURL, log: d.Log, now: d.Now}
	if h.now == nil {
		h.now = time.Now
	}
	kept := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parley_gateway_webhooks_kept_total",
		Help: "Authenticated webhooks by where they were kept: queue (Redis), spool (Postgres, Redis failing) or none (both failing: answered 503).",
	}, []string{"where"})
	if d.Metrics != nil {
		d.Metrics.MustRegister(kept)
	}
	h.keptQueue, h.keptSpool, h.keptNone = kept.WithLabelValues("queue"), kept.WithLabelValues("spool"), kept.WithLabelValues("none")
	return h
}
