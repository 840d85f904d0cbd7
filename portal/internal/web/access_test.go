package web_test

import (
	"fmt"
	"maps"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

// world is the demo firm plus a second client, a restricted matter and a
// second firm, for trying to cross every boundary.
type world struct {
	m1, m2, m3, m4    int64 // A's client matter, B's matter, restricted matter, other firm's matter
	d1, d2, d3, d4    int64 // shared on m1, unshared on m1, shared on m2, shared on m4
	folderUnshared    int64 // on m1
	clientB, clientCB string
	otherFirmUser     string
}

func buildWorld(t *testing.T, e *env) world {
	t.Helper()
	var w world
	db := e.db
	var firmA models.Firm
	require.NoError(t, db.Where("slug = ?", seed.DemoFirmSlug).Take(&firmA).Error)
	var m1 models.Matter
	require.NoError(t, db.Where("firm_id = ?", firmA.ID).Take(&m1).Error)
	w.m1 = m1.ID
	var docs []models.Document
	require.NoError(t, db.Where("matter_id = ?", m1.ID).Order("id").Find(&docs).Error)
	w.d1, w.d2 = docs[0].ID, docs[1].ID
	blob := docs[0]
	now := time.Now()

	newClient := func(firmID int64, first, email string) models.Contact {
		c := models.Contact{FirmID: firmID, Kind: models.ContactPerson, FirstName: first, LastName: "Test", Status: "client", PortalInvitedAt: &now,
			Emails: []models.ContactEmail{{FirmID: firmID, Address: email, IsPrimary: true}}}
		require.NoError(t, db.Create(&c).Error)
		return c
	}
	newMatter := func(firmID, clientID int64, number string, perm models.Permission) int64 {
		m := models.Matter{FirmID: firmID, Number: number, Description: "Matter " + number, Status: "Open",
			StatusCategory: models.StatusOpen, ClientContactID: clientID, Permission: perm}
		require.NoError(t, db.Create(&m).Error)
		return m.ID
	}
	newDoc := func(firmID, matterID int64, name string) int64 {
		d := models.Document{FirmID: firmID, MatterID: &matterID, Name: name, SizeBytes: blob.SizeBytes, SHA256: blob.SHA256,
			MIMEType: blob.MIMEType, StorageKey: blob.StorageKey, SharedWithClient: true}
		require.NoError(t, db.Create(&d).Error)
		return d.ID
	}

	w.clientB = "b@client.test"
	cb := newClient(firmA.ID, "Bea", w.clientB)
	w.m2 = newMatter(firmA.ID, cb.ID, "B-1", models.PermissionEveryone)
	w.d3 = newDoc(firmA.ID, w.m2, "B's document.pdf")
	w.m3 = newMatter(firmA.ID, cb.ID, "SECRET-1", models.PermissionUsers)

	f := models.Folder{FirmID: firmA.ID, MatterID: &w.m1, Name: "Internal drafts"}
	require.NoError(t, db.Create(&f).Error)
	w.folderUnshared = f.ID

	firmB := models.Firm{Slug: "other", Name: "Other & Partners", TimeZone: "UTC"}
	require.NoError(t, db.Create(&firmB).Error)
	w.otherFirmUser = "boss@other.test"
	require.NoError(t, db.Create(&models.User{FirmID: firmB.ID, Email: w.otherFirmUser, Role: models.RoleAdmin, Active: true, FirstName: "Oz"}).Error)
	w.clientCB = "c@other.test"
	cc := newClient(firmB.ID, "Cy", w.clientCB)
	w.m4 = newMatter(firmB.ID, cc.ID, "O-1", models.PermissionEveryone)
	w.d4 = newDoc(firmB.ID, w.m4, "Other firm's document.pdf")
	return w
}

func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	w := buildWorld(t, e)
	actors := map[string]*browser{"anon": e.browser()}
	for name, email := range map[string]string{
		"clientA": seed.DemoClientEmail, "clientB": w.clientB, "clientCB": w.clientCB,
		"member": seed.DemoMemberEmail, "admin": seed.DemoAdminEmail, "otherFirm": w.otherFirmUser,
	} {
		b := e.browser()
		b.ip = "198.51.100." + fmt.Sprint(len(actors)) // rate limits are per IP
		b.signIn(email)
		actors[name] = b
	}
	p := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }
	checkAccess(t, actors, url.Values{"body": {"hello"}, "share": {"1"}, "client_status": {"x"}}, []accessCase{
		{"clientA", "GET", p("/portal/matters/%d", w.m1), 200},
		{"clientA", "GET", p("/portal/matters/%d", w.m2), 404},
		{"clientA", "GET", p("/portal/matters/%d", w.m3), 404},
		{"clientA", "GET", p("/portal/matters/%d", w.m4), 404},
		{"clientA", "GET", "/portal/matters/99999999", 404},
		{"clientA", "GET", "/portal/matters/abc", 404},
		{"clientA", "GET", p("/portal/documents/%d", w.d1), 200},
		{"clientA", "GET", p("/portal/documents/%d", w.d2), 404}, // not shared
		{"clientA", "GET", p("/portal/documents/%d", w.d3), 404}, // another client's
		{"clientA", "GET", p("/portal/documents/%d", w.d4), 404}, // another firm's
		{"clientA", "POST", p("/portal/matters/%d/messages", w.m2), 404},
		{"clientA", "GET", p("/staff/matters/%d", w.m1), 303}, // clients have no staff pages
		{"clientA", "POST", p("/staff/documents/%d/share", w.d2), 303},
		{"clientB", "GET", p("/portal/matters/%d", w.m2), 200},
		{"clientB", "GET", p("/portal/matters/%d", w.m1), 404},
		{"clientB", "GET", p("/portal/documents/%d", w.d3), 200},
		{"clientB", "GET", p("/portal/documents/%d", w.d1), 404},
		{"clientCB", "GET", p("/portal/matters/%d", w.m1), 404},
		{"clientCB", "GET", p("/portal/documents/%d", w.d4), 200},
		{"member", "GET", p("/staff/matters/%d", w.m1), 200},
		{"member", "GET", p("/staff/matters/%d", w.m3), 404}, // restricted to listed users
		{"member", "GET", p("/staff/documents/%d", w.d2), 200},
		{"member", "GET", p("/staff/documents/%d", w.d4), 404},
		{"member", "GET", p("/portal/matters/%d", w.m1), 303},
		{"admin", "GET", p("/staff/matters/%d", w.m3), 200},
		{"otherFirm", "GET", p("/staff/matters/%d", w.m1), 404},
		{"otherFirm", "GET", p("/staff/documents/%d", w.d1), 404},
		{"otherFirm", "POST", p("/staff/documents/%d/share", w.d2), 404},
		{"otherFirm", "POST", p("/staff/matters/%d/status", w.m1), 404},
		{"otherFirm", "POST", p("/staff/matters/%d/messages", w.m1), 404},
		{"otherFirm", "POST", p("/staff/matters/%d/folders/%d/share", w.m1, w.folderUnshared), 404},
		{"otherFirm", "GET", p("/staff/documents/%d", w.d4), 200},
		{"anon", "GET", p("/portal/matters/%d", w.m1), 303},
		{"anon", "GET", p("/portal/documents/%d", w.d1), 303},
		{"anon", "GET", p("/staff/matters/%d", w.m1), 303},
	})

	// What a client sees of their own matter leaves out internal things.
	page := actors["clientA"].get(p("/portal/matters/%d", w.m1)).body
	assert.Contains(t, page, "Engagement letter.pdf")
	assert.NotContains(t, page, "Internal case memo.txt")
	assert.NotContains(t, page, "Internal drafts", "an unshared folder")
	assert.NotContains(t, page, "Personal injury", "practice area is internal")
	assert.NotContains(t, page, "Client prefers texts", "notes are internal")
	list := actors["clientA"].get("/portal").body
	assert.NotContains(t, list, "Matter B-1")

	// Nothing was changed by the refused requests.
	var shared bool
	require.NoError(t, e.db.Model(&models.Document{}).Select("shared_with_client").Where("id = ?", w.d2).Scan(&shared).Error)
	assert.False(t, shared)
	var n int64
	require.NoError(t, e.db.Model(&models.PortalMessage{}).Where("body = ?", "hello").Count(&n).Error)
	assert.Zero(t, n)
}

