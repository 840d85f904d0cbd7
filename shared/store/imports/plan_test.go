package imports_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/contactcsv"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/imports"
)

func row(line int, first, email, phone string) contactcsv.Row {
	in := contacts.Input{Kind: models.ContactPerson, FirstName: first}
	if email != "" {
		in.Emails = []contacts.EmailInput{{Address: email}}
	}
	if phone != "" {
		in.Phones = []contacts.PhoneInput{{Number: phone}}
	}
	return contactcsv.Row{Line: line, Input: in}
}

func TestPlan(t *testing.T) {
	matches := map[string]int64{"ada@x.test": 7, "+14155550101": 8, "+14155550102": 8, "other@x.test": 9}
	rows := []contactcsv.Row{
		row(2, "New", "new@x.test", "(415) 555-0100"),
		row(3, "Ada", "ADA@x.test", ""),               // matched by email, in any case
		row(4, "Bob", "", "415.555.0101"),             // matched by number, in any format
		row(5, "Mixed", "other@x.test", "4155550102"), // two different contacts
		row(6, "Again", "new@x.test", ""),             // repeats row 2
		row(7, "", "nobody@x.test", ""),               // no name
		row(8, "Short", "", "555-01"),                 // not a number
		{Line: 9, Empty: true},                        // left out entirely
		row(10, "Same", "ada@x.test", "+14155550199"), // one match, a new number
	}
	plan := imports.Plan(rows, matches)
	require.Len(t, plan, 8)
	want := []struct {
		line    int
		action  string
		contact int64
		reason  string
	}{
		{2, imports.ActionCreate, 0, ""},
		{3, imports.ActionUpdate, 7, ""},
		{4, imports.ActionUpdate, 8, ""},
		{5, imports.ActionRefuse, 0, "different contacts"},
		{6, imports.ActionRefuse, 0, "new@x.test is also on row 2"},
		{7, imports.ActionRefuse, 0, "name"},
		{8, imports.ActionRefuse, 0, "555-01"},
		{10, imports.ActionRefuse, 0, "also on row 3"},
	}
	for i, w := range want {
		p := plan[i]
		assert.Equal(t, w.line, p.Line)
		assert.Equal(t, w.action, p.Action, "row %d", w.line)
		if w.contact != 0 {
			require.NotNil(t, p.ContactID, "row %d", w.line)
			assert.Equal(t, w.contact, *p.ContactID)
		}
		assert.Contains(t, p.Reason, w.reason, "row %d", w.line)
	}
}
