package store_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/testkit"
)

// Every keyset-paged list, walked from its first page with the cursor each
// page returns, must give every row once, in the order its doc comment
// states, also where rows tie on the leading sort key across a page
// boundary. The expected rows are read back with plain SQL in that order.
// Each list's data holds a run of more than store.PageSize rows with the
// same leading key, so some page boundary must fall inside it.

// tieRun is how many rows of a list share their leading sort key: more
// than a page, so a page boundary always falls between two of them.
const tieRun = store.PageSize + 10

// maxPages stops a walk whose cursor never reaches the end.
const maxPages = 20

// pagingAt is when the rows of these tests happened (or, for events,
// start), away from the seed's rows, which happen now.
var pagingAt = time.Date(2031, 3, 2, 9, 30, 0, 123456000, time.UTC)

// walkPages reads a list from its first page to its last, following each
// page's cursor, and returns the pages. Every page but the last must be
// full; a later page is never empty.
func walkPages[T any](t *testing.T, list func(cursor string) (store.Page[T], error)) [][]T {
	t.Helper()
	var pages [][]T
	for cursor := ""; ; {
		require.Less(t, len(pages), maxPages, "the cursor never reaches the end of the list")
		p, err := list(cursor)
		require.NoError(t, err, "page %d", len(pages)+1)
		if len(pages) > 0 {
			require.NotEmpty(t, p.Items, "page %d: a cursor led to an empty page", len(pages)+1)
		}
		pages = append(pages, p.Items)
		if p.Next == "" {
			return pages
		}
		require.Len(t, p.Items, store.PageSize, "page %d has a next page but is not full", len(pages))
		cursor = p.Next
	}
}

// checkPages fails unless the pages hold exactly want's rows, each once,
// in want's order. key is a row's leading sort key: some page boundary
// must fall between two rows with the same key, or the data misses the
// point of the test.
func checkPages[T any](t *testing.T, pages [][]T, id func(T) int64, key func(T) string, want []int64) {
	t.Helper()
	require.Greater(t, len(want), 2*store.PageSize, "the list must span at least three pages")
	var got []int64
	at := map[int64]int{}
	for _, p := range pages {
		for _, row := range p {
			if first, seen := at[id(row)]; seen {
				t.Errorf("row %d is listed twice: at %d and at %d", id(row), first, len(got))
			} else {
				at[id(row)] = len(got)
			}
			got = append(got, id(row))
		}
	}
	wanted := map[int64]bool{}
	for _, w := range want {
		wanted[w] = true
		if _, ok := at[w]; !ok {
			t.Errorf("row %d is missing", w)
		}
	}
	for _, g := range got {
		if !wanted[g] {
			t.Errorf("row %d is listed but should not be", g)
		}
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("out of order from position %d (page %d): got row %d, want row %d", i, i/store.PageSize+1, got[i], want[i])
			break
		}
	}
	assert.Len(t, got, len(want), "rows listed")

	tied := false
	for i := 1; i < len(pages); i++ {
		prev := pages[i-1]
		if len(prev) > 0 && len(pages[i]) > 0 && key(prev[len(prev)-1]) == key(pages[i][0]) {
			tied = true
		}
	}
	assert.True(t, tied, "no page boundary falls between rows that tie on the leading sort key")
}

