package web

import (
	"html"
	"html/template"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/shared/phone"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

// The staff contact and matter lists write their rows in Go, escaped with
// html.EscapeString, as the client's matter page does (see clientPage):
// html/template's reflective call for every field and escaper was about
// half of the portal's CPU on a page of 50 rows. The markup is what the
// templates wrote before.

// contactRows is one <tr> per contact of the staff contact list.
func contactRows(rows []contacts.Row) template.HTML {
	var b strings.Builder
	b.Grow(300 * len(rows))
	for _, c := range rows {
		b.WriteString(`<tr><td><a href="/staff/contacts/`)
		b.WriteString(strconv.FormatInt(c.ID, 10))
		b.WriteString(`"><strong>`)
		b.WriteString(html.EscapeString(c.Name))
		b.WriteString(`</strong></a></td><td>`)
		if c.Email != "" {
			b.WriteString(html.EscapeString(c.Email))
		} else {
			b.WriteString(`<span class="muted">No email</span>`)
		}
		b.WriteString(`</td><td>`)
		if c.Phone != "" {
			b.WriteString(html.EscapeString(phone.Display(c.Phone, "")))
		} else {
			b.WriteString(`<span class="muted">No phone</span>`)
		}
		b.WriteString(`</td><td>`)
		if c.Matters == 1 {
			b.WriteString(`1 matter`)
		} else {
			b.WriteString(strconv.Itoa(c.Matters))
			b.WriteString(` matters`)
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}

// matterRows is one <tr> per matter of the staff matter list, with the
// matter's unread client messages.
func matterRows(rows []matters.ListRow) template.HTML {
	var b strings.Builder
	b.Grow(350 * len(rows))
	for _, m := range rows {
		b.WriteString(`<tr><td><a href="/staff/matters/`)
		b.WriteString(strconv.FormatInt(m.ID, 10))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(m.Number))
		b.WriteString(` · `)
		b.WriteString(html.EscapeString(m.Description))
		b.WriteString(`</a>`)
		if m.PracticeArea != "" {
			b.WriteString(` <span class="muted">`)
			b.WriteString(html.EscapeString(m.PracticeArea))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(m.ClientName))
		b.WriteString(`</td><td>`)
		b.WriteString(html.EscapeString(m.Status))
		b.WriteString(`</td><td>`)
		if n := m.Unread; n > 0 {
			b.WriteString(`<span class="badge">`)
			b.WriteString(strconv.Itoa(n))
			b.WriteString(`</span>`)
		}
		b.WriteString("</td></tr>\n")
	}
	return template.HTML(b.String())
}
