package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

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

// demoMatter is a database with the demo firm, and its matter.
func demoMatter(t *testing.T) (*gorm.DB, models.Matter) {
	t.Helper()
	gdb := testkit.DB(t)
	store, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(context.Background(), gdb, store, testkit.Logger()))
	var m models.Matter
	require.NoError(t, gdb.Take(&m).Error)
	return gdb, m
}

func TestNotifyClientBatchesIntoOneEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, m := demoMatter(t)
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
	gdb, m := demoMatter(t)
	old := time.Now().Add(-time.Hour)
	require.NoError(t, gdb.Create(&models.ClientNotice{FirmID: m.FirmID, ContactID: m.ClientContactID, MatterID: m.ID, Kind: "message", Summary: "x", CreatedAt: old}).Error)
	enq := &enqueued{}
	n, err := newJobs(gdb, enq).RequeueNotices(ctx, 3*time.Minute, 2*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, enq.tasks, 1)
	assert.Equal(t, tasks.TypeClientNotify, enq.tasks[0].Type())
}

// A batched notice leaves out what the client read, and what the firm
// stopped sharing, before it went; with nothing left, no email goes.
func TestNotifyClientLeavesOutWhatIsNoLongerNews(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, m := demoMatter(t)
	doc := func(name string, shared bool, viewed *time.Time) *int64 {
		d := models.Document{FirmID: m.FirmID, MatterID: &m.ID, Name: name, StorageKey: "k/" + name, MIMEType: "text/plain",
			SharedWithClient: shared, FirstViewedByClientAt: viewed, SHA256: strings.Repeat("0", 64)}
		require.NoError(t, gdb.Create(&d).Error)
		return &d.ID
	}
	msg := func(body string, read *time.Time) *int64 {
		pm := models.PortalMessage{FirmID: m.FirmID, MatterID: m.ID, Body: body, ReadAt: read}
		var admin models.User
		require.NoError(t, gdb.Where("email = ?", seed.DemoAdminEmail).Take(&admin).Error)
		pm.AuthorUserID = &admin.ID
		require.NoError(t, gdb.Create(&pm).Error)
		return &pm.ID
	}
	now := time.Now()
	notice := func(summary string, n models.ClientNotice) {
		n.FirmID, n.ContactID, n.MatterID, n.Kind, n.Summary = m.FirmID, m.ClientContactID, m.ID, "document", summary
		require.NoError(t, gdb.Create(&n).Error)
	}
	fresh := doc("fresh.pdf", true, nil)
	notice("New document: fresh.pdf", models.ClientNotice{DocumentID: fresh})
	notice("New document: fresh.pdf", models.ClientNotice{DocumentID: fresh}) // shared, undone, shared again
	notice("New document: opened.pdf", models.ClientNotice{DocumentID: doc("opened.pdf", true, &now)})
	notice("New document: memo.txt", models.ClientNotice{DocumentID: doc("memo.txt", false, nil)}) // undone
	notice("A new message: unread", models.ClientNotice{MessageID: msg("unread", nil)})
	notice("A new message: read", models.ClientNotice{MessageID: msg("read", &now)})

	enq := &enqueued{}
	j := newJobs(gdb, enq)
	task, err := tasks.NewClientNotify(m.FirmID, m.ClientContactID, time.Now(), 2*time.Minute)
	require.NoError(t, err)
	require.NoError(t, j.NotifyClient(ctx, task))
	var emails []models.OutboundEmail
	require.NoError(t, gdb.Find(&emails).Error)
	require.Len(t, emails, 1)
	assert.Equal(t, "Demo Law LLP: 2 new items in your client portal", emails[0].Subject)
	assert.Equal(t, 1, strings.Count(emails[0].BodyText, "fresh.pdf"), "announced once")
	assert.Contains(t, emails[0].BodyText, "A new message: unread")
	for _, gone := range []string{"opened.pdf", "memo.txt", "A new message: read"} {
		assert.NotContains(t, emails[0].BodyText, gone)
	}

	// Only read or unshared items: no email at all, and nothing left waiting.
	notice("New document: opened again.pdf", models.ClientNotice{DocumentID: doc("opened again.pdf", true, &now)})
	require.NoError(t, j.NotifyClient(ctx, task))
	require.NoError(t, gdb.Find(&emails).Error)
	assert.Len(t, emails, 1, "no second email")
	var pending int64
	require.NoError(t, gdb.Model(&models.ClientNotice{}).Where("notified_at IS NULL").Count(&pending).Error)
	assert.Zero(t, pending)
}
