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

// contactForm is a valid new person, as the form sends it.
func contactForm() url.Values {
	return url.Values{
		"kind": {"person"}, "first_name": {"Ada"}, "middle_name": {"King"}, "last_name": {"Lovelace"}, "title": {"Countess"},
		"status":        {"Client"},
		"email_address": {"ada@example.test", "ada.home@example.test"}, "email_label": {"work", "home"}, "email_primary": {"1"},
		"phone_number": {"(415) 555-0150"}, "phone_label": {"mobile"}, "phone_primary": {"0"}, "phone_texting": {"0"},
		"street": {"12 St James's Square"}, "city": {"London"}, "province": {""}, "postal_code": {"SW1Y 4JH"}, "country": {"UK"}, "address_label": {"home"},
	}
}

var contactPath = regexp.MustCompile(`^/staff/contacts/(\d+)$`)

func TestNewContactForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.browser()
	member.signIn(seed.DemoMemberEmail)

	r := member.get("/staff/contacts/new")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `name="first_name"`)
	assert.Contains(t, member.get("/staff/contacts/new?kind=company").body, `name="company_name"`)

	// "Add an email" redraws the form with one more row and saves nothing.
	form := contactForm()
	form.Set("redraw", "email")
	r = member.post("/staff/contacts", form, "HX-Request", "true")
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, 3, strings.Count(r.body, `name="email_address"`))
	assert.Contains(t, r.body, `value="ada.home@example.test"`)
	form.Set("redraw", "kind")
	form.Set("kind", "company")
	r = member.post("/staff/contacts", form, "HX-Request", "true")
	assert.Contains(t, r.body, `name="company_name"`, "switching kind shows the company's fields")
	assert.NotContains(t, r.body, `name="first_name"`)

	// Each invalid field is marked in place and nothing is saved.
	for field, change := range map[string]func(url.Values){
		"first_name": func(f url.Values) { f.Set("first_name", ""); f.Set("last_name", "") },
		"emails.1":   func(f url.Values) { f["email_address"] = []string{"ada@example.test", "not-an-email"} },
		"phones.0":   func(f url.Values) { f.Set("phone_number", "555-01") },
		"title":      func(f url.Values) { f.Set("title", strings.Repeat("x", 101)) },
		"kind":       func(f url.Values) { f.Set("kind", "robot") },
	} {
		f := contactForm()
		change(f)
		r := member.post("/staff/contacts", f, "HX-Request", "true")
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, field)
		assert.Contains(t, r.body, `id="`+field+`-error"`, field)
		assert.NotContains(t, r.body, "<html", "%s: only the form is swapped", field)
	}
	if f := contactForm(); true {
		f.Set("phone_number", "555-01")
		assert.Contains(t, member.post("/staff/contacts", f).body, "&#34;555-01&#34; is not a phone number", "the error names the number")
	}
	var n int64
	require.NoError(t, e.db.Model(&models.Contact{}).Where("first_name = ?", "Ada").Count(&n).Error)
	assert.Zero(t, n)

	r = member.post("/staff/contacts", contactForm())
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	m := contactPath.FindStringSubmatch(r.Header.Get("Location"))
	require.NotNil(t, m, r.Header.Get("Location"))
	page := member.get(m[0])
	assert.Contains(t, page.body, "Ada King Lovelace")
	assert.Contains(t, page.body, "(415) 555-0150")
	assert.Contains(t, page.body, "Added by Pat Paralegal", "who added it")

	// The same email again: a warning with a link, then "save anyway".
	f := contactForm()
	f.Set("first_name", "Another")
	r = member.post("/staff/contacts", f, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, `id="duplicates"`)
	assert.Contains(t, r.body, `href="`+m[0]+`"`)
	f.Set("force", "1")
	r = member.post("/staff/contacts", f)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
}

