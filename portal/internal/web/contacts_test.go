package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/tasks"
)

func contactURL(id int64) string { return "/staff/contacts/" + itoa(id) }

// escapedPlus is a number as html/template writes it ("+" as "&#43;").
func escapedPlus(number string) string { return strings.ReplaceAll(number, "+", "&#43;") }

// secretOnlyContact adds Sam, whose one matter only listed users (and
// admins) may see, with Casey as a witness on it.
func (e *env) secretOnlyContact() (models.Contact, models.Matter) {
	e.t.Helper()
	f := e.firm(seed.DemoFirmSlug)
	sam := models.Contact{FirmID: f.ID, Kind: models.ContactPerson, FirstName: "Sam", LastName: "Secret", Status: "client",
		Emails: []models.ContactEmail{{FirmID: f.ID, Address: "sam@secret.test", IsPrimary: true}}}
	require.NoError(e.t, e.db.Create(&sam).Error)
	m := models.Matter{FirmID: f.ID, Number: "S-1", Description: "Sealed settlement", Status: "Open", StatusCategory: models.StatusOpen,
		ClientContactID: sam.ID, Permission: models.PermissionUsers}
	require.NoError(e.t, e.db.Create(&m).Error)
	require.NoError(e.t, e.db.Create(&models.MatterRelatedContact{FirmID: f.ID, MatterID: m.ID, ContactID: e.contact("Casey").ID, Relationship: "Witness"}).Error)
	return sam, m
}

func TestStaffContactList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get("/staff/contacts")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `<a href="/staff/contacts" aria-current="page">Contacts</a>`, "in the staff nav")
	casey, robin := e.contact("Casey"), e.contact("Robin")
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s"><strong>Casey Client</strong>`, contactURL(casey.ID)))
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s"><strong>Robin Related</strong>`, contactURL(robin.ID)))
	assert.Contains(t, r.body, seed.DemoClientEmail)
	assert.Contains(t, r.body, "(415) 555-0123", "national format")
	assert.Contains(t, r.body, "1 matter")

	for q, want := range map[string]string{"robin": "Robin Related", "client@demo": "Casey Client", "415-555-0123": "Casey Client"} {
		r = member.get("/staff/contacts?q=" + url.QueryEscape(q))
		require.Equal(t, http.StatusOK, r.StatusCode)
		assert.Contains(t, r.body, want, q)
		assert.Equal(t, 1, strings.Count(r.body, `<strong>`), "one contact found by %q", q)
		assert.Contains(t, r.body, `value="`+q+`"`, "the search stays in the box")
	}
	r = member.get("/staff/contacts?q=nobody")
	assert.Contains(t, r.body, "No contact matches")

	// Typing in the box swaps the list alone.
	r = member.get("/staff/contacts?q=robin", "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(r.body), `<section class="card" id="contact-list">`), r.body)
	assert.Contains(t, r.body, "Robin Related")
}

