package web

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/view"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/templates"
)

// Sample data of the texting pages, for TestEveryPageRenders.
var sampleNumber = "+18885550100"

var sampleTexts = textsData{
	Texting: firms.TextingSettings{FirmTexting: models.FirmTexting{TextingEnabled: true, TextingNumber: &sampleNumber}},
	Conversations: []texting.Conversation{
		{ContactID: 1, ContactName: "Casey <Doe>", LastBody: "See you", LastDirection: "in", LastAt: time.Now(), Unread: 2},
		{ContactID: 2, ContactName: "Robin", LastDirection: "out", LastAt: time.Now()},
	},
	Admin: true,
}

func sampleThread(now time.Time) threadData {
	user := int64(1)
	contact := texting.TextContact{Contact: models.Contact{ID: 1, FirstName: "Casey", LastName: "<Doe>"}, Number: "+14155550123"}
	rows := []texting.TextRow{
		{TextMessage: models.TextMessage{ID: 1, Direction: "in", Body: "Photos attached", Status: models.TextReceived, CreatedAt: now,
			Media: []models.TextMedia{
				{ID: 1, Status: "kept", SniffedType: "image/jpeg", SizeBytes: 2000},
				{ID: 2, Status: "kept", SniffedType: "video/mp4", SizeBytes: 2 << 20},
				{ID: 3, Status: "refused", DeclaredType: "application/pdf", Reason: "PDF files can't be received by text."},
				{ID: 4, Status: "pending"},
			}}},
		{TextMessage: models.TextMessage{ID: 2, Direction: "out", Body: "Thanks <b>", Status: models.TextFailed, FailureReason: "Temporary error", SentByUserID: &user, CreatedAt: now}, SentByName: "Avery"},
		{TextMessage: models.TextMessage{ID: 3, Direction: "out", Body: "Hello", Status: models.TextDelivered, CreatedAt: now}},
	}
	return threadData{
		Picker: true, SelectedID: 1, Query: "<Ca>",
		Found: []contacts.Row{{ID: 1, Name: "Casey <Doe>", Phone: "+14155550123"}, {ID: 2, Name: "Robin", Phone: "+14155550124"}},
		Older: more{URL: "/staff/texts/contacts/1/older?before=x", Label: "Show older texts"}, From: "y",
		Contact: &contact, Texts: textViews(rows), Blocked: "Texting is off", Error: "Too long", Body: "draft", Notice: "Queued",
	}
}

// TestStaffLayout renders the texting pages for a firm user: the nav with
// its polled badge shows, and a thread shows its media and retry button.
func TestStaffLayout(t *testing.T) {
	t.Parallel()
	e, err := view.New(templates.FS, view.Funcs)
	require.NoError(t, err)
	sess := &auth.Session{Account: auth.Account{Kind: auth.KindUser, Name: "Avery", FirmName: "Demo", Admin: true}, CSRF: "tok"}
	render := func(name string, data any) string {
		var b bytes.Buffer
		require.NoError(t, e.Render(&b, name, page{Title: "T", CSRF: "tok", Session: sess, Data: data}), name)
		return b.String()
	}
	out := render("staff/texts", sampleTexts)
	assert.Contains(t, out, `href="/staff/texts">Communications`)
	assert.Contains(t, out, `hx-get="/staff/texts/badge"`)
	assert.Contains(t, out, `aria-label="2 unread"`)

	out = render("staff/texts_thread", sampleThread(time.Now()))
	assert.Contains(t, out, `<img src="/staff/texts/media/1"`, "a kept picture shows inline")
	assert.Contains(t, out, `href="/staff/texts/media/2"`, "a kept video is a link")
	assert.NotContains(t, out, `<img src="/staff/texts/media/2"`)
	assert.Contains(t, out, "PDF files can&#39;t be received by text.")
	assert.Contains(t, out, `/staff/texts/2/retry`, "a temporary failure can be retried")
	assert.NotContains(t, out, `/staff/texts/3/retry`)
	assert.Contains(t, out, `data-longpoll`)

	var b bytes.Buffer
	require.NoError(t, e.Render(&b, "staff/texts#badge", page{Data: badgeData{Show: true, Unread: 3}}))
	assert.Contains(t, b.String(), `>3</span>`)
	b.Reset()
	require.NoError(t, e.Render(&b, "staff/texts#badge", page{Data: badgeData{Show: false, Unread: 3}}))
	assert.Empty(t, b.String(), "a user who turned the badge off sees none")

	sess.Kind = auth.KindClient
	assert.NotContains(t, render("staff/texts", sampleTexts), `/staff/texts/badge`, "clients get no staff nav")
}
