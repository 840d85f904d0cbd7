package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
)

// The client's lists are written in Go, not by html/template: every field a
// firm or client typed must still come out escaped.
func TestClientRowsEscapeAndMark(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 15, 5, 0, 0, time.UTC)
	contact, user := int64(9), int64(4)
	docs := clientDocItems([]documents.DocumentRow{
		{Document: models.Document{ID: 11, Name: `<b>"Bill" & 'co'.pdf`, SizeBytes: 1234}, FolderName: "<Medical>"},
		{Document: models.Document{ID: 12, Name: "photo.png", SizeBytes: 10, UploadedByContactID: &contact}},
		{Document: models.Document{ID: 13, Name: "seen.pdf", SizeBytes: 10, FirstViewedByClientAt: &now}},
	})
	assert.Equal(t, `<li><a href="/portal/documents/11/view">&lt;b&gt;&#34;Bill&#34; &amp; &#39;co&#39;.pdf</a>`+
		` <span class="badge">New</span> <span class="muted">&lt;Medical&gt; · 1.2 kB</span></li>`+"\n"+
		`<li><a href="/portal/documents/12/view">photo.png</a> <span class="muted">10 B · sent by you</span></li>`+"\n"+
		`<li><a href="/portal/documents/13/view">seen.pdf</a> <span class="muted">10 B</span></li>`+"\n",
		string(docs))

	msgs := clientMsgItems([]portal.MessageRow{
		{PortalMessage: models.PortalMessage{AuthorUserID: &user, Body: "<script>alert(1)</script>", CreatedAt: now}, AuthorName: "Avery <Esq>", New: true},
		{PortalMessage: models.PortalMessage{AuthorContactID: &contact, Body: "Thanks\nCasey", CreatedAt: now}, AuthorName: "Casey"},
	})
	assert.Equal(t, `<li class="theirs"><p class="meta">Avery &lt;Esq&gt; · Mar 4, 3:05 PM <span class="badge">New</span></p>`+
		`<p class="body">&lt;script&gt;alert(1)&lt;/script&gt;</p></li>`+"\n"+
		`<li class="mine"><p class="meta">You · Mar 4, 3:05 PM</p><p class="body">Thanks`+"\n"+`Casey</p></li>`+"\n",
		string(msgs))

	assert.Empty(t, clientDocItems(nil), "an empty list leaves the template its \"none yet\" line")
}

// The staff lists' rows, written in Go, escape what the firm typed and
// write what the templates did.
func TestStaffListRows(t *testing.T) {
	t.Parallel()
	rows := contactRows([]contacts.Row{
		{ID: 1, Name: `<b>"Ann" & 'co'</b>`, Email: "a<b>@example.com", Phone: "+14155550123", Matters: 1},
		{ID: 2, Name: "Bo", Matters: 3},
	})
	assert.Equal(t, `<tr><td><a href="/staff/contacts/1"><strong>&lt;b&gt;&#34;Ann&#34; &amp; &#39;co&#39;&lt;/b&gt;</strong></a></td>`+
		`<td>a&lt;b&gt;@example.com</td><td>(415) 555-0123</td><td>1 matter</td></tr>`+"\n"+
		`<tr><td><a href="/staff/contacts/2"><strong>Bo</strong></a></td><td><span class="muted">No email</span></td>`+
		`<td><span class="muted">No phone</span></td><td>3 matters</td></tr>`+"\n", string(rows))

	m := matters.ListRow{ID: 7, Number: "00007-<Doe>", Description: "Estate & <co>", PracticeArea: "<Estates>", Status: "Open",
		ClientName: "Robin <Doe>", Unread: 2}
	assert.Equal(t, `<tr><td><a href="/staff/matters/7">00007-&lt;Doe&gt; · Estate &amp; &lt;co&gt;</a> <span class="muted">&lt;Estates&gt;</span></td>`+
		`<td>Robin &lt;Doe&gt;</td><td>Open</td><td><span class="badge">2</span></td></tr>`+"\n",
		string(matterRows([]matters.ListRow{m})))
	m.PracticeArea, m.Unread = "", 0
	assert.Equal(t, `<tr><td><a href="/staff/matters/7">00007-&lt;Doe&gt; · Estate &amp; &lt;co&gt;</a></td>`+
		`<td>Robin &lt;Doe&gt;</td><td>Open</td><td></td></tr>`+"\n", string(matterRows([]matters.ListRow{m})))
	assert.Empty(t, contactRows(nil), "an empty list leaves the template its \"none yet\" line")
}
