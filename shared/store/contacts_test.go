package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/texting"
)

// secretMatter adds Sam, the client of a matter only listed users may see,
// with Casey related to it as a witness.
func (d demo) secretMatter(t *testing.T) models.Contact {
	t.Helper()
	sam := models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: "Sam", LastName: "Secret",
		Emails:       []models.ContactEmail{{FirmID: d.firm.ID, Address: "sam@secret.test", IsPrimary: true}},
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: d.firm.ID, Number: "+14155550150", Label: "mobile"}}}
	require.NoError(t, d.db.Create(&sam).Error)
	m := models.Matter{FirmID: d.firm.ID, Number: "S-1", Description: "Secret", Status: "Open", StatusCategory: models.StatusOpen, ClientContactID: sam.ID, Permission: models.PermissionUsers}
	require.NoError(t, d.db.Create(&m).Error)
	require.NoError(t, d.db.Create(&models.MatterRelatedContact{FirmID: d.firm.ID, MatterID: m.ID, ContactID: d.client.ID, Relationship: "Witness"}).Error)
	return sam
}

func names(rows []contacts.Row) map[string]int {
	out := map[string]int{}
	for _, r := range rows {
		out[r.Name] = r.Matters
	}
	return out
}

func TestContactsListAndSearch(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	d.secretMatter(t)
	ctx := context.Background()

	rows, err := listContacts(d, ctx, d.member, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"Casey Client": 1, "Robin Related": 1, "Sam Secret": 0}, names(rows),
		"every contact of the firm, counting only the matters the member may see")
	rows, err = listContacts(d, ctx, d.admin, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"Casey Client": 2, "Robin Related": 1, "Sam Secret": 1}, names(rows))
	assert.Equal(t, "client@demo.parley.test", rows[0].Email)
	assert.Equal(t, "+14155550123", rows[0].Phone)

	for q, want := range map[string][]string{
		"robin":          {"Robin Related"},
		"  CASEY client": {"Casey Client"},
		"SECRET.test":    {"Sam Secret"},
		"@secret.test":   {"Sam Secret"},
		"sam@sec":        {"Sam Secret"},
		"secret sam":     {"Sam Secret"}, // words in any order
		"cas cli":        {"Casey Client"},
		"casey robin":    nil,               // every word must match
		"asey":           nil,               // words are found by their start
		"ro":             {"Robin Related"}, // one or two letters: the start of the name
		"S":              {"Sam Secret"},
		"(415) 555-0124": {"Robin Related"},
		"0150":           {"Sam Secret"},
		"%":              nil, // literal, not a wildcard
		"12":             nil, // too few digits to search numbers by
		"nobody":         nil,
		"0177":           nil, // another firm's number
	} {
		rows, err := listContacts(d, ctx, d.member, q)
		require.NoError(t, err, q)
		var got []string
		for _, r := range rows {
			got = append(got, r.Name)
		}
		assert.Equal(t, want, got, "search %q", q)
	}

	rows, err = listContacts(d, ctx, d.otherFirmAdmin, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"Cy": 0}, names(rows), "another firm's contacts only")
	_, err = d.s.Contacts.List(ctx, store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, contacts.Filter{}, "")
	assert.ErrorIs(t, err, db.ErrNotFound, "clients list no contacts")
}

func TestContactPage(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	sam := d.secretMatter(t)
	ctx := context.Background()

	p, err := d.s.Pages.Contact(ctx, d.member, d.client.ID)
	require.NoError(t, err)
	require.Len(t, p.Matters, 1, "the restricted matter is left out for the member")
	assert.Equal(t, "Client", p.Matters[0].Role)
	require.Len(t, p.Threads, 2)
	assert.Equal(t, "This contact", p.Threads[0].Role)
	assert.Equal(t, d.client.ID, p.Threads[0].ContactID)
	assert.Equal(t, texting.MatterThread{ContactID: d.related.ID, ContactName: "Robin Related", Role: "Spouse on 00001"}, p.Threads[1])
	assert.Len(t, p.Contact.Emails, 1)
	assert.Len(t, p.Contact.Addresses, 1)
	require.Len(t, p.Phones, 1)
	assert.False(t, p.Phones[0].OptedOut)
	assert.NotNil(t, p.Portal.Since)
	assert.Nil(t, p.Portal.LastSignedIn)

	p, err = d.s.Pages.Contact(ctx, d.admin, d.client.ID)
	require.NoError(t, err)
	require.Len(t, p.Matters, 2)
	var roles []string
	for _, th := range p.Threads[1:] {
		roles = append(roles, th.ContactName+": "+th.Role)
	}
	assert.ElementsMatch(t, []string{"Robin Related: Spouse on 00001", "Sam Secret: Client on S-1"}, roles)

	// Sam's page is there for the member (texts show every contact), but
	// not the matter that is all that links Sam to Casey.
	p, err = d.s.Pages.Contact(ctx, d.member, sam.ID)
	require.NoError(t, err)
	assert.Empty(t, p.Matters)
	assert.Len(t, p.Threads, 1)

	_, err = d.s.Pages.Contact(ctx, d.otherFirmAdmin, d.client.ID)
	assert.ErrorIs(t, err, db.ErrNotFound)
	_, err = d.s.Pages.Contact(ctx, store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, d.client.ID)
	assert.ErrorIs(t, err, db.ErrNotFound)
}

