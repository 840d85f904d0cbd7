package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

func TestNotesOnMattersAndContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.signedIn(seed.DemoMemberEmail)
	admin := e.signedIn(seed.DemoAdminEmail)
	var m models.Matter
	require.NoError(t, e.db.Where("number = ?", "00001").Take(&m).Error)
	robin := e.contact("Robin")

	for _, base := range []string{fmt.Sprintf("/staff/matters/%d", m.ID), fmt.Sprintf("/staff/contacts/%d", robin.ID)} {
		page := member.get(base)
		assert.Contains(t, page.body, `hx-get="`+base+`/notes"`, "the page loads its notes")

		// A note without a body is refused in place; nothing is saved.
		r := member.post(base+"/notes", url.Values{"subject": {"Call"}, "body": {" "}}, "HX-Request", "true")
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		assert.Contains(t, r.body, `id="note-body-error"`)
		assert.Contains(t, r.body, `value="Call"`, "what was typed stays")

		r = member.post(base+"/notes", url.Values{"subject": {"Call <b>"}, "body": {"Spoke to them.\nSee https://court.example/case?id=1 <script>x</script>"}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, r.StatusCode, r.body)
		assert.Contains(t, r.body, `<h3>Call &lt;b&gt;</h3>`)
		assert.Contains(t, r.body, `<a href="https://court.example/case?id=1" target="_blank" rel="noopener noreferrer nofollow">`, "links become links")
		assert.Contains(t, r.body, "&lt;script&gt;", "nothing is rendered as HTML")
		assert.Contains(t, r.body, "Pat Paralegal")
		notes := member.get(base + "/notes")
		require.Equal(t, http.StatusOK, notes.StatusCode)
		assert.Contains(t, notes.body, "<h1>Notes</h1>", "a page of its own without JavaScript")
	}

	var note models.Note
	require.NoError(t, e.db.Where("contact_id = ?", robin.ID).Take(&note).Error)
	edit := fmt.Sprintf("/staff/notes/%d", note.ID)
	assert.Equal(t, http.StatusForbidden, admin.get(edit+"/edit").StatusCode, "only the author edits")
	assert.Equal(t, http.StatusForbidden, admin.post(edit, url.Values{"body": {"Mine now"}}).StatusCode)
	r := member.get(edit + "/edit")
	require.Equal(t, http.StatusOK, r.StatusCode)
	r = member.post(edit, url.Values{"subject": {""}, "body": {""}}, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="body-error"`)
	r = member.post(edit, url.Values{"subject": {"Called"}, "body": {"Left a voicemail."}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, fmt.Sprintf("/staff/contacts/%d#notes", robin.ID), r.Header.Get("Location"))
	assert.Contains(t, member.get(fmt.Sprintf("/staff/contacts/%d/notes", robin.ID)).body, `<p class="body">Left a voicemail.</p>`)

	// Another firm and a client reach nothing; an admin may delete.
	other := e.browser()
	other.signIn(e.newFirmAdmin("other"))
	client := e.signedIn(seed.DemoClientEmail)
	for _, path := range []string{edit + "/edit", fmt.Sprintf("/staff/contacts/%d/notes", robin.ID), fmt.Sprintf("/staff/matters/%d/notes", m.ID)} {
		assert.Equal(t, http.StatusNotFound, other.get(path).StatusCode, path)
		assert.NotEqual(t, http.StatusOK, client.get(path).StatusCode, path)
	}
	for _, path := range []string{edit, edit + "/delete", fmt.Sprintf("/staff/contacts/%d/notes", robin.ID)} {
		assert.Equal(t, http.StatusNotFound, other.post(path, url.Values{"body": {"x"}}).StatusCode, path)
		assert.Equal(t, "/portal", client.post(path, url.Values{"body": {"x"}}).Header.Get("Location"), path)
	}
	require.NoError(t, e.db.Take(&note, note.ID).Error)
	assert.Equal(t, "Left a voicemail.", note.Body)
	r = admin.post(edit+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Error(t, e.db.Take(&models.Note{}, note.ID).Error)
}
