package web

import (
	"bytes"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/view"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/imports"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/notes"
	oauthstore "github.com/parleyhq/parley/shared/store/oauth"
	"github.com/parleyhq/parley/shared/store/pages"
	"github.com/parleyhq/parley/shared/store/portal"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/upload"
	"github.com/parleyhq/parley/templates"
)

// TestEveryPageRenders renders each page with sample data, signed in and
// not; a page without sample data here fails, so none ships unrendered.
func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e, err := view.New(templates.FS, view.Funcs)
	require.NoError(t, err)
	now := time.Now()
	matter := matters.Row{Matter: models.Matter{ID: 7, Number: "00007", Description: "Estate of <Doe>", ClientStatus: "Filed", NextSteps: "Sign"}, ClientName: "Casey"}
	listed := matter.List()
	listed.Unread = 2
	folder := int64(3)
	md := matterData{
		Matter:      matter,
		Documents:   []documents.DocumentRow{{Document: models.Document{ID: 1, Name: "a.pdf", SizeBytes: 1234, FirstViewedByClientAt: &now, SharedWithClient: true}, FolderName: "Shared", VisibleToClient: true}, {Document: models.Document{ID: 2, Name: "b.txt", UploadedByContactID: &folder}}},
		Folders:     []documents.FolderRow{{Folder: models.Folder{ID: 3, Name: "Shared", SharedWithClient: true}, VisibleToClient: true}},
		Messages:    []portal.MessageRow{{PortalMessage: models.PortalMessage{ID: 1, Body: "Hello", AuthorUserID: &folder, ReadAt: &now}, AuthorName: "Avery", New: true}},
		Result:      &sendResult{Sent: []models.Document{{Name: "x.pdf"}}, Refused: []upload.Refused{{Name: "x.exe", Reason: "no"}}, Message: true},
		Client:      models.Contact{FirstName: "Casey", PortalInvitedAt: &now, Emails: []models.ContactEmail{{Address: "c@example.com"}}},
		Related:     []matters.Person{{ContactID: 2, Name: "Robin <Doe>", Role: "Spouse"}},
		Names:       firms.Names{3: "Avery <Doe>"},
		PrimaryName: "Robin <Doe>",
		Actions:     []models.CustomAction{{ID: 4, Label: "Draft <letter>"}},
	}
	md.Matter.ResponsibleUserID, md.Matter.CreatedByUserID, md.Matter.PrimaryContactID, md.Matter.OpenedAt = &folder, &folder, &folder, &now
	md.Matter.Location, md.Matter.PracticeArea, md.Matter.Permission = "<Court>", "<Estates>", models.PermissionUsers
	samples := map[string]any{
		"public/home":       nil,
		"public/error":      map[string]any{"Code": 404, "Message": "Not here"},
		"public/login":      loginData{Notice: "You were signed out", Error: "Bad", Email: "a@b.c"},
		"public/login_sent": loginData{Email: "a@b.c"},
		"public/link":       linkData{Token: "t", Email: "a@b.c", FirmName: "Demo"},
		"public/devmail":    []devMailRow{{OutboundEmail: models.OutboundEmail{Subject: "S", BodyText: "http://x/y"}, Links: []string{"http://x/y"}}},
		"client/matters":    mattersData{Matters: []matters.ListRow{listed}},
		"client/matter":     md.forClient(),
		"client/document":   clientDocumentData{Doc: models.Document{ID: 3, Name: "<b>scan</b>.png", SizeBytes: 2048}, Back: "/portal/matters/7#documents", Preview: "image"},
		"staff/matters": mattersData{Matters: []matters.ListRow{listed}, Rows: matterRows([]matters.ListRow{listed}), Filter: matters.Filter{Query: "<Doe>", Category: models.StatusOpen, Mine: true, PracticeArea: "<Estates>", ClientID: 2},
			ClientName: "Robin <Doe>", Count: 1000, Capped: true, Areas: []models.PracticeArea{{ID: 1, Name: "<Estates>"}}, Categories: []models.StatusCategory{models.StatusOpen, models.StatusClosed}},
		"staff/matter_form": matterFormData{ID: 7, Number: "00007-<Doe>", Input: matters.Input{Description: "<Doe>", Category: models.StatusPending, ClientID: 2, PrimaryContactID: 3,
			Permission: models.PermissionUsers, UserIDs: []int64{1}, NewClient: &contacts.Input{Kind: models.ContactPerson, FirstName: "<Doe>",
				Emails: []contacts.EmailInput{{Address: "x"}}, Phones: []contacts.PhoneInput{{Number: "555"}}}},
			Errors: store.FieldErrors{"description": "No <Doe>", "new_client.first_name": "No", "users": "Pick"}, ClientName: "Casey <Doe>", PrimaryName: "Robin <Doe>", NewClient: true,
			Users: []events.UserChoice{{ID: 1, Name: "Avery <Doe>"}}, Areas: []models.PracticeArea{{ID: 1, Name: "<Estates>"}}},
		"staff/matter": md,

		"staff/texts":        sampleTexts,
		"staff/texts_thread": sampleThread(now),
		"staff/inbox": inboxData{State: models.LeadUntriaged, Query: "<Doe>", Leads: []models.InboxLead{{ID: 1, FirstName: "<Jane>", Email: "j@example.com", PhoneNumber: "+14155550199",
			FromSource: "website_chat", FromMessage: "Help <me>", CreatedAt: now}, {ID: 2, PhoneNumber: "+14155550198", FromSource: models.LeadFromText, CreatedAt: now}},
			More: more{URL: "/staff/inbox?after=x", Cols: 4}},
		"staff/inbox_lead": leadData{Lead: models.InboxLead{ID: 1, FirstName: "<Jane>", PhoneNumber: "+14155550199", FromSource: models.LeadFromText, State: models.LeadIgnored, CreatedAt: now},
			Texts: []models.UnknownText{{ID: 1, Body: "Hi <Doe>", MediaCount: 1, CreatedAt: now}}, Actions: []models.CustomAction{{ID: 4, Label: "Screen <lead>"}}, Notice: "Restored"},
		"staff/texts_unknown": unknownTextsData{Texts: []models.UnknownText{{ID: 1, FromNumber: "+14155550199", Body: "Hi <Doe>", MediaCount: 2, CreatedAt: now}, {ID: 2, FromNumber: "+14155550198", ContactID: &folder, CreatedAt: now}}},
		"staff/matter_texts":  matterTextsData{Matter: matter, Threads: []texting.MatterThread{{ContactID: 1, ContactName: "Casey", Role: "Client", Texts: 2, LastAt: &now, LastBody: "ok", Unread: 1}, {ContactID: 2, ContactName: "Robin", Role: "Spouse"}}},
		"staff/settings_texting": textingSettingsData{Settings: firms.TextingSettings{FirmTexting: models.FirmTexting{TextingEnabled: true, TextingNumber: &sampleNumber}, TextBadge: true}, Available: 1, Error: "No <Doe>", Notice: "Saved",
			Calendar: firms.CalendarSettings{TimeZone: "Europe/Paris", ReminderDays: 2}, Zones: zoneChoices("Europe/Paris"), Reminders: reminderChoices(),
			Templates: templateSamples(sampleFirm(), now)},
		"staff/calendar":               sampleCalendar(now),
		"staff/event":                  sampleEvent(now),
		"staff/event_form":             eventFormData{Form: eventForm{Title: "<Doe>", Start: "2026-12-07T14:00", MatterID: 7, Users: map[int64]bool{1: true}, Contacts: map[int64]bool{2: true}, Notify: map[int64]bool{2: true}}, Zone: "America/New_York", Error: "No <Doe>", EventID: 3, Choices: events.EventChoices{Users: []events.UserChoice{{ID: 1, Name: "Avery"}}, Matters: []matters.ListRow{listed}, Contacts: []events.ContactChoice{{ID: 2, Name: "Casey", Textable: true}, {ID: 3, Name: "Robin", Why: texting.Words(texting.OptedOut)}}}},
		"staff/settings_notifications": notificationsData{TextBadge: true, Notice: "Saved"},
		"staff/contacts":               contactsData{Query: "<Doe>", Rows: contactRows([]contacts.Row{{ID: 1, Name: "Casey <Doe>", Email: "c@example.com", Phone: "+14155550123", Matters: 1}, {ID: 2, Name: "Robin"}}), More: more{URL: "/staff/contacts?after=x&q=%3CDoe%3E", Cols: 4}},
		"staff/contact":                sampleContact(now),
		"staff/contact_form": contactFormData{ID: 1, Name: "Casey <Doe>", Input: contacts.Input{Kind: models.ContactPerson, FirstName: "<Doe>",
			Emails: []contacts.EmailInput{{Address: "bad <Doe>", Primary: true}}, Phones: []contacts.PhoneInput{{Number: "555", Texting: true}},
			Addresses: []contacts.AddressInput{{Street: "1 <Main>"}}},
			Errors:     store.FieldErrors{"emails.0": "Bad <Doe>", "phones.0": "Bad", "first_name": "No"},
			Duplicates: []contacts.Duplicate{{ContactID: 2, Name: "Robin <Doe>", Same: "+14155550123", Archived: true}}},
		"staff/contact_delete": contactDeleteData{Contact: models.Contact{ID: 1, FirstName: "<Doe>"}, Usage: contacts.Usage{Matters: 2, Texts: 1}},
		"staff/settings_firm": firmSettingsData{Areas: []models.PracticeArea{{ID: 1, Name: "<Estates>"}}, Details: firms.Details{MatterNumberFormat: "{number}-<Doe>", Name: "Ada <Doe> LLP", TimeZone: "America/Chicago", MainPhone: "+14155550100"},
			Zones: zoneChoices("America/Chicago"), Errors: store.FieldErrors{"name": "No <Doe>", "time_zone": "Pick"}, Saved: true},
		"staff/settings_team": teamData{Members: []firms.Member{{User: models.User{ID: 1, FirstName: "Ada", LastName: "<Doe>", Email: "a@x.test", Role: models.RoleAdmin, Active: true}, LastSignIn: &now},
			{User: models.User{ID: 2, FirstName: "Byron", Email: "b@x.test", Role: models.RoleMember, Active: true}},
			{User: models.User{ID: 3, FirstName: "Cy", Email: "c@x.test", Role: models.RoleMember}}},
			Me: 1, Invite: firms.NewUser{Name: "<Doe>", Email: "bad"}, Errors: store.FieldErrors{"email": "No <Doe>"}, Notice: "Sent", More: more{URL: "/staff/settings/team?after=x", Cols: 5}},
		"staff/notes": notesData{Base: "/staff/matters/7", Notes: []notes.Row{{Note: models.Note{ID: 1, Subject: "<Doe>", Body: "see https://x.test/<Doe>", CreatedAt: now, UpdatedAt: now.Add(time.Minute)}, AuthorName: "Avery <Doe>"}},
			More: more{URL: "/staff/matters/7/notes?after=x"}, Subject: "<Doe>", Body: "<Doe>", Errors: store.FieldErrors{"subject": "No <Doe>", "body": "No"}},
		"staff/note_form": noteFormData{ID: 1, Back: "/staff/matters/7#notes", Subject: "<Doe>", Body: "<Doe>", Errors: store.FieldErrors{"body": "No <Doe>"}},
		"staff/contact_import": importData{Import: imports.Import{ID: 3, FileName: "<Doe>.csv", State: imports.StatePreviewed, ToCreate: 2, ToUpdate: 1, Refused: 1},
			Creates: []imports.Row{{Line: 2, Name: "<Doe>"}}, Updates: []imports.Row{{Line: 3, Name: "Ada", ContactID: &folder}},
			Refusals: []imports.Row{{Line: 4, Reason: "No <Doe>"}}, MoreRefusals: 4, Error: "Bad <Doe>"},
		"staff/settings_integrations": integrationsData{Apps: []models.OAuthApp{{ID: 1, Name: "<Intake>", ClientID: "parley_app_x", RedirectURIs: "https://a.example/cb\nhttp://localhost:3000/cb", CreatedAt: now},
			{ID: 2, Name: "Old", RevokedAt: &now, RedirectURIs: "https://b.example"}}, New: &models.OAuthApp{Name: "<Intake>", ClientID: "parley_app_x"}, NewSecret: "s3cret",
			Name: "<x>", URIs: "http://bad", Errors: store.FieldErrors{"redirect_uris": "No <good>"}, Authorize: "http://portal.test/oauth/authorize"},
		"staff/oauth_consent": consentData{Request: oauthstore.Request{ID: "abc", AppName: "<Intake>", RedirectURI: "https://a.example/cb"}},
		"staff/settings_api_tokens": apiTokensData{Tokens: []models.APIToken{{ID: 1, Name: "<script>", CreatedAt: now, LastUsedAt: &now}, {ID: 2, Name: "Old", RevokedAt: &now}},
			New: "parley_pat_<x>", NewName: "<script>", Error: "No <Doe>", Notice: "Revoked."},
		"staff/profile": profileData{User: models.User{FirstName: "Ada", LastName: "<Doe>", Email: "a@x.test"}, Errors: store.FieldErrors{"first_name": "No <Doe>"}, Saved: true},
	}
	pages := e.Pages()
	sort.Strings(pages)
	sess := &auth.Session{Account: auth.Account{Kind: auth.KindClient, Name: "Casey", FirmName: "Demo"}, CSRF: "tok"}
	for _, name := range pages {
		data, ok := samples[name]
		require.True(t, ok, "no sample data for page %s", name)
		for _, signedIn := range []bool{false, true} {
			p := page{Title: "T", CSRF: "tok", Data: data}
			if signedIn {
				p.Session, p.IdleSeconds = sess, 900
			}
			var b bytes.Buffer
			require.NoError(t, e.Render(&b, name, p), name)
			assert.Contains(t, b.String(), "/static/htmx-2.0.11.min.js", name)
			assert.NotContains(t, b.String(), "<Doe>", "output is escaped")
		}
	}
}