func TestStaffContactPage(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	e.enableTexting()
	casey, robin := e.contact("Casey"), e.contact("Robin")
	e.inbound(casey.ID, "from the client")
	e.inbound(robin.ID, "from the spouse")
	f := e.firm(seed.DemoFirmSlug)
	require.NoError(t, e.db.Create(&models.TextOptOut{FirmID: f.ID, FirmNumber: *f.TextingNumber, ContactNumber: "+14155550124"}).Error)
	var matter models.Matter
	require.NoError(t, e.db.Where("firm_id = ?", f.ID).Take(&matter).Error)
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get(contactURL(casey.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	for _, want := range []string{
		"<h1>Casey Client</h1>",
		`href="mailto:` + seed.DemoClientEmail + `"`,
		`href="tel:` + escapedPlus(seed.DemoClientPhone) + `"`, "Texting number",
		"500 Market St, San Francisco, CA 94105, USA",
		fmt.Sprintf(`href="/staff/matters/%d">00001 · Casey Client v. Acme Insurance`, matter.ID),
		fmt.Sprintf(`href="%s">Robin Related</a> <span class="muted">Spouse on 00001</span>`, contactURL(robin.ID)),
		"Has portal access since",
		"Has never signed in",
		`action="/staff/contacts/` + itoa(casey.ID) + `/invite"`,
		// Communications: the contact's own thread and the related contact's.
		fmt.Sprintf(`href="/staff/texts/contacts/%d">Casey Client`, casey.ID),
		fmt.Sprintf(`href="/staff/texts/contacts/%d">Robin Related`, robin.ID),
		"from the client", "from the spouse",
	} {
		assert.Contains(t, r.body, want)
	}
	assert.NotContains(t, r.body, "Opted out", "Casey never replied STOP")

	r = member.get(contactURL(robin.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "Opted out of texts")
	assert.Contains(t, r.body, "No portal access yet")
	assert.Contains(t, r.body, "Spouse · Discovery", "Robin's role on the matter")
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s">Casey Client</a> <span class="muted">Client on 00001</span>`, contactURL(casey.ID)))

	// The matter page links its client and related contacts to their pages.
	r = member.get(fmt.Sprintf("/staff/matters/%d", matter.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s">Casey Client</a>`, contactURL(casey.ID)))
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s">Robin Related</a> <span class="muted">Spouse</span>`, contactURL(robin.ID)))
	r = member.get(fmt.Sprintf("/staff/matters/%d/texts", matter.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s">contact page</a>`, contactURL(robin.ID)))
}

func TestInviteFromContactPage(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	robin := e.contact("Robin")
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get(contactURL(robin.ID))
	invite := contactURL(robin.ID) + "/invite"
	emailsTo := func(addr string) []models.OutboundEmail {
		var out []models.OutboundEmail
		require.NoError(t, e.db.Where("to_address = ?", addr).Order("id").Find(&out).Error)
		return out
	}

	r := admin.post(invite, url.Values{"email": {seed.DemoClientEmail}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "Casey's address is not Robin's")
	assert.Contains(t, r.body, "not one of the contact&#39;s email addresses")
	r = admin.post(invite, url.Values{"email": {"someone@else.com"}}, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Equal(t, "#flash", r.Header.Get("HX-Retarget"), "htmx shows the refusal in the flash area")
	assert.Empty(t, emailsTo(seed.DemoClientEmail))
	assert.Empty(t, emailsTo("someone@else.com"))

	r = admin.post(invite, url.Values{"email": {" Related@Demo.Parley.test "}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, contactURL(robin.ID)+"#portal-access", r.Header.Get("Location"))
	sent := emailsTo(seed.DemoRelatedEmail)
	require.Len(t, sent, 1)
	assert.Equal(t, "login_link", sent[0].Kind)
	assert.Contains(t, sent[0].Subject, "invites you to its secure client portal")
	_, err := insp.GetTaskInfo(tasks.QueueCritical, fmt.Sprintf("%s:%d", tasks.TypeEmailSend, sent[0].ID))
	require.NoError(t, err, "the email's send task is queued")

	r = admin.post(invite, url.Values{"email": {seed.DemoRelatedEmail}}, "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "Invitation sent to "+seed.DemoRelatedEmail)
	assert.Len(t, emailsTo(seed.DemoRelatedEmail), 2)

	// Robin follows the link: the contact page shows access and the sign-in.
	robinBrowser := e.browser()
	token := e.lastLink(seed.DemoRelatedEmail)
	robinBrowser.get("/login/link/" + token)
	require.Equal(t, http.StatusSeeOther, robinBrowser.post("/login/link", url.Values{"token": {token}}).StatusCode)
	r = admin.get(contactURL(robin.ID))
	assert.Contains(t, r.body, "Has portal access since")
	assert.Contains(t, r.body, "Last invitation sent")
	assert.Contains(t, r.body, "Last signed in")
	assert.Contains(t, r.body, "Send a new invitation")
}

// TestContactAuthorization is the access matrix of the contact pages. The
// rule (shared/store/contacts.go): a firm user sees every contact of the
// firm, as the texts pages do, but their matters and related contacts only
// through matters the user may see.
func TestContactAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	w := buildWorld(t, e)
	sam, secret := e.secretOnlyContact()
	casey := e.contact("Casey")
	var other models.Contact
	require.NoError(t, e.db.Where("first_name = ?", "Cy").Take(&other).Error)

	actors := e.actors(map[string]string{
		"client": seed.DemoClientEmail, "member": seed.DemoMemberEmail, "admin": seed.DemoAdminEmail, "otherFirm": w.otherFirmUser,
	})
	checkAccess(t, actors, url.Values{"email": {seed.DemoClientEmail}}, []access{
		{"anon", "GET", "/staff/contacts", 303},
		{"anon", "GET", contactURL(casey.ID), 303},
		{"client", "GET", "/staff/contacts", 303}, // clients have no staff pages
		{"client", "GET", contactURL(casey.ID), 303},
		{"client", "POST", contactURL(casey.ID) + "/invite", 303},
		{"member", "GET", "/staff/contacts", 200},
		{"member", "GET", contactURL(casey.ID), 200},
		{"member", "GET", contactURL(sam.ID), 200}, // contacts are firm-wide, like texts
		{"member", "GET", contactURL(other.ID), 404},
		{"member", "GET", "/staff/contacts/99999999", 404},
		{"member", "GET", "/staff/contacts/abc", 404},
		{"admin", "GET", contactURL(sam.ID), 200},
		{"otherFirm", "GET", contactURL(casey.ID), 404},
		{"otherFirm", "POST", contactURL(casey.ID) + "/invite", 404},
		{"otherFirm", "GET", contactURL(other.ID), 200},
	})
	var n int64
	require.NoError(t, e.db.Model(&models.OutboundEmail{}).Where("to_address = ?", seed.DemoClientEmail).
		Where("subject LIKE ?", "%invites you%").Count(&n).Error)
	assert.Zero(t, n, "no refused invitation was sent")

	// The restricted matter, and who is on it, stay hidden from the member.
	member, admin := actors["member"], actors["admin"]
	r := member.get(contactURL(casey.ID))
	assert.NotContains(t, r.body, "Sealed settlement")
	assert.NotContains(t, r.body, "Sam Secret")
	r = member.get(contactURL(sam.ID))
	assert.NotContains(t, r.body, "Sealed settlement")
	assert.NotContains(t, r.body, "Casey Client")
	assert.Contains(t, r.body, "Not on any matter you can see")
	r = member.get("/staff/contacts?q=sam")
	assert.Contains(t, r.body, "0 matters")

	r = admin.get(contactURL(casey.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`href="/staff/matters/%d">S-1 · Sealed settlement`, secret.ID))
	assert.Contains(t, r.body, "Witness · Open")
	assert.Contains(t, r.body, fmt.Sprintf(`href="%s">Sam Secret</a> <span class="muted">Client on S-1</span>`, contactURL(sam.ID)))
	r = admin.get("/staff/contacts?q=sam")
	assert.Contains(t, r.body, "1 matter")
}
