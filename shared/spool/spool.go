// Package spool keeps, in Postgres, the webhook tasks the gateway could not
// hand to Redis, and moves them into the queue once Redis is back. It is how
// the gateway can answer 2xx while Redis is down without losing the message.
package spool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// Item is one spooled task.
type Item struct {
	FirmID   int64
	TaskType string
	TaskID   string
	Payload  []byte // the task's payload (JSON)
}

// Put keeps it until Drain queues it. A task ID already spooled is kept
// once: a carrier's retry while Redis is down is not a second message.
func Put(ctx context.Context, gdb *gorm.DB, it Item) error {
	err := gdb.WithContext(ctx).Exec(
		`INSERT INTO gateway_spool (firm_id, task_type, task_id, payload) VALUES (?, ?, ?, ?::jsonb)
		 ON CONFLICT (task_id) DO NOTHING`,
		it.FirmID, it.TaskType, it.TaskID, string(it.Payload)).Error
	if err != nil {
		return fmt.Errorf("spool: keep %s: %w", it.TaskID, err)
	}
	return nil
}

// Drain enqueues up to limit spooled tasks, oldest first, and deletes each
// row only after its task is queued (a task ID already queued counts as
// queued). Rows are locked with SKIP LOCKED, so drains running at once in
// several workers share the rows instead of handling one twice. It returns
// how many rows it moved; on an enqueue error it stops there, keeping the
// rest for the next call.
func Drain(ctx context.Context, gdb *gorm.DB, enq tasks.Enqueuer, limit int) (int, error) {
	var moved int
	var bad []error
	err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			ID       int64
			TaskType string
			TaskID   string
			Payload  []byte
		}
		err := tx.Raw(`SELECT id, task_type, task_id, payload FROM gateway_spool
			ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`, limit).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("spool: read: %w", err)
		}
		done := make([]int64, 0, len(rows))
		var enqErr error
		for _, r := range rows {
			t, err := rebuild(r.TaskType, r.TaskID, r.Payload)
			if err != nil {
				// Left in place for a person to look at; the others still go.
				bad = append(bad, err)
				continue
			}
			if err := enq.Enqueue(ctx, t); err != nil {
				enqErr = fmt.Errorf("spool: enqueue %s: %w", r.TaskID, err)
				break
			}
			done = append(done, r.ID)
		}
		if len(done) > 0 {
			// Committed even when an enqueue failed: these tasks are queued.
			if err := tx.Exec(`DELETE FROM gateway_spool WHERE id IN ?`, done).Error; err != nil {
				return fmt.Errorf("spool: delete queued rows: %w", err)
			}
		}
		moved = len(done)
		bad = append(bad, enqErr)
		return nil
	})
	if err != nil {
		// The deletes rolled back; their tasks are queued, so the next drain
		// finds their IDs taken and just deletes the rows.
		return 0, err
	}
	return moved, errors.Join(bad...)
}

// rebuild makes the task again from its payload, through the same
// constructor the gateway used, so options and ID are the current ones.
func rebuild(typ, id string, payload []byte) (*asynq.Task, error) {
	var (
		t    *asynq.Task
		want string
		err  error
	)
	switch typ {
	case tasks.TypeTextInbound:
		var in sms.Inbound
		if err = json.Unmarshal(payload, &in); err == nil {
			want = tasks.TextInboundID(in.Dialect, in.MessageID)
			t, err = tasks.NewTextInbound(in)
		}
	case tasks.TypeTextStatus:
		var u sms.StatusUpdate
		if err = json.Unmarshal(payload, &u); err == nil {
			want = tasks.TextStatusID(u)
			t, err = tasks.NewTextStatus(u)
		}
	default:
		return nil, fmt.Errorf("spool: %s: unknown task type %q", id, typ)
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %s: %w", id, err)
	}
	if want != id {
		return nil, fmt.Errorf("spool: %s: payload gives task ID %s", id, want)
	}
	return t, nil
}
