package store_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

var today = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

func matterIn(clientID int64, desc string) matters.Input {
	return matters.Input{Description: desc, Category: models.StatusOpen, ClientID: clientID, Permission: models.PermissionEveryone}
}

func TestCheckMatter(t *testing.T) {
	with := func(f func(*matters.Input)) matters.Input {
		in := matterIn(1, "Estate of Ada")
		f(&in)
		return in
	}
	for _, tc := range []struct {
		name  string
		in    matters.Input
		field string // "" when valid
	}{
		{"valid", matterIn(1, "Estate of Ada"), ""},
		{"no description", with(func(in *matters.Input) { in.Description = "  " }), "description"},
		{"a long description", with(func(in *matters.Input) { in.Description = string(make([]rune, 501)) }), "description"},
		{"no status category", with(func(in *matters.Input) { in.Category = "" }), "category"},
		{"an unknown category", with(func(in *matters.Input) { in.Category = "archived" }), "category"},
		{"a long stage", with(func(in *matters.Input) { in.Status = string(make([]byte, 51)) }), "status"},
		{"no client", with(func(in *matters.Input) { in.ClientID = 0 }), "client"},
		{"a new client without a name", with(func(in *matters.Input) {
			in.ClientID, in.NewClient = 0, &contacts.Input{Kind: models.ContactPerson}
		}), "new_client.first_name"},
		{"a new client's bad number", with(func(in *matters.Input) {
			in.ClientID, in.NewClient = 0, &contacts.Input{Kind: models.ContactPerson, FirstName: "A", Phones: []contacts.PhoneInput{{Number: "12"}}}
		}), "new_client.phones.0"},
		{"a date that is none", with(func(in *matters.Input) { in.OpenedOn = "12/07/2026" }), "opened_on"},
		{"closed before it opened", with(func(in *matters.Input) {
			in.Category, in.OpenedOn, in.ClosedOn = models.StatusClosed, "2026-05-02", "2026-05-01"
		}), "closed_on"},
		{"a long location", with(func(in *matters.Input) { in.Location = string(make([]byte, 201)) }), "location"},
		{"no permission", with(func(in *matters.Input) { in.Permission = "" }), "permission"},
		{"a projected value with its sign and commas", with(func(in *matters.Input) { in.ProjectedValue = "$25,000.50" }), ""},
		{"a projected value that is none", with(func(in *matters.Input) { in.ProjectedValue = "lots" }), "projected_value"},
		{"a negative projected value", with(func(in *matters.Input) { in.ProjectedValue = "-5" }), "projected_value"},
		{"a projected value too large", with(func(in *matters.Input) { in.ProjectedValue = "1e12" }), "projected_value"},
		{"a hired date that is none", with(func(in *matters.Input) { in.HiredOn = "soon" }), "hired_on"},
		{"a first letter date that is none", with(func(in *matters.Input) { in.FirstLetterOn = "2026-13-01" }), "first_letter_on"},
	} {
		_, bad := matters.Check(tc.in, today)
		if tc.field == "" {
			assert.Empty(t, bad, tc.name)
		} else {
			assert.Contains(t, bad, tc.field, tc.name)
		}
	}
}

func TestFormatMatterNumber(t *testing.T) {
	ada := models.Contact{Kind: models.ContactPerson, FirstName: "Ada", LastName: "O'Lovelace-King"}
	acme := models.Contact{Kind: models.ContactCompany, CompanyName: "Acme Widgets, Inc."}
	for _, tc := range []struct {
		format string
		n      int64
		client models.Contact
		want   string
	}{
		{"{number}-{client}", 42, ada, "00042-O'Lovelace-King"},
		{"{number}-{client}", 7, acme, "00007-Acme"},
		{"{year}/{number}", 123456, ada, "2026/123456"},
		{"{number}-{client}", 1, models.Contact{Kind: models.ContactPerson, FirstName: "Ada"}, "00001-Ada"},
		{"{number}-{client}", 1, models.Contact{Kind: models.ContactPerson, LastName: "!!!"}, "00001"},
		// A long name is cut, never the number.
		{"{client}-{number}", 7, models.Contact{Kind: models.ContactCompany, CompanyName: strings.Repeat("A", 120)}, strings.Repeat("A", 30) + "-00007"},
	} {
		assert.Equal(t, tc.want, matters.FormatNumber(tc.format, tc.n, tc.client, 2026), tc.format)
	}
}