// sampleContact is a contact page with every part filled in, for TestEveryPageRenders.
func sampleContact(now time.Time) pages.Contact {
	c := models.Contact{ID: 1, FirstName: "Casey", MiddleName: "<Q>", LastName: "<Doe>", Title: "<CFO>", Status: "client", PortalInvitedAt: &now, ArchivedAt: &now,
		Emails:    []models.ContactEmail{{Address: "c@example.com", Label: "home", IsPrimary: true}},
		Addresses: []models.ContactAddress{{Label: "home", Street: "1 <Main> St", City: "Oakland", Province: "CA", PostalCode: "94607", Country: "USA"}}}
	return pages.Contact{
		Contact: c,
		Actions: []models.CustomAction{{ID: 4, Label: "Sync <CRM>"}},
		Phones:  []pages.ContactPhone{{ContactPhoneNumber: models.ContactPhoneNumber{Number: "+14155550123", Label: "mobile", IsTexting: true}, OptedOut: true}},
		Matters: []matters.ContactMatter{{Row: matters.Row{Matter: models.Matter{ID: 7, Number: "00007", Description: "Estate of <Doe>", Status: "Open"}}, Role: "Client"}},
		Threads: []texting.MatterThread{{ContactID: 1, ContactName: "Casey <Doe>", Role: "This contact", Texts: 1, LastAt: &now, LastBody: "ok <b>"},
			{ContactID: 2, ContactName: "Robin", Role: "Spouse on 00007", Unread: 2}},
		Portal:        pages.PortalAccess{Since: &now, LastInvited: &now, LastSignedIn: &now},
		Relationships: []contacts.Relationship{{ID: 1, ContactID: 2, Name: "Robin <Doe>", Label: "spouse <b>", Archived: true}},
		Usage:         contacts.Usage{Matters: 1},
		CreatedBy:     "Avery <Doe>", UpdatedBy: "Pat",
	}
}
