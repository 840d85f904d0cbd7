package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

type enqueued struct{ tasks []*asynq.Task }

func (e *enqueued) Enqueue(_ context.Context, t *asynq.Task) error {
	e.tasks = append(e.tasks, t)
	return nil
}

func TestNotifyClientBatchesIntoOneEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	var m models.Matter
	require.NoError(t, gdb.Take(&m).Error)
	for _, s := range []string{"New document: a.pdf", "New document: b.pdf", "A new message about the claim"} {
		require.NoError(t, gdb.Create(&models.ClientNotice{FirmID: m.FirmID, ContactID: m.ClientContactID, MatterID: m.ID, Kind: "document", Summary: s}).Error)
	}
	enq := &enqueued{}
	j := withURL(newJobs(gdb, enq), "https://portal.example.com")
	task, err := tasks.NewClientNotify(m.FirmID, m.ClientContactID, time.Now(), 2*time.Minute)
	require.NoError(t, err)

	require.NoError(t, j.NotifyClient(ctx, task))
	require.NoError(t, j.NotifyClient(ctx, task), "delivered twice")

	var emails []models.OutboundEmail
	require.NoError(t, gdb.Find(&emails).Error)
	require.Len(t, emails, 1, "one email for the burst, and none for the repeat")
	e := emails[0]
	assert.Equal(t, seed.DemoClientEmail, e.ToAddress)
	assert.Equal(t, "Demo Law LLP: 3 new items in your client portal", e.Subject)
	assert.Contains(t, e.BodyText, "https://portal.example.com/portal")
	assert.Contains(t, e.BodyText, "b.pdf")
	require.Len(t, enq.tasks, 1)
	assert.Equal(t, tasks.TypeEmailSend, enq.tasks[0].Type())

	var pending int64
	require.NoError(t, gdb.Model(&models.ClientNotice{}).Where("notified_at IS NULL").Count(&pending).Error)
	assert.Zero(t, pending)
}

func TestRequeueNoticesFindsLostTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(ctx, gdb, store, testkit.Logger()))
	var m models.Matter
	require.NoError(t, gdb.Take(&m).Error)
	old := time.Now().Add(-time.Hour)
	require.NoError(t, gdb.Create(&models.ClientNotice{FirmID: m.FirmID, ContactID: m.ClientContactID, MatterID: m.ID, Kind: "message", Summary: "x", CreatedAt: old}).Error)
	enq := &enqueued{}
	n, err := newJobs(gdb, enq).RequeueNotices(ctx, 3*time.Minute, 2*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, enq.tasks, 1)
	assert.Equal(t, tasks.TypeClientNotify, enq.tasks[0].Type())
}