// accessCase is a request of an authorization matrix and the status it must get.
type accessCase struct {
	actor, method, path string
	want                int
}

// checkAccess sends each case as its actor; a POST sends form.
func checkAccess(t *testing.T, actors map[string]*browser, form url.Values, cases []accessCase) {
	t.Helper()
	for _, tc := range cases {
		b := actors[tc.actor]
		var r response
		if tc.method == "GET" {
			r = b.get(tc.path)
		} else {
			r = b.post(tc.path, maps.Clone(form)) // post adds the actor's own CSRF token
		}
		assert.Equal(t, tc.want, r.StatusCode, "%s %s %s", tc.actor, tc.method, tc.path)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signIn(seed.DemoClientEmail)
	var matterID int64
	require.NoError(t, e.db.Model(&models.Matter{}).Select("id").Take(&matterID).Error)
	path := fmt.Sprintf("/portal/matters/%d/messages", matterID)

	cases := []struct {
		name    string
		form    url.Values
		headers []string
		want    int
	}{
		{"no token", url.Values{"_csrf": {""}, "body": {"hi"}}, nil, 403},
		{"wrong token", url.Values{"_csrf": {"forged-forged-forged-forged-forged-forged"}, "body": {"hi"}}, nil, 403},
		{"right token in the form", url.Values{"body": {"hi"}}, nil, 303},
		{"right token in the header (htmx)", url.Values{"_csrf": {""}, "body": {"hi"}}, []string{"X-CSRF-Token", b.csrf, "HX-Request", "true"}, 200},
		{"cross-site even with the token", url.Values{"body": {"hi"}}, []string{"Sec-Fetch-Site", "cross-site"}, 403},
	}
	for _, tc := range cases {
		r := b.post(path, tc.form, tc.headers...)
		assert.Equal(t, tc.want, r.StatusCode, tc.name)
	}
	var n int64
	require.NoError(t, e.db.Model(&models.PortalMessage{}).Where("body = ?", "hi").Count(&n).Error)
	assert.Equal(t, int64(2), n, "only the two requests with the token posted")

	// Before sign-in the token is a cookie; a form without it is refused.
	anon := e.browser()
	r := anon.post("/login", url.Values{"email": {seed.DemoClientEmail}, "_csrf": {""}})
	assert.Equal(t, 403, r.StatusCode)
	assert.Equal(t, 403, anon.post("/logout", url.Values{"_csrf": {"x"}}).StatusCode)
}
