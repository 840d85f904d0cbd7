package jobs

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/tasks"
)

// importBatch is how many rows one transaction of an import saves: the
// page's progress moves every batch.
const importBatch = 200

// ImportContacts saves a confirmed contact import a batch at a time; a
// retried task goes on from the first row not saved.
func (j *Jobs) ImportContacts(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.ContactImport](t)
	if err != nil {
		return err
	}
	sys := store.System{FirmID: p.FirmID}
	for {
		done, err := j.Stores.Imports.RunBatch(ctx, sys, p.ImportID, importBatch)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(err, "import %d of firm %d", p.ImportID, p.FirmID)
		}
		if err != nil {
			if lastAttempt(ctx) {
				if ferr := j.Stores.Imports.Fail(ctx, sys, p.ImportID, "The import stopped: "+err.Error()); ferr != nil {
					j.Log.ErrorContext(ctx, "could not record a failed import", "err", ferr, "import_id", p.ImportID)
				}
			}
			return err
		}
		if done {
			j.Log.InfoContext(ctx, "contact import done", "import_id", p.ImportID, "firm_id", p.FirmID)
			return nil
		}
	}
}
