package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/contactcsv"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/imports"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

// TestImportTenThousandContacts runs a 10,000-row Google export through
// the worker's task, twice (asynq may deliver it again): every good row is
// saved once, the demo client is updated rather than duplicated, and the
// bad rows are left out with their reasons.
func TestImportTenThousandContacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb := testkit.DB(t)
	ds, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(ctx, gdb, ds, testkit.Logger()))
	var admin models.User
	require.NoError(t, gdb.Where("email = ?", seed.DemoAdminEmail).Take(&admin).Error)
	v := store.Viewer{FirmID: admin.FirmID, UserID: admin.ID, Admin: true}
	var before int64
	require.NoError(t, gdb.Model(&models.Contact{}).Where("firm_id = ?", v.FirmID).Count(&before).Error)

	var b strings.Builder
	b.WriteString("First Name,Last Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n")
	fmt.Fprintf(&b, "Casey,Client,Work,%s,Mobile,(415) 555-0199\n", seed.DemoClientEmail) // the demo client, with a new number
	for i := range 9_997 {
		fmt.Fprintf(&b, "Person%d,Imported,Home,p%d@import.test,Mobile,+1 (212) 7%02d-%04d\n", i, i, i/10000, i%10000)
	}
	b.WriteString(",,,,,\n")                      // empty: skipped
	b.WriteString("Bad,Number,,,Mobile,12\n")     // refused
	b.WriteString(",,,,Mobile,+1 212 700 0001\n") // no name, and row 4's number
	rows, err := contactcsv.Read(strings.NewReader(b.String()))
	require.NoError(t, err)
	require.Len(t, rows, 10_001)

	j := newJobs(gdb, &enqueued{})
	imp, err := j.Stores.Imports.Preview(ctx, v, "google.csv", rows)
	require.NoError(t, err)
	assert.Equal(t, 9_997, imp.ToCreate)
	assert.Equal(t, 1, imp.ToUpdate)
	assert.Equal(t, 2, imp.Refused)

	task, err := tasks.NewContactImport(v.FirmID, imp.ID, time.Now())
	require.NoError(t, err)
	require.NoError(t, j.ImportContacts(ctx, task), "not confirmed: nothing to run")
	_, err = j.Stores.Imports.Confirm(ctx, v, imp.ID)
	require.NoError(t, err)
	require.NoError(t, j.ImportContacts(ctx, task))
	require.NoError(t, j.ImportContacts(ctx, task), "delivered twice")

	got, err := j.Stores.Imports.Get(ctx, v, imp.ID)
	require.NoError(t, err)
	assert.Equal(t, imports.StateDone, got.State)
	assert.Equal(t, 9_998, got.Processed)
	var after int64
	require.NoError(t, gdb.Model(&models.Contact{}).Where("firm_id = ?", v.FirmID).Count(&after).Error)
	assert.Equal(t, before+9_997, after, "each new row saved once")
	found, err := j.Stores.Contacts.Search(ctx, v, "2127000042", 5)
	require.NoError(t, err)
	require.Len(t, found, 1, "imported numbers are searchable")
	casey, err := j.Stores.Contacts.Search(ctx, v, "5550199", 5)
	require.NoError(t, err)
	require.Len(t, casey, 1, "the match got the new number")
	assert.Equal(t, "Casey Client", casey[0].Name)
	refused, err := j.Stores.Imports.Rows(ctx, v, imp.ID, imports.ActionRefuse, 0, 10)
	require.NoError(t, err)
	require.Len(t, refused, 2)
	assert.Equal(t, 10_001, refused[0].Line)
	assert.Contains(t, refused[0].Reason, "12")
	assert.Equal(t, 10_002, refused[1].Line)
}
