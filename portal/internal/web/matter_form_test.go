package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

var matterPath = regexp.MustCompile(`^/staff/matters/(\d+)$`)

// matterForm is a valid new matter for client, as the form sends it.
func matterForm(clientID int64) url.Values {
	return url.Values{
		"client_id": {fmt.Sprint(clientID)}, "description": {"Lovelace estate"}, "category": {"open"}, "status": {"Intake"},
		"responsible": {"0"}, "originating": {"0"}, "opened_on": {"2026-12-01"}, "location": {"Main office"}, "permission": {"everyone"},
	}
}

func TestNewMatterForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.signedIn(seed.DemoMemberEmail)
	casey := e.contact("Casey")

	r := member.get("/staff/matters/new")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `name="description"`)
	r = member.get("/staff/matters/contact-choices?field=client_id&client_q=casey")
	assert.Contains(t, r.body, fmt.Sprintf(`name="client_id" value="%d"`, casey.ID), "the client search")
	assert.Equal(t, http.StatusNotFound, member.get("/staff/matters/contact-choices?field=evil&q=casey").StatusCode)

	// "The client is new" shows their fields and saves nothing.
	f := matterForm(0)
	f.Set("redraw", "new_client")
	r = member.post("/staff/matters", f, "HX-Request", "true")
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `name="new_client_first_name"`)

	for field, change := range map[string]func(url.Values){
		"description":           func(f url.Values) { f.Set("description", " ") },
		"category":              func(f url.Values) { f.Set("category", "archived") },
		"client":                func(f url.Values) { f.Del("client_id") },
		"opened_on":             func(f url.Values) { f.Set("opened_on", "yesterday") },
		"closed_on":             func(f url.Values) { f.Set("category", "closed"); f.Set("closed_on", "2026-11-01") },
		"responsible":           func(f url.Values) { f.Set("responsible", "999999999") },
		"permission":            func(f url.Values) { f.Set("permission", "") },
		"new_client.first_name": func(f url.Values) { f.Del("client_id"); f.Set("new_client", "1"); f.Set("new_client_kind", "person") },
		"new_client.phones.0": func(f url.Values) {
			f.Del("client_id")
			f.Set("new_client", "1")
			f.Set("new_client_kind", "person")
			f.Set("new_client_first_name", "Ada")
			f.Set("new_client_phone", "555")
		},
	} {
		f := matterForm(casey.ID)
		change(f)
		r := member.post("/staff/matters", f, "HX-Request", "true")
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, field)
		assert.Contains(t, r.body, `id="`+field+`-error"`, field)
		assert.NotContains(t, r.body, "<html", "%s: only the form is swapped", field)
	}
	var n int64
	require.NoError(t, e.db.Model(&models.Matter{}).Where("description = ?", "Lovelace estate").Count(&n).Error)
	assert.Zero(t, n, "nothing saved on error")

	// A new client made with the matter, with a texting number.
	f = matterForm(0)
	f.Del("client_id")
	for k, v := range map[string]string{"new_client": "1", "new_client_kind": "person", "new_client_first_name": "Ada",
		"new_client_last_name": "Lovelace", "new_client_phone": "(415) 555-0177", "new_client_texting": "1"} {
		f.Set(k, v)
	}
	r = member.post("/staff/matters", f)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	m := matterPath.FindStringSubmatch(r.Header.Get("Location"))
	require.NotNil(t, m, r.Header.Get("Location"))
	page := member.get(m[0])
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Regexp(t, `\d{5}-Lovelace · Lovelace estate`, page.body)
	assert.Contains(t, page.body, "Opened by Pat Paralegal")
	assert.Contains(t, page.body, "Main office")
	assert.Contains(t, page.body, "Ada Lovelace")
	var ada models.Contact
	require.NoError(t, e.db.Preload("PhoneNumbers").Where("first_name = ? AND last_name = ?", "Ada", "Lovelace").Take(&ada).Error)
	require.Len(t, ada.PhoneNumbers, 1)
	assert.Equal(t, "+14155550177", ada.PhoneNumbers[0].Number)
	assert.True(t, ada.PhoneNumbers[0].IsTexting)

	// It is listed, found by number and description, and filtered.
	list := member.get("/staff/matters?q=lovelace")
	assert.Contains(t, list.body, m[0])
	assert.Contains(t, list.body, "1 matter")
	assert.NotContains(t, member.get("/staff/matters?status=closed").body, `href="`+m[0]+`"`)
	assert.Contains(t, member.get(fmt.Sprintf("/staff/matters?client=%d", ada.ID)).body, `href="`+m[0]+`"`)
}

func TestEditMatterAndRelatedContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.signedIn(seed.DemoAdminEmail)
	member := e.signedIn(seed.DemoMemberEmail)
	casey, robin := e.contact("Casey"), e.contact("Robin")
	r := member.post("/staff/matters", matterForm(casey.ID))
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	base := r.Header.Get("Location")

	r = admin.get(base + "/edit")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `value="Lovelace estate"`)
	// The admin restricts it to themselves: the member who opened it keeps
	// it; another member loses it on their next request.
	require.NoError(t, e.db.Create(&models.User{FirmID: e.firm(seed.DemoFirmSlug).ID, Email: "sam@demo.test", FirstName: "Sam", Role: models.RoleMember, Active: true}).Error)
	pat := e.signedIn("sam@demo.test")
	f := matterForm(casey.ID)
	f.Set("permission", "users")
	f.Set("users", fmt.Sprint(e.userID(seed.DemoAdminEmail)))
	f.Set("category", "closed")
	f.Set("closed_on", "2026-12-05")
	require.Equal(t, http.StatusOK, pat.get(base).StatusCode)
	r = admin.post(base, f)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, http.StatusNotFound, pat.get(base).StatusCode)
	page := member.get(base)
	require.Equal(t, http.StatusOK, page.StatusCode, "the creator keeps access")
	assert.Contains(t, page.body, "Closed")
	assert.Contains(t, page.body, "last changed by Avery Admin")

	// Related contacts with a role, shown on the matter.
	r = member.post(base+"/related", url.Values{"contact_id": {fmt.Sprint(robin.ID)}, "role": {"Spouse"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	page = member.get(base)
	assert.Contains(t, page.body, "Robin Related</a> <span class=\"muted\">Spouse</span>")
	assert.Equal(t, http.StatusUnprocessableEntity, member.post(base+"/related", url.Values{"contact_id": {fmt.Sprint(robin.ID)}, "role": {"Spouse"}}).StatusCode)
	assert.Equal(t, http.StatusUnprocessableEntity, member.post(base+"/related", url.Values{"role": {"Spouse"}}).StatusCode)
	r = member.post(fmt.Sprintf("%s/related/%d/delete", base, robin.ID), url.Values{})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.NotContains(t, member.get(base).body, "Robin Related</a> <span")
}

// Every new matter route: other firms' users and members left off a
// restricted matter find nothing, clients get nothing, nothing changes.
func TestMatterRoutesAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	_, secret := e.secretOnlyContact()
	robin := e.contact("Robin")
	member := e.signedIn(seed.DemoMemberEmail)
	other := e.browser()
	other.signIn(e.newFirmAdmin("other"))
	portal := e.signedIn(seed.DemoClientEmail)
	base := fmt.Sprintf("/staff/matters/%d", secret.ID)
	// A fresh form each time: post fills in the browser's own CSRF token.
	form := func() url.Values {
		f := matterForm(robin.ID)
		f.Set("contact_id", fmt.Sprint(robin.ID))
		f.Set("role", "Witness")
		return f
	}
	for _, b := range []*browser{member, other} {
		for _, path := range []string{base, base + "/edit"} {
			assert.Equal(t, http.StatusNotFound, b.get(path).StatusCode, path)
		}
		for _, path := range []string{base, base + "/related", base + fmt.Sprintf("/related/%d/delete", e.contact("Casey").ID)} {
			assert.Equal(t, http.StatusNotFound, b.post(path, form()).StatusCode, path)
		}
	}
	for _, path := range []string{"/staff/matters", "/staff/matters/new", base + "/edit", "/staff/matters/contact-choices?field=client_id&q=casey"} {
		assert.NotEqual(t, http.StatusOK, portal.get(path).StatusCode, path)
	}
	for _, path := range []string{"/staff/matters", base, base + "/related"} {
		assert.Equal(t, "/portal", portal.post(path, form()).Header.Get("Location"), "a client is sent home from %s", path)
	}
	// Another firm's admin cannot open a matter for this firm's contact.
	r := other.post("/staff/matters", form(), "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="client-error"`)
	var got models.Matter
	require.NoError(t, e.db.Take(&got, secret.ID).Error)
	assert.Equal(t, "Sealed settlement", got.Description)
	var related int64
	require.NoError(t, e.db.Model(&models.MatterRelatedContact{}).Where("matter_id = ?", secret.ID).Count(&related).Error)
	assert.Equal(t, int64(1), related)
	assert.False(t, strings.Contains(other.get("/staff/matters?q=sealed").body, "Sealed settlement"))
}
