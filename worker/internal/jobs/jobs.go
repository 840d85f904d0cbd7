// Package jobs holds the worker's task handlers, one file per task family.
// A handler decodes its payload, calls the stores (which decide and write)
// and outside services (carrier, SMTP, media), and enqueues what follows;
// it holds no SQL. Every handler may run twice (asynq delivers at least
// once), so each relies on its store to find what is already done.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/stores"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/textevents"
	"github.com/parleyhq/parley/worker/internal/carrier"
	"github.com/parleyhq/parley/worker/internal/mail"
)

// Jobs holds what the handlers need.
type Jobs struct {
	Stores *stores.Set
	Mail   mail.Sender
	Tasks  tasks.Enqueuer
	Log    *slog.Logger
	// PublicURL is the portal's address, for links in emails.
	PublicURL string

	// Carriers sends texts, by the firm's texting dialect.
	Carriers map[sms.Dialect]carrier.Sender
	// Docs keeps media received by MMS.
	Docs docstore.Store
	// Limiter keeps each firm number under Config.TextSendRate.
	Limiter *redis_rate.Limiter
	// MediaHTTP fetches MMS media (from the carriers' origins only, see
	// carrier.Media); nil means a client with a 20 s timeout.
	MediaHTTP *http.Client
	// Config gives the carrier credentials (media fetches) and the send rate.
	Config config.Config
	// Redis carries "texts changed" events to open staff pages; nil: none.
	Redis redis.UniversalClient
}

// TextsStored is the texting store's Stored hook: it wakes the staff pages
// showing the threads a batch of received texts went to.
func (j *Jobs) TextsStored(ctx context.Context, firmContacts [][2]int64) {
	changed := make([]textevents.Contact, len(firmContacts))
	for i, fc := range firmContacts {
		changed[i] = textevents.Contact{FirmID: fc[0], ContactID: fc[1]}
	}
	if err := textevents.PublishAll(ctx, j.Redis, changed); err != nil {
		j.Log.WarnContext(ctx, "could not announce texts", "err", err)
	}
}

// textsChanged wakes staff pages showing the contact's texts. Best effort:
// a page that misses it catches up when its wait times out.
func (j *Jobs) textsChanged(ctx context.Context, firmID, contactID int64) {
	if err := textevents.Publish(ctx, j.Redis, firmID, contactID); err != nil {
		j.Log.WarnContext(ctx, "could not announce a text", "err", err)
	}
}

// Register adds every handler to mux.
func (j *Jobs) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(tasks.TypeEmailSend, j.SendEmail)
	mux.HandleFunc(tasks.TypeClientNotify, j.NotifyClient)
	mux.HandleFunc(tasks.TypeTextInbound, j.ReceiveText)
	mux.HandleFunc(tasks.TypeTextMedia, j.FetchTextMedia)
	mux.HandleFunc(tasks.TypeTextSend, j.SendText)
	mux.HandleFunc(tasks.TypeContactImport, j.ImportContacts)
	mux.HandleFunc(tasks.TypeTextStatus, j.UpdateTextStatus)
	mux.HandleFunc(tasks.TypeEventNotify, j.NotifyEvent)
	mux.HandleFunc(tasks.TypeSignInLink, j.SendSignInLinks)
}

// RetryAfter asks asynq to run the task again after a given delay instead of
// the usual back-off (the worker's RetryDelay honours it).
type RetryAfter struct {
	After time.Duration
	Err   error
}

func (e *RetryAfter) Error() string { return fmt.Sprintf("%v (retry after %s)", e.Err, e.After) }
func (e *RetryAfter) Unwrap() error { return e.Err }

// ErrRateLimited marks a task put off only to respect a send rate. It is not
// a failure: the worker does not count it against the task's retries, so a
// burst of texts waits its turn instead of running out of attempts.
var ErrRateLimited = errors.New("send rate reached")

// IsFailure tells asynq whether err counts against the task's retries.
func IsFailure(err error) bool { return err != nil && !errors.Is(err, ErrRateLimited) }

// lastAttempt reports whether asynq will not retry this task after a failure.
func lastAttempt(ctx context.Context) bool {
	retried, ok1 := asynq.GetRetryCount(ctx)
	maxRetry, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && retried >= maxRetry
}

// notFound turns a store's "no such row" into a task not worth retrying.
func notFound(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w: %w", append(args, err, asynq.SkipRetry)...)
}