func TestEditContactAndRelationships(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin := e.browser()
	admin.signIn(seed.DemoAdminEmail)
	client := e.contact("Casey")
	related := e.contact("Robin")
	base := fmt.Sprintf("/staff/contacts/%d", client.ID)

	r := admin.get(base + "/edit")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `value="`+seed.DemoClientEmail+`"`)
	f := contactForm()
	f.Set("first_name", "Casey")
	f.Set("last_name", "Renamed")
	f["email_address"] = []string{seed.DemoClientEmail}
	f["email_primary"] = []string{"0"}
	f.Set("phone_number", seed.DemoClientPhone)
	r = admin.post(base, f)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	page := admin.get(base)
	assert.Contains(t, page.body, "Casey King Renamed")
	assert.Contains(t, page.body, "last changed by")

	r = admin.get(base + "/relationships/choices?q=robin")
	assert.Contains(t, r.body, fmt.Sprintf(`value="%d"`, related.ID))
	assert.NotContains(t, admin.get(base+"/relationships/choices?q=casey").body, fmt.Sprintf(`value="%d"`, client.ID), "not itself")
	r = admin.post(base+"/relationships", url.Values{"related_contact_id": {fmt.Sprint(related.ID)}, "label": {"spouse"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Regexp(t, `Casey Renamed</a> <span class="muted">spouse`, admin.get(fmt.Sprintf("/staff/contacts/%d", related.ID)).body, "shown on both sides")
	r = admin.post(base+"/relationships", url.Values{"related_contact_id": {fmt.Sprint(related.ID)}, "label": {"again"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
}

func TestDeleteOrArchiveContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.browser()
	member.signIn(seed.DemoMemberEmail)
	client := e.contact("Casey")
	base := fmt.Sprintf("/staff/contacts/%d", client.ID)

	r := member.get(base + "/delete")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "cannot be deleted", "said before it happens")
	assert.Contains(t, r.body, base+"/archive")
	assert.Equal(t, http.StatusUnprocessableEntity, member.post(base+"/delete", nil).StatusCode)
	r = member.post(base+"/archive", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Contains(t, member.get(base).body, `id="archived"`)
	assert.NotContains(t, member.get("/staff/contacts").body, "Casey Client")
	require.Equal(t, http.StatusSeeOther, member.post(base+"/restore", nil).StatusCode)
	assert.Contains(t, member.get("/staff/contacts").body, "Casey Client")

	r = member.post("/staff/contacts", url.Values{"kind": {"company"}, "company_name": {"Short-lived Ltd"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	lone := r.Header.Get("Location")
	assert.Contains(t, member.get(lone+"/delete").body, "Delete for good")
	r = member.post(lone+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, http.StatusNotFound, member.get(lone).StatusCode)
}

// Every new contact route: other firms' users find nothing, clients get
// nothing, and nothing changes.
func TestContactRoutesAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	client := e.contact("Casey")
	related := e.contact("Robin")
	other := e.browser()
	other.signIn(e.newFirmAdmin("other"))
	portal := e.browser()
	portal.signIn(seed.DemoClientEmail)
	base := fmt.Sprintf("/staff/contacts/%d", client.ID)
	form := contactForm()
	form.Set("related_contact_id", fmt.Sprint(related.ID))
	form.Set("label", "spouse")
	for _, path := range []string{base + "/edit", base + "/delete", base + "/relationships/choices?q=robin"} {
		assert.Equal(t, http.StatusNotFound, other.get(path).StatusCode, path)
		assert.NotEqual(t, http.StatusOK, portal.get(path).StatusCode, path)
	}
	for _, path := range []string{base, base + "/delete", base + "/archive", base + "/restore", base + "/relationships"} {
		assert.Equal(t, http.StatusNotFound, other.post(path, form).StatusCode, path)
		assert.NotEqual(t, http.StatusSeeOther, portal.post(path, form).StatusCode, path)
	}
	assert.NotEqual(t, http.StatusOK, portal.get("/staff/contacts/new").StatusCode)
	var c models.Contact
	require.NoError(t, e.db.Take(&c, client.ID).Error)
	assert.Equal(t, "Client", c.LastName)
	assert.Nil(t, c.ArchivedAt)
}