func TestContactPageOptOutAndPortal(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	st, err := d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)
	// An opt-out from an old firm number no longer blocks texts.
	for _, firmNumber := range []string{*st.TextingNumber, "+18005550000"} {
		require.NoError(t, d.db.Create(&models.TextOptOut{FirmID: d.firm.ID, FirmNumber: firmNumber, ContactNumber: "+14155550124"}).Error)
	}
	require.NoError(t, d.db.Create(&models.TextOptOut{FirmID: d.firm.ID, FirmNumber: "+18005550000", ContactNumber: "+14155550123"}).Error)
	used := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	for i, purpose := range []models.TokenPurpose{models.PurposeInvite, models.PurposeLogin} {
		tok := models.LoginToken{FirmID: d.firm.ID, TokenHash: make([]byte, 32), Email: "related@demo.parley.test",
			ContactID: &d.related.ID, Purpose: purpose, ExpiresAt: time.Now()}
		tok.TokenHash[0] = byte(i)
		if purpose == models.PurposeLogin {
			tok.UsedAt = &used
		}
		require.NoError(t, d.db.Create(&tok).Error)
	}

	p, err := d.s.Pages.Contact(ctx, d.member, d.related.ID)
	require.NoError(t, err)
	require.Len(t, p.Phones, 1)
	assert.True(t, p.Phones[0].OptedOut)
	assert.Nil(t, p.Portal.Since)
	require.NotNil(t, p.Portal.LastInvited)
	require.NotNil(t, p.Portal.LastSignedIn)
	assert.True(t, used.Equal(*p.Portal.LastSignedIn))

	p, err = d.s.Pages.Contact(ctx, d.member, d.client.ID)
	require.NoError(t, err)
	assert.False(t, p.Phones[0].OptedOut, "opted out of another number only")
}

func TestContactSearchFollowsChanges(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	found := func(q string) []string {
		t.Helper()
		rows, err := listContacts(d, ctx, d.admin, q)
		require.NoError(t, err)
		var got []string
		for _, r := range rows {
			got = append(got, r.Name)
		}
		return got
	}
	// The row's email and number (kept on the contact by its triggers) as
	// the list shows them.
	row := func(q string) (email, phone string) {
		t.Helper()
		rows, err := listContacts(d, ctx, d.admin, q)
		require.NoError(t, err)
		require.Len(t, rows, 1, q)
		return rows[0].Email, rows[0].Phone
	}
	require.Equal(t, []string{"Robin Related"}, found("robin"))

	require.NoError(t, d.db.Model(&models.Contact{}).Where("id = ?", d.related.ID).
		Updates(map[string]any{"first_name": "Robyn", "last_name": "Renamed"}).Error)
	assert.Nil(t, found("robin"))
	assert.Equal(t, []string{"Robyn Renamed"}, found("robyn ren"))

	require.NoError(t, d.db.Model(&models.ContactEmail{}).Where("contact_id = ?", d.client.ID).
		Update("address", "casey@newmail.test").Error)
	assert.Nil(t, found("client@demo"))
	assert.Equal(t, []string{"Casey Client"}, found("casey@newmail"))
	email, phone := row("casey")
	assert.Equal(t, "casey@newmail.test", email)
	assert.Equal(t, "+14155550123", phone)

	// A new primary email is the one shown; the texting number before
	// any other.
	require.NoError(t, d.db.Model(&models.ContactEmail{}).Where("contact_id = ?", d.client.ID).Update("is_primary", false).Error)
	require.NoError(t, d.db.Create(&models.ContactEmail{FirmID: d.firm.ID, ContactID: d.client.ID,
		Address: "casey@primary.test", IsPrimary: true}).Error)
	email, _ = row("casey")
	assert.Equal(t, "casey@primary.test", email)
	require.NoError(t, d.db.Model(&models.ContactPhoneNumber{}).Where("contact_id = ?", d.client.ID).Update("is_texting", false).Error)
	require.NoError(t, d.db.Create(&models.ContactPhoneNumber{FirmID: d.firm.ID, ContactID: d.client.ID,
		Number: "+14155550177", Label: "work", IsTexting: true}).Error)
	_, phone = row("casey")
	assert.Equal(t, "+14155550177", phone)

	require.NoError(t, d.db.Where("contact_id = ?", d.client.ID).Delete(&models.ContactPhoneNumber{}).Error)
	assert.Nil(t, found("555-0123"))
	_, phone = row("casey")
	assert.Empty(t, phone, "no number left")
	require.NoError(t, d.db.Create(&models.ContactPhoneNumber{FirmID: d.firm.ID, ContactID: d.client.ID,
		Number: "+14155559876", Label: "mobile"}).Error)
	assert.Equal(t, []string{"Casey Client"}, found("9876"))
	_, phone = row("casey")
	assert.Equal(t, "+14155559876", phone)
	require.NoError(t, d.db.Where("contact_id = ?", d.client.ID).Delete(&models.ContactEmail{}).Error)
	email, _ = row("casey")
	assert.Empty(t, email, "no email left")
	// A rename keeps them.
	require.NoError(t, d.db.Model(&models.Contact{}).Where("id = ?", d.client.ID).Update("first_name", "Kasey").Error)
	_, phone = row("kasey")
	assert.Equal(t, "+14155559876", phone)
}

