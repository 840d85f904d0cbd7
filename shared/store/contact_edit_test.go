package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

func person(first, last string) contacts.Input {
	return contacts.Input{Kind: models.ContactPerson, FirstName: first, LastName: last}
}

func TestCheckContact(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    contacts.Input
		field string // "" when valid
	}{
		{"a person with a last name only", person("", "Lovelace"), ""},
		{"a person without a name", person(" ", ""), "first_name"},
		{"a company without a name", contacts.Input{Kind: models.ContactCompany, FirstName: "Ada"}, "company_name"},
		{"no kind", contacts.Input{FirstName: "Ada"}, "kind"},
		{"a long first name", person(string(make([]byte, 101)), ""), "first_name"},
		{"a bad email", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Emails: []contacts.EmailInput{{Address: "ok@x.test"}, {Address: "nope"}}}, "emails.1"},
		{"an email twice", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Emails: []contacts.EmailInput{{Address: "a@x.test"}, {Address: "A@X.test"}}}, "emails.1"},
		{"a number without area code", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Phones: []contacts.PhoneInput{{Number: "555-0123"}}}, "phones.0"},
		{"a number twice", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Phones: []contacts.PhoneInput{{Number: "(415) 555-0123"}, {Number: "+14155550123"}}}, "phones.1"},
		{"two texting numbers", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Phones: []contacts.PhoneInput{{Number: "(415) 555-0123", Texting: true}, {Number: "(415) 555-0124", Texting: true}}}, "phones"},
		{"blank rows are dropped", contacts.Input{Kind: models.ContactPerson, FirstName: "A", Emails: []contacts.EmailInput{{Address: " "}},
			Phones: []contacts.PhoneInput{{}}, Addresses: []contacts.AddressInput{{Label: "home"}}}, ""},
	} {
		_, bad := contacts.Check(tc.in)
		if tc.field == "" {
			assert.Empty(t, bad, tc.name)
		} else {
			assert.Contains(t, bad, tc.field, tc.name)
		}
	}
	out, bad := contacts.Check(contacts.Input{Kind: models.ContactPerson, FirstName: "  Ada  King ", Emails: []contacts.EmailInput{{Address: " Ada@X.test "}, {Address: ""}, {Address: "b@x.test"}},
		Phones: []contacts.PhoneInput{{Number: "(415) 555-0123", Label: " "}, {Number: "415.555.0124", Primary: true}}})
	require.Empty(t, bad)
	assert.Equal(t, "Ada King", out.FirstName)
	require.Len(t, out.Emails, 2)
	assert.Equal(t, contacts.EmailInput{Address: "ada@x.test", Label: "work", Primary: true}, out.Emails[0], "the first email is primary when none is")
	assert.Equal(t, "+14155550123", out.Phones[0].Number)
	assert.Equal(t, "mobile", out.Phones[0].Label)
	assert.False(t, out.Phones[0].Primary)
	assert.True(t, out.Phones[1].Primary, "the one marked stays primary")
}