func TestMatterCreateAndEdit(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms := d.s.Matters
	details, err := d.s.Firms.Details(ctx, d.admin)
	require.NoError(t, err)
	details.MatterNumberFormat = "M{number}-{client}"
	require.NoError(t, d.s.Firms.SaveDetails(ctx, d.admin, details))

	in := matterIn(d.client.ID, "Estate of Casey")
	in.ResponsibleUserID, in.OriginatingID, in.PracticeArea, in.Location = d.member.UserID, d.admin.UserID, "Estates", "Main office"
	first, err := ms.Create(ctx, d.member, in, today)
	require.NoError(t, err)
	second, err := ms.Create(ctx, d.member, matterIn(d.client.ID, "Casey's lease"), today)
	require.NoError(t, err)
	assert.Regexp(t, `^M\d{5}-Client$`, first.Number)
	n1, err := strconv.Atoi(first.Number[1:6])
	require.NoError(t, err)
	n2, err := strconv.Atoi(second.Number[1:6])
	require.NoError(t, err)
	assert.Equal(t, n1+1, n2, "numbers follow each other")
	assert.Equal(t, d.member.UserID, *first.CreatedByUserID)
	assert.Equal(t, "2026-12-07", first.OpenedAt.Format("2006-01-02"), "opened today when no date is given")
	assert.Equal(t, "Open", first.Status, "the stage defaults to the category")

	// A new client is made in the same step; a bad one saves nothing.
	bad := matterIn(0, "Lease review")
	bad.NewClient = &contacts.Input{Kind: models.ContactPerson, FirstName: "Grace", Phones: []contacts.PhoneInput{{Number: "nope"}}}
	_, err = ms.Create(ctx, d.member, bad, today)
	var fe store.FieldErrors
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "new_client.phones.0")
	good := bad
	good.NewClient = &contacts.Input{Kind: models.ContactPerson, FirstName: "Grace", LastName: "Hopper",
		Phones: []contacts.PhoneInput{{Number: "(415) 555-0161", Texting: true}}}
	made, err := ms.Create(ctx, d.member, good, today)
	require.NoError(t, err)
	assert.Equal(t, "Grace Hopper", made.ClientName)
	assert.Contains(t, made.Number, "-Hopper")
	found, err := d.s.Contacts.Search(ctx, d.member, "5550161", 5)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, made.ClientContactID, found[0].ID)

	// Picked people must be the firm's.
	stranger := matterIn(d.otherContact.ID, "Not ours")
	stranger.ResponsibleUserID = d.otherFirmAdmin.UserID
	_, err = ms.Create(ctx, d.member, stranger, today)
	require.ErrorAs(t, err, &fe)
	assert.Contains(t, fe, "client")
	assert.Contains(t, fe, "responsible")

	// Editing keeps the number and client, records who changed it, and
	// closing keeps it readable.
	edit, err := ms.InputOf(ctx, d.admin, first)
	require.NoError(t, err)
	assert.Equal(t, "Estates", edit.PracticeArea)
	edit.Category, edit.ClientID = models.StatusClosed, d.related.ID
	edit.ProjectedValue, edit.HiredOn, edit.FirstLetterOn = "$25,000.50", "2026-11-30", "2026-12-01"
	require.NoError(t, ms.Update(ctx, d.admin, first.ID, edit, today))
	got, err := ms.Matter(ctx, d.member, first.ID)
	require.NoError(t, err)
	require.NotNil(t, got.ProjectedValue)
	assert.Equal(t, 25000.5, *got.ProjectedValue)
	require.NotNil(t, got.HiredDate)
	assert.Equal(t, "2026-11-30", got.HiredDate.Format("2006-01-02"))
	again, err := ms.InputOf(ctx, d.admin, got)
	require.NoError(t, err)
	assert.Equal(t, "25000.5", again.ProjectedValue)
	assert.Equal(t, "2026-12-01", again.FirstLetterOn, "the form shows what was saved")
	assert.Equal(t, first.Number, got.Number)
	assert.Equal(t, d.client.ID, got.ClientContactID, "a matter keeps its client")
	assert.Equal(t, models.StatusClosed, got.StatusCategory)
	require.NotNil(t, got.ClosedAt)
	assert.Equal(t, d.admin.UserID, *got.UpdatedByUserID)
	assert.Equal(t, d.member.UserID, *got.CreatedByUserID)

	// Other firms and clients cannot reach it.
	assert.ErrorIs(t, ms.Update(ctx, d.otherFirmAdmin, first.ID, edit, today), store.ErrNotFound)
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	_, err = ms.Create(ctx, client, matterIn(d.client.ID, "Mine"), today)
	assert.Error(t, err)
	assert.Error(t, ms.Update(ctx, client, first.ID, edit, today))
}