// flatten is the rows of all pages, in order.
func flatten[T any](pages [][]T) []T {
	var out []T
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// pagingIDs reads a column of IDs with plain SQL.
func pagingIDs(t *testing.T, gdb *gorm.DB, query string, args ...any) []int64 {
	t.Helper()
	var out []int64
	require.NoError(t, gdb.Raw(query, args...).Scan(&out).Error)
	return out
}

// micros is a time as a sort key.
func micros(at time.Time) string { return fmt.Sprint(at.UnixMicro()) }

// pagingMatter adds a matter of Casey's open to everyone, or (restricted)
// only to the users listed on it, of whom there are none.
func (d demo) pagingMatter(t *testing.T, number string, restricted bool) int64 {
	t.Helper()
	m := models.Matter{FirmID: d.firm.ID, Number: number, Description: "Paging " + number, Status: "Open",
		StatusCategory: models.StatusOpen, ClientContactID: d.client.ID, Permission: models.PermissionEveryone}
	if restricted {
		m.Permission = models.PermissionUsers
	}
	require.NoError(t, d.db.Create(&m).Error)
	return m.ID
}

func TestPagingContacts(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	// Pat Quillon tieRun times over (as person, company, in any case: the
	// sort name is lower-cased), then Pat Quillon 061 …; a third of them
	// with an email whose words "quil" also finds, so a search meets the
	// same contact through several terms.
	testkit.SetUp(t, d.db, `INSERT INTO contacts (firm_id, kind, first_name, last_name, company_name)
		SELECT ?, CASE WHEN i % 10 = 0 THEN 'company' ELSE 'person' END,
			CASE WHEN i % 2 = 0 THEN 'PAT' ELSE 'Pat' END,
			CASE WHEN i <= ? THEN 'Quillon' ELSE 'Quillon ' || lpad(i::text, 3, '0') END,
			CASE WHEN i <= ? THEN 'Pat Quillon' ELSE 'Pat Quillon ' || lpad(i::text, 3, '0') END
		FROM generate_series(1, 130) i`, d.firm.ID, tieRun, tieRun)
	testkit.SetUp(t, d.db, `INSERT INTO contact_emails (firm_id, contact_id, address, is_primary)
		SELECT firm_id, id, 'quillon' || id || '@quill.test', true FROM contacts
		WHERE firm_id = ? AND sort_name LIKE 'pat quillon%' AND id % 3 = 0`, d.firm.ID)
	// Numbers like +14157777775: "777" is found at several places in
	// most of them.
	testkit.SetUp(t, d.db, `INSERT INTO contact_phone_numbers (firm_id, contact_id, number, is_texting)
		SELECT firm_id, id, '+1415777' || lpad((id % 10000)::text, 4, '7'), true FROM contacts
		WHERE firm_id = ? AND sort_name LIKE 'pat quillon%'`, d.firm.ID)
	mine := pagingIDs(t, d.db, `SELECT id FROM contacts WHERE firm_id = ? AND sort_name LIKE 'pat quillon%'`, d.firm.ID)
	require.Len(t, mine, 130)

	byName := ` ORDER BY sort_name, id`
	for _, tc := range []struct {
		name, query string
		v           store.Viewer
		want        string // the rows, with plain SQL over the firm's contacts
	}{
		{"every contact", "", d.admin, `TRUE`},
		{"every contact, for a member", "", d.member, `TRUE`},
		{"a word, through contact_terms", "quil", d.member,
			`(sort_name LIKE '%quil%' OR id IN (SELECT contact_id FROM contact_emails WHERE address LIKE '%quil%'))`},
		{"a longer word, through its term range", "quillo", d.member,
			`(sort_name LIKE '%quillo%' OR id IN (SELECT contact_id FROM contact_emails WHERE address LIKE '%quillo%'))`},
		{"two words, through contact_terms", "Pat QUILLON", d.member, `starts_with(sort_name, 'pat quillon')`},
		{"digits, through contact_terms", "(777)", d.member,
			`id IN (SELECT contact_id FROM contact_phone_numbers WHERE number LIKE '%777%')`},
		{"two letters: the start of the name", "pa", d.member, `starts_with(sort_name, 'pa')`},
		{"one letter", "P", d.admin, `starts_with(sort_name, 'p')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := walkPages(t, func(c string) (store.Page[contacts.Row], error) {
				return d.s.Contacts.List(ctx, tc.v, contacts.Filter{Query: tc.query}, c)
			})
			want := pagingIDs(t, d.db, `SELECT id FROM contacts WHERE firm_id = ? AND `+tc.want+byName, d.firm.ID)
			assert.Subset(t, want, mine, "the query finds every contact the test made")
			checkPages(t, pages, func(r contacts.Row) int64 { return r.ID }, func(r contacts.Row) string { return r.SortName }, want)
		})
	}

	other := flatten(walkPages(t, func(c string) (store.Page[contacts.Row], error) {
		return d.s.Contacts.List(ctx, d.otherFirmAdmin, contacts.Filter{}, c)
	}))
	require.Len(t, other, 1, "another firm sees its own contacts only")
	assert.Equal(t, d.otherContact.ID, other[0].ID)
}

// TestPagingMatters: open and pending matters first, then closed ones, each
// group newest updated_at first. Both groups hold a run of matters updated
// at the same moment (the same moment in both groups), closed matters
// newer than every open one, and matters restricted to listed users.
func TestPagingMatters(t *testing.T) {
	t.Parallel()
	for _, layout := range []struct {
		name string
		// open is how many open matters to add, given how many the seed has.
		open  func(seeded int) int
		check func(t *testing.T, pages [][]matters.ListRow)
	}{
		{"a page holds both groups", func(int) int { return 75 }, func(t *testing.T, pages [][]matters.ListRow) {
			mixed := false
			for _, p := range pages {
				mixed = mixed || p[0].StatusCategory != models.StatusClosed && p[len(p)-1].StatusCategory == models.StatusClosed
			}
			assert.True(t, mixed, "no page holds the last open matters and the first closed ones")
		}},
		{"the open group ends a page", func(seeded int) int { return 2*store.PageSize - seeded }, func(t *testing.T, pages [][]matters.ListRow) {
			require.Greater(t, len(pages), 2)
			assert.NotEqual(t, models.StatusClosed, pages[1][store.PageSize-1].StatusCategory, "page 2 ends with the last open matter")
			assert.Equal(t, models.StatusClosed, pages[2][0].StatusCategory, "page 3 starts with the first closed matter")
		}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			t.Parallel()
			d := newDemo(t)
			ctx := context.Background()
			var seeded int
			require.NoError(t, d.db.Raw(`SELECT count(*) FROM matters WHERE firm_id = ? AND status_category <> 'closed'`, d.firm.ID).Scan(&seeded).Error)
			testkit.SetUp(t, d.db, `INSERT INTO matters (firm_id, number, description, status, status_category,
					client_contact_id, permission, updated_at)
				SELECT ?, CASE WHEN g.closed THEN 'PG-C-' ELSE 'PG-O-' END || lpad(i::text, 4, '0'), 'Paging matter ' || i,
					CASE WHEN g.closed THEN 'Closed' ELSE 'Open' END,
					CASE WHEN g.closed THEN 'closed' WHEN i % 5 = 0 THEN 'pending' ELSE 'open' END,
					?, CASE WHEN i % 7 = 0 THEN 'users' ELSE 'everyone' END,
					CASE WHEN i <= ? THEN ?::timestamptz
						WHEN g.closed THEN ?::timestamptz + i * interval '1 minute'
						ELSE ?::timestamptz - i * interval '1 minute' END
				FROM (VALUES (false, ?::int), (true, 70)) g(closed, n), generate_series(1, g.n) i`,
				d.firm.ID, d.client.ID, tieRun, pagingAt, pagingAt, pagingAt, layout.open(seeded))
			// The member is listed on half the restricted matters.
			testkit.SetUp(t, d.db, `INSERT INTO matter_permitted_users (firm_id, matter_id, user_id)
				SELECT firm_id, id, ? FROM matters WHERE firm_id = ? AND permission = 'users' AND id % 2 = 0`,
				d.member.UserID, d.firm.ID)

			const order = ` ORDER BY status_category = 'closed', updated_at DESC, id DESC`
			for _, tc := range []struct {
				name  string
				v     store.Viewer
				query string
				want  string // plain SQL over the firm's matters
			}{
				{"admin", d.admin, "", `TRUE`},
				{"member", d.member, "", `(permission = 'everyone' OR id IN (SELECT matter_id FROM matter_permitted_users WHERE user_id = @user))`},
				{"client", store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, "", `client_contact_id = @contact`},
				{"search by description", d.admin, "Paging", `lower(number || ' ' || description) LIKE '%paging%'`},
				{"search by the start of the number", d.admin, "pg", `lower(number) LIKE 'pg%'`},
			} {
				t.Run(tc.name, func(t *testing.T) {
					pages := walkPages(t, func(c string) (store.Page[matters.ListRow], error) {
						return d.s.Matters.List(ctx, tc.v, matters.Filter{Query: tc.query}, c)
					})
					want := pagingIDs(t, d.db, `SELECT id FROM matters WHERE firm_id = @firm AND `+tc.want+order,
						map[string]any{"firm": d.firm.ID, "user": d.member.UserID, "contact": d.client.ID})
					checkPages(t, pages, func(m matters.ListRow) int64 { return m.ID }, func(m matters.ListRow) string {
						return fmt.Sprint(m.StatusCategory == models.StatusClosed, micros(m.UpdatedAt))
					}, want)
					if tc.v == d.admin && tc.query == "" {
						layout.check(t, pages)
					}
				})
			}

			other := flatten(walkPages(t, func(c string) (store.Page[matters.ListRow], error) {
				return d.s.Matters.List(ctx, d.otherFirmAdmin, matters.Filter{}, c)
			}))
			assert.Empty(t, other, "another firm sees none of these matters")
		})
	}
}

func TestPagingConversations(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	testkit.SetUp(t, d.db, `INSERT INTO contacts (firm_id, first_name, last_name)
		SELECT ?, 'Tess', 'Thread ' || i FROM generate_series(1, 120) i`, d.firm.ID)
	threads := `(SELECT firm_id, id, row_number() OVER (ORDER BY id) AS n FROM contacts
		WHERE firm_id = ? AND last_name LIKE 'Thread %') c`
	// Two statements, so the thread summaries are both made and updated.
	// A tenth of the threads get their last text in the first statement.
	testkit.SetUp(t, d.db, `INSERT INTO text_messages (firm_id, contact_id, direction, dialect, firm_number,
			contact_number, body, status, created_at)
		SELECT c.firm_id, c.id, 'out', 'twilio', '+18885550100', '+14155550100', 'first', 'sent',
			CASE WHEN c.n % 10 = 0 THEN ?::timestamptz + interval '1 hour' ELSE ?::timestamptz - interval '1 day' END
		FROM `+threads, pagingAt, pagingAt, d.firm.ID)
	testkit.SetUp(t, d.db, `INSERT INTO text_messages (firm_id, contact_id, direction, dialect, firm_number,
			contact_number, body, status, created_at)
		SELECT c.firm_id, c.id, 'in', 'twilio', '+18885550100', '+14155550100', 'latest', 'received',
			CASE WHEN c.n <= ? THEN ?::timestamptz ELSE ?::timestamptz - c.n * interval '1 minute' END
		FROM `+threads, tieRun+10, pagingAt, pagingAt, d.firm.ID)
	testkit.SetUp(t, d.db, `INSERT INTO text_messages (firm_id, contact_id, direction, dialect, firm_number,
			contact_number, body, status, created_at)
		VALUES (?, ?, 'in', 'twilio', '+18335550199', '+14155550177', 'elsewhere', 'received', ?)`,
		d.otherContact.FirmID, d.otherContact.ID, pagingAt)

	for _, v := range []store.Viewer{d.admin, d.member} {
		pages := walkPages(t, func(c string) (store.Page[texting.Conversation], error) {
			return d.s.Texting.Conversations(ctx, v, c)
		})
		want := pagingIDs(t, d.db, `SELECT contact_id FROM text_messages WHERE firm_id = ?
			GROUP BY contact_id ORDER BY max(created_at) DESC, contact_id DESC`, d.firm.ID)
		checkPages(t, pages, func(c texting.Conversation) int64 { return c.ContactID },
			func(c texting.Conversation) string { return micros(c.LastAt) }, want)
	}

	other := flatten(walkPages(t, func(c string) (store.Page[texting.Conversation], error) {
		return d.s.Texting.Conversations(ctx, d.otherFirmAdmin, c)
	}))
	require.Len(t, other, 1, "another firm sees its own threads only")
	assert.Equal(t, d.otherContact.ID, other[0].ContactID)
}

func TestPagingTexts(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	for _, c := range []struct {
		id     int64
		number string
		n      int
	}{{d.client.ID, "+14155550123", 130}, {d.related.ID, "+14155550124", 20}} {
		testkit.SetUp(t, d.db, `INSERT INTO text_messages (firm_id, contact_id, direction, dialect, firm_number,
				contact_number, body, status, created_at)
			SELECT ?, ?, CASE WHEN i % 2 = 0 THEN 'in' ELSE 'out' END, 'twilio', '+18885550100', ?, 'text ' || i,
				CASE WHEN i % 2 = 0 THEN 'received' ELSE 'delivered' END,
				CASE WHEN i <= ? THEN ?::timestamptz ELSE ?::timestamptz - i * interval '1 second' END
			FROM generate_series(1, ?) i`, d.firm.ID, c.id, c.number, tieRun, pagingAt, pagingAt, c.n)
	}

	pages := walkPages(t, func(c string) (store.Page[texting.TextRow], error) {
		return d.s.Texting.Texts(ctx, d.member, d.client.ID, c)
	})
	want := pagingIDs(t, d.db, `SELECT id FROM text_messages WHERE firm_id = ? AND contact_id = ?
		ORDER BY created_at DESC, id DESC`, d.firm.ID, d.client.ID)
	checkPages(t, pages, func(r texting.TextRow) int64 { return r.ID }, func(r texting.TextRow) string { return micros(r.CreatedAt) }, want)

	last := pages[0][len(pages[0])-1]
	_, err := d.s.Texting.Texts(ctx, d.otherFirmAdmin, d.client.ID, store.Cursor(last.CreatedAt, last.ID))
	assert.ErrorIs(t, err, db.ErrNotFound, "another firm reads no page of the thread")
}

func TestPagingUnknownTexts(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	for _, f := range []struct {
		firm int64
		n    int
	}{{d.firm.ID, 130}, {d.otherFirmAdmin.FirmID, 5}} {
		testkit.SetUp(t, d.db, `INSERT INTO unknown_texts (firm_id, dialect, carrier_message_id, from_number, body, created_at)
			SELECT ?, 'twilio', 'SMpaging-' || ?::bigint || '-' || i, '+1415556' || lpad(i::text, 4, '0'), 'who is this ' || i,
				CASE WHEN i <= ? THEN ?::timestamptz ELSE ?::timestamptz + i * interval '1 millisecond' END
			FROM generate_series(1, ?) i`, f.firm, f.firm, tieRun, pagingAt, pagingAt, f.n)
	}

	pages := walkPages(t, func(c string) (store.Page[models.UnknownText], error) {
		return d.s.Texting.UnknownTexts(ctx, d.admin, c)
	})
	want := pagingIDs(t, d.db, `SELECT id FROM unknown_texts WHERE firm_id = ? ORDER BY created_at DESC, id DESC`, d.firm.ID)
	checkPages(t, pages, func(u models.UnknownText) int64 { return u.ID }, func(u models.UnknownText) string { return micros(u.CreatedAt) }, want)

	other := flatten(walkPages(t, func(c string) (store.Page[models.UnknownText], error) {
		return d.s.Texting.UnknownTexts(ctx, d.otherFirmAdmin, c)
	}))
	assert.Len(t, other, 5, "another firm sees its own unknown texts only")
}

// TestPagingUpcomingEvents: events from a moment on, in start order, on
// the matters each viewer may see. A run of events starts exactly at that
// moment; events just before it are left out.
func TestPagingUpcomingEvents(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	restricted := d.pagingMatter(t, "PG-R", true)
	from := pagingAt
	// A quarter on no matter, a quarter on a matter the member may not
	// see, half on the demo matter.
	testkit.SetUp(t, d.db, `INSERT INTO events (firm_id, matter_id, title, starts_at, ends_at)
		SELECT ?, CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN ?::bigint ELSE ?::bigint END, 'Event ' || i, s, s + interval '1 hour'
		FROM generate_series(1, 300) i, LATERAL (SELECT CASE
			WHEN i <= 20 THEN ?::timestamptz - i * interval '1 hour'
			WHEN i <= 40 THEN ?::timestamptz - interval '1 microsecond'
			WHEN i <= 200 THEN ?::timestamptz
			ELSE ?::timestamptz + (i / 2) * interval '1 hour' END AS s) t`,
		d.firm.ID, restricted, d.matterID, from, from, from, from)

	const order = ` ORDER BY e.starts_at, e.id`
	for _, tc := range []struct {
		name     string
		v        store.Viewer
		matterID int64
		want     string // plain SQL over the firm's events e and their matters m
	}{
		{"admin, every event", d.admin, 0, `TRUE`},
		{"member, every event", d.member, 0, `(e.matter_id IS NULL OR m.permission = 'everyone' OR EXISTS (
			SELECT 1 FROM matter_permitted_users p WHERE p.matter_id = m.id AND p.user_id = @user))`},
		{"member, one matter", d.member, d.matterID, `e.matter_id = @matter`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := walkPages(t, func(c string) (store.Page[events.EventRow], error) {
				return d.s.Events.Upcoming(ctx, tc.v, from, tc.matterID, c)
			})
			want := pagingIDs(t, d.db, `SELECT e.id FROM events e LEFT JOIN matters m ON m.id = e.matter_id
				WHERE e.firm_id = @firm AND e.starts_at >= @from AND `+tc.want+order,
				map[string]any{"firm": d.firm.ID, "from": from, "user": d.member.UserID, "matter": d.matterID})
			checkPages(t, pages, func(e events.EventRow) int64 { return e.ID }, func(e events.EventRow) string { return micros(e.StartsAt) }, want)
		})
	}

	p, err := d.s.Events.Upcoming(ctx, d.member, from, restricted, "")
	require.NoError(t, err)
	assert.Empty(t, p.Items, "a matter the member may not see has no events for them")
	other := flatten(walkPages(t, func(c string) (store.Page[events.EventRow], error) {
		return d.s.Events.Upcoming(ctx, d.otherFirmAdmin, from, 0, c)
	}))
	assert.Empty(t, other, "another firm sees none of these events")
}

// TestPagingDocuments: a matter's documents newest first, all of them
// (folder 0) or one folder's; documents of the other folder, of the top
// level and of another matter stay out of a folder's list.
func TestPagingDocuments(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	folder := func(name string, shared bool) int64 {
		f := models.Folder{FirmID: d.firm.ID, MatterID: &d.matterID, Name: name, SharedWithClient: shared}
		require.NoError(t, d.db.Create(&f).Error)
		return f.ID
	}
	a, b := folder("Paging A", true), folder("Paging B", false)
	elsewhere := d.pagingMatter(t, "PG-E", false)
	add := func(matterID int64, folderID any, n int) {
		testkit.SetUp(t, d.db, `INSERT INTO documents (firm_id, matter_id, folder_id, name, size_bytes, sha256,
				mime_type, storage_key, uploaded_by_user_id, created_at)
			SELECT ?, ?, ?, 'Doc ' || i || '.pdf', 100 + i, repeat('a', 64), 'application/pdf', 'k/' || i, ?,
				CASE WHEN i <= ? THEN ?::timestamptz ELSE ?::timestamptz - i * interval '1 second' END
			FROM generate_series(1, ?) i`, d.firm.ID, matterID, folderID, d.admin.UserID, tieRun, pagingAt, pagingAt, n)
	}
	add(d.matterID, a, 130)
	add(d.matterID, b, 120)
	add(d.matterID, nil, 30)
	add(elsewhere, nil, 20)

	const order = ` ORDER BY created_at DESC, id DESC`
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	// No folder here has subfolders, so a shared folder is one shared itself.
	const clientSees = `(shared_with_client OR uploaded_by_contact_id = @contact OR folder_id IN (
		SELECT id FROM folders WHERE matter_id = @matter AND shared_with_client))`
	for _, tc := range []struct {
		name     string
		v        store.Viewer
		folder   int64
		fromPage bool   // the first page is the matter page's
		want     string // plain SQL over the matter's documents
	}{
		{"every folder", d.admin, 0, false, `TRUE`},
		{"every folder, from the matter page on", d.member, 0, true, `TRUE`},
		{"folder A", d.member, a, false, `folder_id = @folder`},
		{"folder B", d.admin, b, false, `folder_id = @folder`},
		{"folder A, shared, for the client", client, a, false, `folder_id = @folder`},
		{"every folder, for the client", client, 0, false, clientSees},
		{"every folder, for the client, from the matter page on", client, 0, true, clientSees},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := walkPages(t, func(c string) (store.Page[documents.DocumentRow], error) {
				if c == "" && tc.fromPage {
					p, err := d.s.Pages.Matter(ctx, tc.v, d.matterID)
					return store.Page[documents.DocumentRow]{Items: p.Documents, Next: p.MoreDocuments}, err
				}
				return d.s.Documents.Documents(ctx, tc.v, d.matterID, tc.folder, c)
			})
			want := pagingIDs(t, d.db, `SELECT id FROM documents WHERE firm_id = @firm AND matter_id = @matter AND `+tc.want+order,
				map[string]any{"firm": d.firm.ID, "matter": d.matterID, "folder": tc.folder, "contact": d.client.ID})
			checkPages(t, pages, func(r documents.DocumentRow) int64 { return r.ID },
				func(r documents.DocumentRow) string { return micros(r.CreatedAt) }, want)
		})
	}

	_, err := d.s.Documents.Documents(ctx, d.otherFirmAdmin, d.matterID, 0, "")
	assert.ErrorIs(t, err, db.ErrNotFound, "another firm lists none of the matter's documents")
}

func TestPagingPortalMessages(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	elsewhere := d.pagingMatter(t, "PG-E", false)
	for _, m := range []struct {
		id int64
		n  int
	}{{d.matterID, 130}, {elsewhere, 15}} {
		testkit.SetUp(t, d.db, `INSERT INTO portal_messages (firm_id, matter_id, author_user_id, author_contact_id, body, created_at)
			SELECT ?, ?, CASE WHEN i % 2 = 0 THEN ?::bigint END, CASE WHEN i % 2 = 1 THEN ?::bigint END, 'Message ' || i,
				CASE WHEN i <= ? THEN ?::timestamptz ELSE ?::timestamptz - i * interval '1 second' END
			FROM generate_series(1, ?) i`, d.firm.ID, m.id, d.admin.UserID, d.client.ID, tieRun, pagingAt, pagingAt, m.n)
	}

	want := pagingIDs(t, d.db, `SELECT id FROM portal_messages WHERE firm_id = ? AND matter_id = ?
		ORDER BY created_at DESC, id DESC`, d.firm.ID, d.matterID)
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	for _, tc := range []struct {
		name     string
		v        store.Viewer
		fromPage bool // the first page is the matter page's
	}{
		{"admin", d.admin, false},
		{"client", client, false},
		{"admin, from the matter page on", d.admin, true},
		{"client, from the matter page on", client, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pages := walkPages(t, func(c string) (store.Page[portal.MessageRow], error) {
				if c == "" && tc.fromPage {
					p, err := d.s.Pages.Matter(ctx, tc.v, d.matterID)
					slices.Reverse(p.Messages) // the page shows them oldest first
					return store.Page[portal.MessageRow]{Items: p.Messages, Next: p.OlderMessages}, err
				}
				return d.s.Portal.Messages(ctx, tc.v, d.matterID, c)
			})
			checkPages(t, pages, func(m portal.MessageRow) int64 { return m.ID }, func(m portal.MessageRow) string { return micros(m.CreatedAt) }, want)
		})
	}

	_, err := d.s.Portal.Messages(ctx, d.otherFirmAdmin, d.matterID, "")
	assert.ErrorIs(t, err, db.ErrNotFound, "another firm reads none of the matter's messages")
}

// TestPagingBadCursor: a cursor the list did not make is refused with
// store.ErrBadCursor, whatever its shape.
func TestPagingBadCursor(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	client := store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}
	lists := map[string]func(cursor string) error{
		"contacts": func(c string) error { _, err := d.s.Contacts.List(ctx, d.admin, contacts.Filter{}, c); return err },
		"contacts, searched": func(c string) error {
			_, err := d.s.Contacts.List(ctx, d.admin, contacts.Filter{Query: "casey"}, c)
			return err
		},
		"matters":       func(c string) error { _, err := d.s.Matters.List(ctx, d.admin, matters.Filter{}, c); return err },
		"conversations": func(c string) error { _, err := d.s.Texting.Conversations(ctx, d.admin, c); return err },
		"texts":         func(c string) error { _, err := d.s.Texting.Texts(ctx, d.member, d.client.ID, c); return err },
		"unknown texts": func(c string) error { _, err := d.s.Texting.UnknownTexts(ctx, d.admin, c); return err },
		"upcoming events": func(c string) error {
			_, err := d.s.Events.Upcoming(ctx, d.admin, pagingAt, 0, c)
			return err
		},
		"documents": func(c string) error {
			_, err := d.s.Documents.Documents(ctx, d.admin, d.matterID, 0, c)
			return err
		},
		"portal messages": func(c string) error {
			_, err := d.s.Portal.Messages(ctx, client, d.matterID, c)
			return err
		},
	}
	cursors := map[string]string{
		"not base64":            "!!!",
		"not a JSON list":       base64.RawURLEncoding.EncodeToString([]byte(`{"at":"2031-03-02T09:30:00Z","id":1}`)),
		"not JSON":              base64.RawURLEncoding.EncodeToString([]byte(`at=1`)),
		"two parts, wrong type": store.Cursor("x", "y"),
		"three parts, wrong":    store.Cursor("x", "y", "z"),
		"one part":              store.Cursor(1),
		"four parts":            store.Cursor(true, pagingAt, 1, 2),
	}
	for name, list := range lists {
		require.NoError(t, list(""), "%s: the first page", name)
		for what, c := range cursors {
			assert.ErrorIs(t, list(c), store.ErrBadCursor, "%s: a cursor %s", name, what)
		}
	}
}
