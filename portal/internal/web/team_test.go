package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

// An admin invites a colleague, who signs in from the emailed link; the
// list shows them invited until then, and signed in after.
func TestTeamInviteThenSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.browser()
	admin.signIn(seed.DemoAdminEmail)

	r := admin.get("/staff/settings/team")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, seed.DemoMemberEmail)

	// Field errors in place, nothing saved.
	r = admin.post("/staff/settings/team", url.Values{"name": {""}, "email": {"not an address"}, "role": {"member"}}, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="email-error"`)
	assert.Contains(t, r.body, `id="name-error"`)
	assert.Contains(t, r.body, `value="not an address"`, "what was typed stays")
	assert.NotContains(t, r.body, "<html", "only the form is swapped")

	r = admin.post("/staff/settings/team", url.Values{"name": {"Grace Hopper"}, "email": {"grace@demo.parley.test"}, "role": {"member"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	r = admin.get(r.Header.Get("Location"))
	assert.Contains(t, r.body, "Invitation sent")
	assert.Regexp(t, `Grace Hopper</strong> <span class="tag">Invited`, r.body)

	var em models.OutboundEmail
	require.NoError(t, e.db.Where("to_address = ?", "grace@demo.parley.test").Take(&em).Error)
	assert.Contains(t, em.Subject, "invited you to Demo Law LLP")
	m := linkRE.FindStringSubmatch(em.BodyText)
	require.NotNil(t, m)
	grace := e.browser()
	grace.get("/login/link/" + m[1])
	r = grace.post("/login/link", url.Values{"token": {m[1]}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	r = grace.get("/staff/contacts")
	assert.Equal(t, http.StatusOK, r.StatusCode, "a member's pages")

	r = admin.get("/staff/settings/team")
	assert.NotRegexp(t, `Grace Hopper</strong> <span class="tag">Invited`, r.body, "signed in: no longer invited")
}

// Deactivating a user ends their live session at once; they cannot sign
// in again until reactivated.
func TestDeactivateEndsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin, member := e.browser(), e.browser()
	admin.signIn(seed.DemoAdminEmail)
	member.signIn(seed.DemoMemberEmail)
	require.Equal(t, http.StatusOK, member.get("/staff/contacts").StatusCode)

	var u models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&u).Error)
	r := admin.post("/staff/settings/team/"+strconv.FormatInt(u.ID, 10)+"/deactivate", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)

	r = member.get("/staff/contacts")
	assert.Equal(t, http.StatusSeeOther, r.StatusCode, "the next request is signed out")
	assert.Contains(t, r.Header.Get("Location"), "/login")

	// No link is sent to a deactivated user.
	before := e.emailsTo(seed.DemoMemberEmail)
	member.get("/login")
	member.post("/login", url.Values{"email": {seed.DemoMemberEmail}})
	e.runSignInTasks()
	assert.Equal(t, before, e.emailsTo(seed.DemoMemberEmail))

	r = admin.post("/staff/settings/team/"+strconv.FormatInt(u.ID, 10)+"/reactivate", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	member.signIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusOK, member.get("/staff/contacts").StatusCode)
}

// A changed role applies at once: the demoted admin's session ends, and
// their next session is a member's.
func TestRoleChangeAndLastAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.browser()
	admin.signIn(seed.DemoAdminEmail)
	var adminUser, memberUser models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoAdminEmail).Take(&adminUser).Error)
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&memberUser).Error)
	id := func(u models.User) string { return strconv.FormatInt(u.ID, 10) }

	r := admin.post("/staff/settings/team/"+id(adminUser)+"/role", url.Values{"role": {"member"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "the last active admin")
	assert.Contains(t, r.body, "at least one active administrator")
	r = admin.post("/staff/settings/team/"+id(adminUser)+"/deactivate", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)

	member := e.browser()
	member.signIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusForbidden, member.get("/staff/settings/team").StatusCode)
	r = admin.post("/staff/settings/team/"+id(memberUser)+"/role", url.Values{"role": {"admin"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, http.StatusSeeOther, member.get("/staff/settings/team").StatusCode, "signed out by the change")
	member.signIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusOK, member.get("/staff/settings/team").StatusCode, "an admin now")

	// Now the first admin may step down, and is signed out doing it.
	r = admin.post("/staff/settings/team/"+id(adminUser)+"/role", url.Values{"role": {"member"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, "/login", r.Header.Get("Location"))
}

// Every team, firm and profile route refuses members where admins only
// may act, and other firms' users are not found.
func TestSettingsRoutesPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.browser()
	member.signIn(seed.DemoMemberEmail)
	var adminUser models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoAdminEmail).Take(&adminUser).Error)
	id := strconv.FormatInt(adminUser.ID, 10)
	for _, path := range []string{"/staff/settings/firm", "/staff/settings/team"} {
		assert.Equal(t, http.StatusForbidden, member.get(path).StatusCode, path)
	}
	for _, path := range []string{"/staff/settings/firm", "/staff/settings/team", "/staff/settings/team/" + id + "/role",
		"/staff/settings/team/" + id + "/deactivate", "/staff/settings/team/" + id + "/reactivate", "/staff/settings/team/" + id + "/resend",
		"/staff/settings/practice-areas", "/staff/settings/practice-areas/1/delete"} {
		assert.Equal(t, http.StatusForbidden, member.post(path, url.Values{"role": {"member"}, "name": {"X"}}).StatusCode, path)
	}
	var stored models.User
	require.NoError(t, e.db.Take(&stored, adminUser.ID).Error)
	assert.True(t, stored.Active)
	assert.Equal(t, models.RoleAdmin, stored.Role)

	// Another firm's admin cannot touch this firm's users.
	other := e.browser()
	otherAdmin := e.newFirmAdmin("other")
	other.signIn(otherAdmin)
	assert.Equal(t, http.StatusNotFound, other.post("/staff/settings/team/"+id+"/deactivate", nil).StatusCode)
	assert.Equal(t, http.StatusNotFound, other.post("/staff/settings/team/"+id+"/resend", nil).StatusCode)

	// Practice areas: the admin adds one (once); no other firm removes it.
	admin := e.signedIn(seed.DemoAdminEmail)
	require.Equal(t, http.StatusSeeOther, admin.post("/staff/settings/practice-areas", url.Values{"name": {"Maritime"}}).StatusCode)
	assert.Contains(t, admin.post("/staff/settings/practice-areas", url.Values{"name": {"maritime"}}).body, "already")
	var area models.PracticeArea
	require.NoError(t, e.db.Where("name = ?", "Maritime").Take(&area).Error)
	areaPath := fmt.Sprintf("/staff/settings/practice-areas/%d/delete", area.ID)
	assert.Equal(t, http.StatusNotFound, other.post(areaPath, nil).StatusCode)
	assert.Contains(t, admin.get("/staff/matters/new").body, "<option>Maritime</option>", "offered on the matter form")
	require.Equal(t, http.StatusSeeOther, admin.post(areaPath, nil).StatusCode)
	assert.NotContains(t, admin.get("/staff/matters/new").body, "<option>Maritime</option>")

	client := e.browser()
	client.signIn(seed.DemoClientEmail)
	for _, path := range []string{"/staff/settings/firm", "/staff/settings/team", "/staff/profile"} {
		assert.NotEqual(t, http.StatusOK, client.get(path).StatusCode, path)
	}
}

func TestProfileAndSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	phone, laptop := e.browser(), e.browser()
	phone.signIn(seed.DemoMemberEmail)
	laptop.signIn(seed.DemoMemberEmail)

	r := phone.post("/staff/profile", url.Values{"first_name": {""}, "last_name": {""}}, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="first_name-error"`)
	r = phone.post("/staff/profile", url.Values{"first_name": {"Pat"}, "last_name": {"Renamed"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Contains(t, laptop.get("/staff/contacts").body, "Pat Renamed", "every session shows the new name")

	r = phone.post("/staff/profile/sign-out-everywhere", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, "/login?ended=everywhere", r.Header.Get("Location"))
	assert.Equal(t, http.StatusSeeOther, laptop.get("/staff/contacts").StatusCode, "the other device is signed out too")
	assert.Equal(t, http.StatusSeeOther, phone.get("/staff/contacts").StatusCode)
}

func TestFirmSettingsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.browser()
	admin.signIn(seed.DemoAdminEmail)
	r := admin.get("/staff/settings/firm")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `value="Demo Law LLP"`)

	form := url.Values{"name": {"Demo Law LLP"}, "time_zone": {"America/Chicago"}, "main_phone": {"call us"}, "main_email": {"office@demo.test"},
		"matter_number_format": {"{year}-"}}
	r = admin.post("/staff/settings/firm", form, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="main_phone-error"`)
	assert.Contains(t, r.body, `id="matter_number_format-error"`)
	form.Set("matter_number_format", "{year}-{number}")
	var f models.Firm
	require.NoError(t, e.db.Where("slug = ?", seed.DemoFirmSlug).Take(&f).Error)
	assert.NotEqual(t, "America/Chicago", f.TimeZone, "nothing saved on error")

	form.Set("main_phone", "(415) 555-0100")
	r = admin.post("/staff/settings/firm", form)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	require.NoError(t, e.db.Where("slug = ?", seed.DemoFirmSlug).Take(&f).Error)
	assert.Equal(t, "America/Chicago", f.TimeZone)
	assert.Equal(t, "+14155550100", f.MainPhone)
	assert.Equal(t, "{year}-{number}", f.MatterNumberFormat)
	assert.Equal(t, "office@demo.test", f.MainEmail)
}

// Settings is in every user's navigation: it opens the first section they
// may change, lists only those, and the navigation marks where the user is.
func TestSettingsNavigation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, tt := range []struct {
		email, first string
		sections     []string
		hidden       []string
	}{
		{seed.DemoAdminEmail, "/staff/settings/firm",
			[]string{"/staff/settings/firm", "/staff/settings/team", "/staff/settings/texting", "/staff/settings/notifications", "/staff/profile"}, nil},
		{seed.DemoMemberEmail, "/staff/settings/notifications",
			[]string{"/staff/settings/notifications", "/staff/profile"}, []string{"/staff/settings/firm", "/staff/settings/team"}},
	} {
		t.Run(tt.email, func(t *testing.T) {
			b := e.signedIn(tt.email)
			r := b.get("/staff/settings")
			require.Equal(t, http.StatusSeeOther, r.StatusCode)
			assert.Equal(t, tt.first, r.Header.Get("Location"))
			r = b.get(tt.first)
			require.Equal(t, http.StatusOK, r.StatusCode)
			assert.Contains(t, r.body, `<a href="/staff/settings" aria-current="page">Settings</a>`)
			assert.Contains(t, r.body, `<a href="`+tt.first+`" aria-current="page">`, "the section is marked")
			for _, s := range tt.sections {
				assert.Contains(t, r.body, `<a href="`+s+`"`, s)
			}
			for _, s := range tt.hidden {
				assert.NotContains(t, r.body, `<a href="`+s+`"`, s)
			}
			r = b.get("/staff/contacts")
			assert.Contains(t, r.body, `<a href="/staff/contacts" aria-current="page">Contacts</a>`)
			assert.Contains(t, r.body, `<a href="/staff/settings">Settings</a>`)
		})
	}
}