func TestMatterPermissions(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms := d.s.Matters
	other := models.User{FirmID: d.firm.ID, Email: "pat@restricted.test", FirstName: "Pat", Role: models.RoleMember, Active: true}
	require.NoError(t, d.db.Create(&other).Error)
	pat := store.Viewer{FirmID: d.firm.ID, UserID: other.ID}
	// Pat's unfiltered counts, by category: the running totals and the
	// restricted matters Pat is listed on.
	counts := func() map[models.StatusCategory]int {
		out := map[models.StatusCategory]int{}
		for _, cat := range []models.StatusCategory{"", models.StatusOpen, models.StatusClosed} {
			n, capped, err := ms.Count(ctx, pat, matters.Filter{Category: cat})
			require.NoError(t, err)
			assert.False(t, capped)
			out[cat] = n
		}
		return out
	}
	plus := func(base map[models.StatusCategory]int, open, closed int) map[models.StatusCategory]int {
		return map[models.StatusCategory]int{"": base[""] + open + closed,
			models.StatusOpen: base[models.StatusOpen] + open, models.StatusClosed: base[models.StatusClosed] + closed}
	}
	before := counts()

	// The creator restricts a matter to nobody else: they and admins keep it.
	in := matterIn(d.client.ID, "Sealed adoption")
	in.Permission = models.PermissionUsers
	m, err := ms.Create(ctx, d.member, in, today)
	require.NoError(t, err)
	for _, v := range []store.Viewer{d.member, d.admin} {
		_, err := ms.Matter(ctx, v, m.ID)
		assert.NoError(t, err)
	}
	_, err = ms.Matter(ctx, pat, m.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	page, err := ms.List(ctx, pat, matters.Filter{Query: "Sealed adoption"}, "")
	require.NoError(t, err)
	assert.Empty(t, page.Items, "nor listed")
	n, _, err := ms.Count(ctx, pat, matters.Filter{Query: "Sealed adoption"})
	require.NoError(t, err)
	assert.Zero(t, n, "nor counted")

	// Listing Pat lets them in from the next request; the admin who
	// saves the list does not drop the creator.
	edit, err := ms.InputOf(ctx, d.admin, m)
	require.NoError(t, err)
	edit.UserIDs = []int64{other.ID}
	require.NoError(t, ms.Update(ctx, d.admin, m.ID, edit, today))
	_, err = ms.Matter(ctx, pat, m.ID)
	assert.NoError(t, err)
	ids, err := ms.Permitted(ctx, d.admin, m.ID)
	require.NoError(t, err)
	assert.Contains(t, ids, other.ID)
	assert.Contains(t, ids, d.member.UserID, "the creator keeps access")
	assert.Equal(t, plus(before, 1, 0), counts(), "Pat counts the matter once listed")

	// Closing it moves it in Pat's counts; opening it to everyone keeps it
	// counted once (the firm's totals, no longer Pat's listing).
	edit.Category = models.StatusClosed
	require.NoError(t, ms.Update(ctx, d.admin, m.ID, edit, today))
	assert.Equal(t, plus(before, 0, 1), counts())
	edit.Permission = models.PermissionEveryone
	require.NoError(t, ms.Update(ctx, d.admin, m.ID, edit, today))
	assert.Equal(t, plus(before, 0, 1), counts())
	edit.Permission, edit.Category = models.PermissionUsers, models.StatusOpen
	require.NoError(t, ms.Update(ctx, d.admin, m.ID, edit, today))
	assert.Equal(t, plus(before, 1, 0), counts())
	// A listing left behind on a matter opened to everyone (another writer)
	// is not counted twice.
	require.NoError(t, d.db.Exec(`UPDATE matters SET permission = 'everyone' WHERE id = ?`, m.ID).Error)
	assert.Equal(t, plus(before, 1, 0), counts())
	require.NoError(t, d.db.Exec(`UPDATE matters SET permission = 'users' WHERE id = ?`, m.ID).Error)
	assert.Equal(t, plus(before, 1, 0), counts())

	// Pat cannot edit what they cannot see, once taken off again.
	edit.UserIDs = nil
	require.NoError(t, ms.Update(ctx, d.member, m.ID, edit, today))
	assert.ErrorIs(t, ms.Update(ctx, pat, m.ID, edit, today), store.ErrNotFound)
	assert.ErrorIs(t, ms.Relate(ctx, pat, m.ID, d.related.ID, "Spouse"), store.ErrNotFound)
	assert.Equal(t, before, counts(), "nor counts it")
}

func TestMatterFiltersAndRelatedContacts(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms := d.s.Matters
	require.NoError(t, ms.AddPracticeArea(ctx, d.admin, "Family"))
	assert.ErrorIs(t, ms.AddPracticeArea(ctx, d.admin, "family"), matters.ErrAreaExists)
	mk := func(desc string, f func(*matters.Input)) matters.Row {
		in := matterIn(d.related.ID, desc)
		f(&in)
		m, err := ms.Create(ctx, d.admin, in, today)
		require.NoError(t, err)
		return m
	}
	family := mk("Custody of the twins", func(in *matters.Input) { in.PracticeArea = "Family" })
	mine := mk("Member's own", func(in *matters.Input) { in.OriginatingID = d.member.UserID })
	pending := mk("Waiting on the court", func(in *matters.Input) { in.Category = models.StatusPending })

	ids := func(f matters.Filter) []int64 {
		page, err := ms.List(ctx, d.member, f, "")
		require.NoError(t, err)
		var out []int64
		for _, m := range page.Items {
			out = append(out, m.ID)
		}
		n, _, err := ms.Count(ctx, d.member, f)
		require.NoError(t, err)
		assert.Equal(t, len(out), n, "the count agrees with the list for %+v", f)
		return out
	}
	assert.Equal(t, []int64{family.ID}, ids(matters.Filter{PracticeArea: "Family"}))
	assert.Contains(t, ids(matters.Filter{Mine: true}), mine.ID)
	assert.NotContains(t, ids(matters.Filter{Mine: true}), family.ID)
	assert.Equal(t, []int64{pending.ID}, ids(matters.Filter{Category: models.StatusPending}))
	assert.ElementsMatch(t, []int64{family.ID, mine.ID, pending.ID}, ids(matters.Filter{ClientID: d.related.ID}))
	assert.Equal(t, []int64{family.ID}, ids(matters.Filter{Query: "twins"}))
	assert.Equal(t, []int64{family.ID}, ids(matters.Filter{Query: family.Number}))
	assert.NotContains(t, ids(matters.Filter{Category: models.StatusOpen}), pending.ID)

	// Related contacts: added with a role, once; never the client.
	require.NoError(t, ms.Relate(ctx, d.member, family.ID, d.client.ID, " Opposing   party "))
	assert.ErrorIs(t, ms.Relate(ctx, d.member, family.ID, d.client.ID, "Witness"), matters.ErrAlreadyRelated)
	var fe store.FieldErrors
	require.ErrorAs(t, ms.Relate(ctx, d.member, family.ID, d.related.ID, "Self"), &fe)
	assert.Contains(t, fe, "contact")
	require.ErrorAs(t, ms.Relate(ctx, d.member, family.ID, d.client.ID, ""), &fe)
	assert.Contains(t, fe, "role")
	assert.ErrorIs(t, ms.Relate(ctx, d.member, family.ID, d.otherContact.ID, "Spy"), store.ErrNotFound)
	assert.ErrorIs(t, ms.Relate(ctx, d.otherFirmAdmin, family.ID, d.otherContact.ID, "Spy"), store.ErrNotFound)
	people, err := ms.RelatedContacts(ctx, d.member, family)
	require.NoError(t, err)
	require.Len(t, people, 1)
	assert.Equal(t, "Opposing party", people[0].Role)
	got, err := ms.Matter(ctx, d.admin, family.ID)
	require.NoError(t, err)
	assert.Equal(t, d.member.UserID, *got.UpdatedByUserID, "relating records who changed the matter")
	require.NoError(t, ms.Unrelate(ctx, d.member, family.ID, d.client.ID))
	assert.ErrorIs(t, ms.Unrelate(ctx, d.member, family.ID, d.client.ID), store.ErrNotFound)
}

// A search's matters are paged from the IDs it found: open ones first,
// newest activity first, each once.
func TestMatterSearchPages(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms := d.s.Matters
	want := map[int64]bool{}
	for i := range 70 {
		in := matterIn(d.related.ID, fmt.Sprintf("Paging probe %d", i))
		if i%3 == 0 {
			in.Category = models.StatusClosed
		}
		m, err := ms.Create(ctx, d.admin, in, today)
		require.NoError(t, err)
		want[m.ID] = true
	}
	var got []matters.ListRow
	after := ""
	for {
		page, n, capped, err := ms.ListCounted(ctx, d.member, matters.Filter{Query: "paging probe"}, after, true)
		require.NoError(t, err)
		assert.Equal(t, 70, n)
		assert.False(t, capped)
		got = append(got, page.Items...)
		if after = page.Next; after == "" {
			break
		}
	}
	require.Len(t, got, 70)
	seen := map[int64]bool{}
	for i, m := range got {
		assert.True(t, want[m.ID] && !seen[m.ID], "each found matter once")
		seen[m.ID] = true
		if i > 0 {
			prev := got[i-1]
			pc, mc := prev.StatusCategory == models.StatusClosed, m.StatusCategory == models.StatusClosed
			assert.True(t, !pc && mc || pc == mc && (prev.UpdatedAt.After(m.UpdatedAt) || prev.UpdatedAt.Equal(m.UpdatedAt) && prev.ID > m.ID),
				"open first, then newest first")
		}
	}
}

// Two people closing and reopening matters at once keep the firm's totals
// right, and neither save deadlocks the other.
func TestMatterTotalsUnderConcurrentSaves(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms := d.s.Matters
	var ids [2]int64
	for i := range ids {
		in := matterIn(d.related.ID, fmt.Sprintf("Racing %d", i))
		if i == 1 {
			in.Category = models.StatusClosed
		}
		m, err := ms.Create(ctx, d.admin, in, today)
		require.NoError(t, err)
		ids[i] = m.ID
	}
	errs := make(chan error, 2)
	for w, id := range ids {
		go func() {
			m, err := ms.Matter(ctx, d.admin, id)
			if err != nil {
				errs <- err
				return
			}
			in, err := ms.InputOf(ctx, d.admin, m)
			if err != nil {
				errs <- err
				return
			}
			for i := range 30 {
				// The two move between open and closed in opposite directions.
				if (i+w)%2 == 0 {
					in.Category, in.ClosedOn = models.StatusClosed, ""
				} else {
					in.Category, in.ClosedOn = models.StatusOpen, ""
				}
				if err := ms.Update(ctx, d.admin, id, in, today); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range ids {
		require.NoError(t, <-errs)
	}
	for _, cat := range []models.StatusCategory{models.StatusOpen, models.StatusClosed} {
		var want int64
		require.NoError(t, d.db.Model(&models.Matter{}).Where("firm_id = ? AND status_category = ?", d.firm.ID, cat).Count(&want).Error)
		got, _, err := ms.Count(ctx, d.admin, matters.Filter{Category: cat})
		require.NoError(t, err)
		assert.Equal(t, int(want), got, "the %s total", cat)
	}
}

// A matter search finds a matter by its client's name from the terms of
// contacts on some matter only: a contact's terms follow its first matter,
// a rename, and the matter moving to another client. (First names: the
// matter's number carries the client's last name.)
func TestMatterSearchByClientName(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	ms, cs := d.s.Matters, d.s.Contacts
	found := func(q string) []int64 {
		t.Helper()
		page, n, _, err := ms.ListCounted(ctx, d.member, matters.Filter{Query: q}, "", true)
		require.NoError(t, err)
		var out []int64
		for _, m := range page.Items {
			out = append(out, m.ID)
		}
		assert.Len(t, out, n, "the count agrees with the list for %q", q)
		return out
	}
	first, _, err := cs.Create(ctx, d.member, person("Quentin", "Zabriskie"), false)
	require.NoError(t, err)
	second, _, err := cs.Create(ctx, d.member, person("Yolanda", "Xerxes"), false)
	require.NoError(t, err)
	assert.Empty(t, found("quentin"))

	m, err := ms.Create(ctx, d.member, matterIn(first.ID, "Water rights"), today)
	require.NoError(t, err)
	assert.Equal(t, []int64{m.ID}, found("quentin"), "found once the contact is a client")
	assert.Equal(t, []int64{m.ID}, found("quen zab"), "every word")
	assert.Equal(t, []int64{m.ID}, found("qu"), "a short word: the start of the name")

	// A rename rewrites the contact's terms, still as a client's.
	_, err = cs.Update(ctx, d.member, first.ID, person("Ulysses", "Zabriskie"), false)
	require.NoError(t, err)
	assert.Empty(t, found("quentin"))
	assert.Equal(t, []int64{m.ID}, found("ulysses"))

	// The matter moves to another client (its only one): the first is on
	// no matter any more.
	require.NoError(t, d.db.Model(&models.Matter{}).Where("id = ?", m.ID).Update("client_contact_id", second.ID).Error)
	assert.Empty(t, found("ulysses"))
	assert.Equal(t, []int64{m.ID}, found("yolanda"))
	var flagged int64
	require.NoError(t, d.db.Raw(`SELECT count(*) FROM contact_terms WHERE contact_id = ? AND on_matter`, first.ID).Scan(&flagged).Error)
	assert.Zero(t, flagged, "the first contact's terms are no client's")
}