// listContacts is the first page of the contact list.
func listContacts(d demo, ctx context.Context, v store.Viewer, q string) ([]contacts.Row, error) {
	p, err := d.s.Contacts.List(ctx, v, contacts.Filter{Query: q}, "")
	return p.Items, err
}

// QueryAll runs on the pgx connection under the pool, but inside a
// transaction on the transaction itself: it sees what the transaction wrote.
func TestQueryAllPoolAndTransaction(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	first := func(gdb *gorm.DB) []string {
		t.Helper()
		names, err := store.QueryAll(ctx, gdb, `SELECT first_name FROM contacts WHERE id = @id`, map[string]any{"id": d.client.ID},
			func(r store.Rows, s *string) error { return r.Scan(s) })
		require.NoError(t, err)
		return names
	}
	assert.Equal(t, []string{"Casey"}, first(d.db))
	rollback := errors.New("roll back")
	err := d.db.Transaction(func(tx *gorm.DB) error {
		require.NoError(t, tx.Exec(`UPDATE contacts SET first_name = 'Kasey' WHERE id = ?`, d.client.ID).Error)
		assert.Equal(t, []string{"Kasey"}, first(tx))
		assert.Error(t, store.PgxConn(ctx, tx, func(*pgx.Conn) error { return nil }), "not the pool under the transaction")
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	assert.Equal(t, []string{"Casey"}, first(d.db))
}

// matter_ids follows the matters a contact is client of or related to,
// through every change the triggers see.
func TestContactMatterIDs(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	matterIDs := func(id int64) []int64 {
		t.Helper()
		var ids []int64
		require.NoError(t, store.PgxConn(ctx, d.db, func(conn *pgx.Conn) error {
			return conn.QueryRow(ctx, `SELECT matter_ids FROM contacts WHERE id = $1`, id).Scan(&ids)
		}))
		return ids
	}
	client, related := d.client.ID, d.related.ID
	before := [2][]int64{matterIDs(client), matterIDs(related)}
	with := func(ids []int64, more ...int64) []int64 {
		out := append(slices.Clone(ids), more...)
		slices.Sort(out)
		return out
	}
	m := models.Matter{FirmID: d.firm.ID, Number: "L-1", Description: "Links", Status: "Open", StatusCategory: models.StatusOpen,
		ClientContactID: client, Permission: models.PermissionEveryone}
	require.NoError(t, d.db.Create(&m).Error)
	assert.Equal(t, with(before[0], m.ID), matterIDs(client))
	assert.Equal(t, before[1], matterIDs(related))
	require.NoError(t, d.db.Create(&models.MatterRelatedContact{FirmID: d.firm.ID, MatterID: m.ID, ContactID: related, Relationship: "Spouse"}).Error)
	assert.Equal(t, with(before[1], m.ID), matterIDs(related))
	// A save that keeps the client moves nothing; a new client moves it,
	// once for a contact both client and related.
	require.NoError(t, d.db.Model(&m).Update("description", "Renamed").Error)
	assert.Equal(t, with(before[0], m.ID), matterIDs(client))
	require.NoError(t, d.db.Model(&m).Update("client_contact_id", related).Error)
	assert.Equal(t, before[0], matterIDs(client))
	assert.Equal(t, with(before[1], m.ID), matterIDs(related))
	// Deleting the matter takes its related contacts with it.
	require.NoError(t, d.db.Delete(&m).Error)
	assert.Equal(t, before, [2][]int64{matterIDs(client), matterIDs(related)})
}

// Two matters opened for one client at once both reach its matter_ids:
// each save locks the contact before it reads the client's matters.
func TestContactMatterIDsConcurrentSaves(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	c, _, err := d.s.Contacts.Create(ctx, d.member, person("Busy", "Client"), false)
	require.NoError(t, err)
	first := d.db.Begin()
	defer first.Rollback()
	a := models.Matter{FirmID: d.firm.ID, Number: "C-1", Description: "First", Status: "Open", StatusCategory: models.StatusOpen,
		ClientContactID: c.ID, Permission: models.PermissionEveryone}
	require.NoError(t, first.Create(&a).Error)
	done := make(chan error, 1)
	b := models.Matter{FirmID: d.firm.ID, Number: "C-2", Description: "Second", Status: "Open", StatusCategory: models.StatusOpen,
		ClientContactID: c.ID, Permission: models.PermissionEveryone}
	go func() { done <- d.db.Create(&b).Error }() // waits for the first
	select {
	case err := <-done:
		t.Fatalf("the second save did not wait for the first: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	require.NoError(t, first.Commit().Error)
	require.NoError(t, <-done)
	r, err := d.s.Contacts.Record(ctx, d.member, c.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{a.ID, b.ID}, r.MatterIDs)
}
