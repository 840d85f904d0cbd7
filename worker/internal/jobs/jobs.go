// Package jobs holds the worker's task handlers, one file per task family.
// Every handler may run twice (asynq delivers at least once), so each checks
// what is already done before acting.
package jobs

import (
	"log/slog"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/mail"
	"github.com/parleyhq/parley/shared/tasks"
)

// Jobs holds what the handlers need.
type Jobs struct {
	DB    *gorm.DB
	Mail  mail.Sender
	Tasks tasks.Enqueuer
	Log   *slog.Logger
	// PublicURL is the portal's address, for links in emails.
	PublicURL string
}

// Register adds every handler to mux.
func (j *Jobs) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(tasks.TypeEmailSend, j.SendEmail)
	mux.HandleFunc(tasks.TypeClientNotify, j.NotifyClient)
}
