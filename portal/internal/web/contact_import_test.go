package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/imports"
	"github.com/parleyhq/parley/shared/tasks"
)

var importPath = regexp.MustCompile(`^/staff/contacts/import/(\d+)$`)

const clioCSV = "First Name,Last Name,Company,Email Address (Work),Phone Number (Mobile)\n" +
	"Grace,Hopper,,grace@navy.test,(202) 555-0102\n" +
	"Casey,Client,,client@demo.parley.test,\n" +
	",,Initech,,\n" +
	"Bad,Phone,,,12\n" +
	"Nobody,,,not-an-email,\n"

func TestContactImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.signedIn(seed.DemoMemberEmail)
	r := member.get("/staff/contacts/import")
	require.Equal(t, http.StatusOK, r.StatusCode)

	// A file that is no contact list is refused with a reason.
	body, ctype := form(t, part{"_csrf", "", member.csrf}, part{"file", "photo.csv", "foo,bar\n1,2\n"})
	r = member.postMultipart("/staff/contacts/import", body, ctype)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "No column of this file")

	body, ctype = form(t, part{"_csrf", "", member.csrf}, part{"file", "clio.csv", clioCSV})
	r = member.postMultipart("/staff/contacts/import", body, ctype)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	m := importPath.FindStringSubmatch(r.Header.Get("Location"))
	require.NotNil(t, m, r.Header.Get("Location"))
	preview := member.get(m[0])
	assert.Contains(t, preview.body, "<strong>add 2</strong> new contacts")
	assert.Contains(t, preview.body, "<strong>update 1</strong> contact already here")
	assert.Contains(t, preview.body, "<strong>leave out 2</strong> rows")
	assert.Regexp(t, `<td data-label="Row">5</td><td data-label="Name">Bad Phone</td><td data-label="Why">[^<]*12`, preview.body)
	assert.Contains(t, preview.body, `<td data-label="Row">6</td>`)
	var n int64
	require.NoError(t, e.db.Model(&models.Contact{}).Where("last_name = ?", "Hopper").Count(&n).Error)
	assert.Zero(t, n, "nothing saved before the confirmation")

	// Other firms and clients cannot see or confirm it.
	other := e.browser()
	other.signIn(e.newFirmAdmin("other"))
	assert.Equal(t, http.StatusNotFound, other.get(m[0]).StatusCode)
	assert.Equal(t, http.StatusNotFound, other.post(m[0]+"/confirm", nil).StatusCode)
	client := e.signedIn(seed.DemoClientEmail)
	assert.NotEqual(t, http.StatusOK, client.get(m[0]).StatusCode)
	assert.Equal(t, "/portal", client.post(m[0]+"/confirm", nil).Header.Get("Location"))

	r = member.post(m[0]+"/confirm", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	r = member.post(m[0]+"/confirm", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, "confirming twice just shows it")
	page := member.get(m[0] + "?poll=1")
	assert.Contains(t, page.body, `hx-trigger="every 1s"`, "the page follows the progress")
	assert.Contains(t, page.body, "Saving: 0 of 3")

	// The worker's task was queued once; run what it runs.
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	pending, err := insp.ListPendingTasks(tasks.QueueDefault, asynq.PageSize(1000))
	require.NoError(t, err)
	var queued []*asynq.TaskInfo
	for _, ti := range pending {
		if ti.Type == tasks.TypeContactImport {
			queued = append(queued, ti)
		}
	}
	require.Len(t, queued, 1)
	p, err := tasks.Decode[tasks.ContactImport](asynq.NewTask(queued[0].Type, queued[0].Payload))
	require.NoError(t, err)
	done, err := (&imports.Store{DB: e.db}).RunBatch(context.Background(), store.System{FirmID: p.FirmID}, p.ImportID, 100)
	require.NoError(t, err)
	assert.True(t, done)

	page = member.get(m[0])
	assert.Contains(t, page.body, "Done: 3 rows saved, 2 left out.")
	assert.NotContains(t, page.body, `hx-trigger="every 1s"`)
	grace := member.get("/staff/contacts?q=" + "2025550102")
	assert.Contains(t, grace.body, "Grace Hopper")
	require.NoError(t, e.db.Model(&models.Contact{}).Where("first_name = ? AND last_name = ?", "Casey", "Client").Count(&n).Error)
	assert.Equal(t, int64(1), n, "the match was updated, not added again")
	assert.Contains(t, member.get(fmt.Sprintf("/staff/contacts?q=%s", "initech")).body, "Initech")
}