func TestContactCreateUpdateAndDuplicates(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	cs := d.s.Contacts
	in := contacts.Input{Kind: models.ContactPerson, FirstName: "Ada", MiddleName: "King", LastName: "Lovelace", Title: "Countess",
		Emails: []contacts.EmailInput{{Address: "Ada@Example.test"}},
		Phones: []contacts.PhoneInput{{Number: "(415) 555-0150", Texting: true}}}
	c, dups, err := cs.Create(ctx, d.member, in, false)
	require.NoError(t, err)
	assert.Empty(t, dups)
	got, err := cs.Contact(ctx, d.member, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ada King Lovelace", got.FullName())
	assert.Equal(t, "Countess", got.Title)
	assert.Equal(t, d.member.UserID, *got.CreatedByUserID)
	require.Len(t, got.PhoneNumbers, 1)
	assert.Equal(t, "+14155550150", got.PhoneNumbers[0].Number)
	assert.True(t, got.PhoneNumbers[0].IsTexting)
	assert.True(t, got.PhoneNumbers[0].IsPrimary)
	found, err := cs.Search(ctx, d.member, "5550150", 5)
	require.NoError(t, err)
	require.Len(t, found, 1, "searchable at once")

	// The same email on a new contact is held back until forced.
	again := person("Ada", "Twin")
	again.Emails = []contacts.EmailInput{{Address: "ada@example.test"}}
	_, dups, err = cs.Create(ctx, d.member, again, false)
	assert.ErrorIs(t, err, contacts.ErrDuplicates)
	require.Len(t, dups, 1)
	assert.Equal(t, c.ID, dups[0].ContactID)
	assert.Equal(t, "ada@example.test", dups[0].Same)
	twin, _, err := cs.Create(ctx, d.member, again, true)
	require.NoError(t, err)

	// An update replaces the rows, keeps the creator and records the editor.
	in.Emails = []contacts.EmailInput{{Address: "countess@example.test", Label: "home"}}
	in.Phones = append(in.Phones, contacts.PhoneInput{Number: "+44 20 7946 0958", Label: "London"})
	dups, err = cs.Update(ctx, d.admin, c.ID, in, false)
	require.NoError(t, err)
	assert.Empty(t, dups, "its own email is no duplicate")
	got, err = cs.Contact(ctx, d.member, c.ID)
	require.NoError(t, err)
	require.Len(t, got.Emails, 1)
	assert.Equal(t, "countess@example.test", got.Emails[0].Address)
	assert.Len(t, got.PhoneNumbers, 2)
	assert.Equal(t, d.member.UserID, *got.CreatedByUserID)
	assert.Equal(t, d.admin.UserID, *got.UpdatedByUserID)
	found, err = cs.Search(ctx, d.member, "ada@example", 5)
	require.NoError(t, err)
	require.Len(t, found, 1, "the old address finds only the twin now")
	assert.Equal(t, twin.ID, found[0].ID)

	var bad store.FieldErrors
	_, err = cs.Update(ctx, d.admin, c.ID, person("", ""), false)
	require.ErrorAs(t, err, &bad)
	_, err = cs.Update(ctx, d.otherFirmAdmin, c.ID, in, false)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = cs.Create(ctx, store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, in, true)
	assert.ErrorIs(t, err, store.ErrNotFound, "clients make no contacts")
}

func TestContactDeleteOrArchive(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	cs := d.s.Contacts

	u, err := cs.Usage(ctx, d.member, d.client.ID)
	require.NoError(t, err)
	assert.True(t, u.InUse())
	assert.Positive(t, u.Matters)
	assert.ErrorIs(t, cs.Delete(ctx, d.member, d.client.ID), contacts.ErrInUse)

	require.NoError(t, cs.Archive(ctx, d.member, d.client.ID, true))
	n, _, err := cs.Count(ctx, d.member, contacts.Filter{})
	require.NoError(t, err)
	names := func(q string) []string {
		p, err := cs.List(ctx, d.member, contacts.Filter{Query: q}, "")
		require.NoError(t, err)
		var out []string
		for _, r := range p.Items {
			out = append(out, r.Name)
		}
		return out
	}
	assert.NotContains(t, names(""), "Casey Client", "archived: out of the list")
	assert.Empty(t, names("casey"), "and out of searches")
	assert.Empty(t, names("ca"))
	m, err := d.s.Matters.List(ctx, d.member, matters.Filter{Query: "casey"}, "")
	require.NoError(t, err)
	assert.NotEmpty(t, m.Items, "a matter search still finds an archived client")
	_, err = cs.Contact(ctx, d.member, d.client.ID)
	assert.NoError(t, err, "kept everywhere it appears")
	require.NoError(t, cs.Archive(ctx, d.member, d.client.ID, false))
	n2, _, err := cs.Count(ctx, d.member, contacts.Filter{})
	require.NoError(t, err)
	assert.Equal(t, n+1, n2, "the count follows")
	assert.Contains(t, names("casey"), "Casey Client")

	lone, _, err := cs.Create(ctx, d.member, person("Lone", "Contact"), false)
	require.NoError(t, err)
	require.NoError(t, cs.Relate(ctx, d.member, lone.ID, d.client.ID, "neighbour"))
	u, err = cs.Usage(ctx, d.member, lone.ID)
	require.NoError(t, err)
	assert.False(t, u.InUse(), "a relationship does not keep a contact")
	assert.ErrorIs(t, cs.Delete(ctx, d.otherFirmAdmin, lone.ID), store.ErrNotFound)
	require.NoError(t, cs.Delete(ctx, d.member, lone.ID))
	_, err = cs.Contact(ctx, d.member, lone.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	var terms int64
	require.NoError(t, d.db.Raw(`SELECT count(*) FROM contact_terms WHERE contact_id = ?`, lone.ID).Scan(&terms).Error)
	assert.Zero(t, terms, "its search terms went with it")
	rels, err := cs.Relationships(ctx, d.member, d.client.ID)
	require.NoError(t, err)
	assert.Empty(t, rels, "its relationships went with it")
}

func TestContactRelationshipsBothWays(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	cs := d.s.Contacts
	require.NoError(t, cs.Relate(ctx, d.member, d.client.ID, d.related.ID, " spouse "))
	assert.ErrorIs(t, cs.Relate(ctx, d.member, d.related.ID, d.client.ID, "spouse"), contacts.ErrRelated, "one link per pair, either way")
	var bad store.FieldErrors
	assert.ErrorAs(t, cs.Relate(ctx, d.member, d.client.ID, d.client.ID, "self"), &bad)
	assert.ErrorAs(t, cs.Relate(ctx, d.member, d.client.ID, d.related.ID, ""), &bad)
	assert.ErrorIs(t, cs.Relate(ctx, d.member, d.client.ID, d.otherContact.ID, "x"), store.ErrNotFound, "another firm's contact")

	for _, side := range []struct{ id, other int64 }{{d.client.ID, d.related.ID}, {d.related.ID, d.client.ID}} {
		rels, err := cs.Relationships(ctx, d.member, side.id)
		require.NoError(t, err)
		require.Len(t, rels, 1)
		assert.Equal(t, side.other, rels[0].ContactID)
		assert.Equal(t, "spouse", rels[0].Label)
	}
	rels, _ := cs.Relationships(ctx, d.member, d.related.ID)
	assert.ErrorIs(t, cs.Unrelate(ctx, d.otherFirmAdmin, d.related.ID, rels[0].ID), store.ErrNotFound)
	require.NoError(t, cs.Unrelate(ctx, d.member, d.related.ID, rels[0].ID))
	rels, _ = cs.Relationships(ctx, d.member, d.client.ID)
	assert.Empty(t, rels)
}

func TestContactCountAndKind(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	cs := d.s.Contacts
	people, _, err := cs.Count(ctx, d.member, contacts.Filter{Kind: models.ContactPerson})
	require.NoError(t, err)
	_, _, err = cs.Create(ctx, d.member, contacts.Input{Kind: models.ContactCompany, CompanyName: "Analytical Engines Ltd"}, false)
	require.NoError(t, err)
	companies, _, err := cs.Count(ctx, d.member, contacts.Filter{Kind: models.ContactCompany})
	require.NoError(t, err)
	assert.Equal(t, 1, companies)
	all, capped, err := cs.Count(ctx, d.member, contacts.Filter{})
	require.NoError(t, err)
	assert.False(t, capped)
	assert.Equal(t, people+1, all)
	p, err := cs.List(ctx, d.member, contacts.Filter{Kind: models.ContactCompany}, "")
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	p, err = cs.List(ctx, d.member, contacts.Filter{Kind: models.ContactPerson, Query: "analytical"}, "")
	require.NoError(t, err)
	assert.Empty(t, p.Items, "a search keeps the kind")
	n, _, err := cs.Count(ctx, d.member, contacts.Filter{Query: "engines"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	// A search counts its matches up to 100, then says "more than".
	many := make([]models.Contact, 101)
	for i := range many {
		many[i] = models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: fmt.Sprintf("Quill%03d", i), LastName: "Quillon"}
	}
	require.NoError(t, d.db.Create(&many).Error)
	for q, want := range map[string]struct {
		n      int
		capped bool
	}{
		"quil":     {100, true}, // a short word, read in name order
		"quillon":  {100, true}, // a longer one, read as a range
		"quill00":  {10, false},
		"quill100": {1, false},
	} {
		n, capped, err := cs.Count(ctx, d.member, contacts.Filter{Query: q})
		require.NoError(t, err)
		assert.Equal(t, want.n, n, q)
		assert.Equal(t, want.capped, capped, q)
	}
	first, err := cs.List(ctx, d.member, contacts.Filter{Query: "quil"}, "")
	require.NoError(t, err)
	assert.Len(t, first.Items, store.PageSize, "the list pages on past the count")
}

// A contact's record (the REST API's) reads its emails, numbers and
// addresses from the contact's row: they follow every save, and a change
// to the child rows made by any writer.
func TestContactRecordFollowsChildren(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	cs := d.s.Contacts
	in := person("Grace", "Hopper")
	in.Emails = []contacts.EmailInput{{Address: "grace@navy.test"}, {Address: "hopper@yale.test", Primary: true}}
	in.Phones = []contacts.PhoneInput{{Number: "+1 415 555 0161", Label: "work"}, {Number: "+1 415 555 0162", Texting: true}}
	in.Addresses = []contacts.AddressInput{{Street: "1 Navy Way", City: "Arlington", Province: "VA", PostalCode: "22201", Country: "US"}}
	c, _, err := cs.Create(ctx, d.member, in, false)
	require.NoError(t, err)
	record := func() contacts.Record {
		r, err := cs.Record(ctx, d.member, c.ID)
		require.NoError(t, err)
		return r
	}
	r := record()
	assert.Equal(t, []string{"hopper@yale.test", "grace@navy.test"}, r.EmailAddresses, "primary first")
	assert.Equal(t, []string{"+14155550162", "+14155550161"}, r.Numbers, "texting first")
	assert.Equal(t, []contacts.Address{{Street: "1 Navy Way", City: "Arlington", Province: "VA", PostalCode: "22201", Country: "US"}},
		r.PostalAddresses)

	// A save replaces them.
	in.Emails = []contacts.EmailInput{{Address: "grace@navy.test", Primary: true}}
	in.Phones = []contacts.PhoneInput{{Number: "+1 415 555 0161", Texting: true}}
	in.Addresses = append(in.Addresses, contacts.AddressInput{Street: "2 Yale Ave", City: "New Haven", Country: "US"})
	_, err = cs.Update(ctx, d.member, c.ID, in, false)
	require.NoError(t, err)
	r = record()
	assert.Equal(t, []string{"grace@navy.test"}, r.EmailAddresses)
	assert.Equal(t, []string{"+14155550161"}, r.Numbers)
	require.Len(t, r.PostalAddresses, 2)
	assert.Equal(t, "New Haven", r.PostalAddresses[1].City, "oldest first")

	// Rows changed underneath (an import, a script) are followed too.
	require.NoError(t, d.db.Exec(`DELETE FROM contact_addresses WHERE contact_id = ? AND city = 'Arlington'`, c.ID).Error)
	require.NoError(t, d.db.Exec(`UPDATE contact_emails SET address = 'amazing@grace.test' WHERE contact_id = ?`, c.ID).Error)
	require.NoError(t, d.db.Exec(`DELETE FROM contact_phone_numbers WHERE contact_id = ?`, c.ID).Error)
	r = record()
	assert.Equal(t, []string{"amazing@grace.test"}, r.EmailAddresses)
	assert.Empty(t, r.Numbers)
	require.Len(t, r.PostalAddresses, 1)
	assert.Equal(t, "New Haven", r.PostalAddresses[0].City)
	row, err := cs.Contact(ctx, d.member, c.ID)
	require.NoError(t, err)
	list, err := cs.Search(ctx, d.member, "amazing", 5)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, row.Emails[0].Address, list[0].Email, "the list's email follows as well")
	assert.Empty(t, list[0].Phone)

	// Read together with other contacts, each keeps its own.
	both, err := cs.ByIDs(ctx, d.member, []int64{d.client.ID, c.ID})
	require.NoError(t, err)
	require.Len(t, both, 2)
	assert.Equal(t, []string{"amazing@grace.test"}, both[1].EmailAddresses)
	assert.NotEqual(t, both[1].EmailAddresses, both[0].EmailAddresses)
}
