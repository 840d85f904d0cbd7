package seed

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
)

// Size is how big `portal seed-demo --size` grows the demo firm: a large
// firm's data set for benchmarks and for trying Parley at scale.
type Size struct {
	Name      string
	Users     int
	Contacts  int
	Matters   int
	Texts     int
	Documents int
	Messages  int
	Events    int
}

// GrowVersion names what Grow makes; change it when the data set changes,
// so databases kept for tests and benchmarks are made again.
const GrowVersion = 3

// Sizes are the data sets seed-demo can grow the demo firm to. Medium is a
// tenth of large, so the two compare how a page grows with the firm.
var Sizes = map[string]Size{
	"medium": {Name: "medium", Users: 10, Contacts: 5_000, Matters: 2_000, Texts: 52_000, Documents: 20_200, Messages: 20_200, Events: 2_000},
	"large":  {Name: "large", Users: 50, Contacts: 50_000, Matters: 20_000, Texts: 520_000, Documents: 202_000, Messages: 202_000, Events: 20_000},
	// The firm's own records alone, for the contact and matter lists at a
	// hundred times the contacts.
	"records-1k":   {Name: "records-1k", Users: 10, Contacts: 1_000, Matters: 400},
	"records-100k": {Name: "records-100k", Users: 50, Contacts: 100_000, Matters: 20_000},
}

// The matter that holds a big firm's biggest lists (a hundredth of the
// documents and messages), the contacts whose text threads are longest, and
// how many clients have dozens of matters each.
const (
	bigThreads   = 5
	midThreads   = 200
	shortThread  = 16
	heavyClients = 200
)

// Grow adds generated contacts, matters, texts, documents, messages and
// events to the demo firm until it has size's counts of each; what a
// smaller size made is kept, so growing medium then large works. The
// spread is a real firm's: most contacts have one matter, a few have
// dozens; most threads are short, a few have tens of thousands of texts; a
// tenth of them unread. Generated rows are numbered in seed_rows, so a run
// after a failure adds only what is missing.
func Grow(ctx context.Context, gdb *gorm.DB, log *slog.Logger, size Size) error {
	start := time.Now()
	g := &grower{db: gdb.WithContext(ctx), log: log, size: size}
	if err := g.load(); err != nil {
		return err
	}
	steps := []struct {
		kind   string
		target int
		chunk  int
		fn     func(g *grower, a, b int) error
	}{
		{"user", size.Users, 100, (*grower).users},
		{"contact", size.Contacts, 25_000, (*grower).contacts},
		{"matter", size.Matters, 20_000, (*grower).matters},
		{"text", size.Texts, 100_000, (*grower).texts},
		{"document", size.Documents, 100_000, (*grower).documents},
		{"message", size.Messages, 100_000, (*grower).messages},
		{"event", size.Events, 20_000, (*grower).events},
		// Sign-ins past, and texts from numbers that are no contact.
		{"signin", size.Contacts / 5, 20_000, (*grower).signins},
		{"unknown", size.Texts / 500, 5_000, (*grower).unknownTexts},
	}
	for _, s := range steps {
		have, err := g.count(s.kind)
		if err != nil {
			return err
		}
		for a := have + 1; a <= s.target; a += s.chunk {
			b := min(a+s.chunk-1, s.target)
			t := time.Now()
			if err := g.db.Transaction(func(tx *gorm.DB) error {
				gt := *g
				gt.db = tx
				if err := s.fn(&gt, a, b); err != nil {
					return err
				}
				return gt.setCount(s.kind, b)
			}); err != nil {
				return fmt.Errorf("seed: %s %d-%d: %w", s.kind, a, b, err)
			}
			log.Info("seeded", "what", s.kind, "from", a, "to", b, "took", time.Since(t).Round(time.Millisecond).String())
		}
	}
	if err := g.reads(); err != nil {
		return err
	}
	// As autovacuum would in time: statistics for the planner, and the
	// visibility map that lets index-only scans skip the tables.
	if err := g.db.Exec(`VACUUM (ANALYZE)`).Error; err != nil {
		return fmt.Errorf("seed: vacuum: %w", err)
	}
	log.Info("demo firm grown", "size", size.Name, "took", time.Since(start).Round(time.Second).String())
	return nil
}

// grower holds what every step needs.
type grower struct {
	db         *gorm.DB
	log        *slog.Logger
	size       Size
	firm       models.Firm
	admin      int64
	member     int64
	firmNumber string
	blobKey    string
	blobSum    string
}

func (g *grower) load() error {
	if err := g.db.Where("slug = ?", DemoFirmSlug).Take(&g.firm).Error; err != nil {
		return fmt.Errorf("seed: the demo firm must exist first (portal seed-demo): %w", err)
	}
	var users []models.User
	if err := g.db.Where("firm_id = ?", g.firm.ID).Order("id").Find(&users).Error; err != nil {
		return fmt.Errorf("seed: users: %w", err)
	}
	for _, u := range users {
		switch u.Email {
		case DemoAdminEmail:
			g.admin = u.ID
		case DemoMemberEmail:
			g.member = u.ID
		}
	}
	if g.admin == 0 || g.member == 0 {
		return fmt.Errorf("seed: the demo firm lacks its admin or member")
	}
	g.firmNumber = "+18885550100"
	if g.firm.TextingNumber != nil {
		g.firmNumber = *g.firm.TextingNumber
	}
	var d models.Document
	if err := g.db.Where("firm_id = ?", g.firm.ID).Order("id").Take(&d).Error; err != nil {
		return fmt.Errorf("seed: a demo document to share its stored file: %w", err)
	}
	g.blobKey, g.blobSum = d.StorageKey, d.SHA256
	return nil
}

// count is how many rows of kind Grow made so far (the "#" row of seed_rows).
func (g *grower) count(kind string) (int, error) {
	var n []int
	err := g.db.Raw(`SELECT row_id FROM seed_rows WHERE firm_id = ? AND kind = ? AND i = 0`, g.firm.ID, kind+"#").Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("seed: progress of %s: %w", kind, err)
	}
	if len(n) == 0 {
		return 0, nil
	}
	return n[0], nil
}

func (g *grower) setCount(kind string, n int) error {
	return g.db.Exec(`INSERT INTO seed_rows (firm_id, kind, i, row_id) VALUES (?, ?, 0, ?)
		ON CONFLICT (firm_id, kind, i) DO UPDATE SET row_id = excluded.row_id, updated_at = now()`, g.firm.ID, kind+"#", n).Error
}

func (g *grower) args(a, b int) map[string]any {
	return map[string]any{
		"firm": g.firm.ID, "a": a, "b": b, "admin": g.admin, "member": g.member, "number": g.firmNumber,
		"contacts": g.size.Contacts, "users": g.size.Users, "matters": g.size.Matters, "texts": g.size.Texts,
		"documents": g.size.Documents, "messages": g.size.Messages, "events": g.size.Events,
		"key": g.blobKey, "sum": g.blobSum,
		"firsts": textArray(firstNames), "lasts": textArray(lastNames), "companies": textArray(companyWords),
		"domains": textArray(emailDomains), "npas": textArray(areaCodes), "areas": textArray(practiceAreas),
		"relations": textArray(relationships), "bodies": textArray(textBodies), "doctypes": textArray(documentKinds),
		"titles": textArray(eventTitles),
		"big":    g.size.Documents / 101, "bigmsgs": g.size.Messages / 101,
		"bigthread": g.size.Texts / 26, "midthread": g.size.Texts / 1040,
		"oneeach": g.size.Matters * 3 / 4, "heavy": heavyClients,
		"span": g.size.Events * 18 / 100, // days: the same number of events a week at every size
	}
}

// textArray writes words as a Postgres array literal: gorm would spread a
// Go slice into a list of arguments.
func textArray(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(w) + `"`
	}
	return "{" + strings.Join(quoted, ",") + "}"
}

// h is a cheap, fixed hash of an integer column, for spreading values.
const h = `(%s::bigint * 2654435761 %% 4294967296)`

func hash(col string) string { return fmt.Sprintf(h, col) }

// pick is element (col's hash) of array arg.
func pick(arg, col string) string {
	return fmt.Sprintf(`(CAST(@%s AS text[]))[1 + %s %% cardinality(CAST(@%s AS text[]))]`, arg, hash(col), arg)
}

func (g *grower) contacts(a, b int) error {
	q := `WITH ins AS (
		INSERT INTO contacts (firm_id, kind, first_name, last_name, company_name, created_at, updated_at)
		SELECT CAST(@firm AS bigint), CASE WHEN i % 12 = 0 THEN 'company' ELSE 'person' END,
			CASE WHEN i % 12 = 0 THEN '' ELSE ` + pick("firsts", "i") + ` END,
			CASE WHEN i % 12 = 0 THEN '' ELSE ` + pick("lasts", "i * 7 + 3") + ` END,
			CASE WHEN i % 12 = 0 THEN ` + pick("lasts", "i * 5 + 1") + ` || ' ' || ` + pick("companies", "i") + ` ELSE '' END,
			now() - make_interval(hours => i % 43800), now() - make_interval(hours => i % 4380)
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS i ORDER BY i
		RETURNING id)
	INSERT INTO seed_rows (firm_id, kind, i, row_id)
	SELECT CAST(@firm AS bigint), 'contact', @a - 1 + row_number() OVER (ORDER BY id), id FROM ins`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	// Most have an email (a tenth a second one), most a mobile (most of
	// those marked for texting), a fifth a work number. Numbers are unique:
	// the line is i's last four digits, the exchange depends on the rest.
	q = `INSERT INTO contact_emails (firm_id, contact_id, address, label, is_primary)
		SELECT CAST(@firm AS bigint), s.row_id, regexp_replace(lower(CASE WHEN c.kind = 'company' THEN c.company_name
			ELSE c.first_name || '.' || c.last_name END), '[^a-z0-9.]', '', 'g') || s.i || '@' || ` + pick("domains", "s.i") + `,
			'work', true
		FROM seed_rows s JOIN contacts c ON c.id = s.row_id
		WHERE s.firm_id = @firm AND s.kind = 'contact' AND s.i BETWEEN @a AND @b AND s.i % 20 <> 7
		UNION ALL
		SELECT CAST(@firm AS bigint), s.row_id, 'home' || s.i || '@' || ` + pick("domains", "s.i + 1") + `, 'home', false
		FROM seed_rows s WHERE s.firm_id = @firm AND s.kind = 'contact' AND s.i BETWEEN @a AND @b AND s.i % 10 = 3`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("contact emails: %w", err)
	}
	number := func(offset string) string {
		return `'+1' || ` + pick("npas", "s.i % 97") + ` || (200 + ((s.i / 10000) * 131 + (s.i % 97) * 7 + ` + offset + `) % 800 +
			CASE WHEN (200 + ((s.i / 10000) * 131 + (s.i % 97) * 7 + ` + offset + `) % 800) = 555 THEN 1 ELSE 0 END)::text ||
			lpad((s.i % 10000)::text, 4, '0')`
	}
	q = `INSERT INTO contact_phone_numbers (firm_id, contact_id, number, label, is_texting)
		SELECT CAST(@firm AS bigint), s.row_id, ` + number("0") + `, 'mobile', s.i % 10 < 7
		FROM seed_rows s WHERE s.firm_id = @firm AND s.kind = 'contact' AND s.i BETWEEN @a AND @b AND s.i % 10 <> 9
		UNION ALL
		SELECT CAST(@firm AS bigint), s.row_id, ` + number("400") + `, 'work', false
		FROM seed_rows s WHERE s.firm_id = @firm AND s.kind = 'contact' AND s.i BETWEEN @a AND @b AND s.i % 5 = 0`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("contact numbers: %w", err)
	}
	q = `INSERT INTO contact_addresses (firm_id, contact_id, label, street, city, province, postal_code, country)
		SELECT CAST(@firm AS bigint), s.row_id, 'home', (100 + s.i % 9800) || ' ' || ` + pick("lasts", "s.i * 3") + ` || ' St',
			` + pick("lasts", "s.i * 11") + ` || 'ville', 'NY', lpad((10000 + s.i % 89999)::text, 5, '0'), 'US'
		FROM seed_rows s WHERE s.firm_id = @firm AND s.kind = 'contact' AND s.i BETWEEN @a AND @b AND s.i % 2 = 0`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("contact addresses: %w", err)
	}
	return nil
}

// users: the firm's lawyers and staff, a tenth of them administrators.
func (g *grower) users(a, b int) error {
	q := `WITH ins AS (
		INSERT INTO users (firm_id, email, first_name, last_name, role, active)
		SELECT CAST(@firm AS bigint), 'user' || i || '@staff.demo.parley.test', ` + pick("firsts", "i * 13") + `, ` + pick("lasts", "i * 17") + `,
			CASE WHEN i % 10 = 0 THEN 'admin' ELSE 'member' END, true
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS i ORDER BY i
		RETURNING id)
	INSERT INTO seed_rows (firm_id, kind, i, row_id)
	SELECT @firm, 'user', @a - 1 + row_number() OVER (ORDER BY id), id FROM ins`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("users: %w", err)
	}
	return nil
}

// matters: three in four clients have one matter; heavyClients contacts at
// the end of the list share the rest, dozens each.
func (g *grower) matters(a, b int) error {
	q := `WITH ins AS (
		INSERT INTO matters (firm_id, number, description, practice_area, status, status_category, client_contact_id,
			responsible_user_id, permission, opened_at, closed_at, created_at, updated_at)
		SELECT CAST(@firm AS bigint), 'L-' || lpad(j::text, 6, '0'),
			CASE WHEN c.kind = 'company' THEN c.company_name ELSE c.last_name END || ': ' || ` + pick("areas", "j") + ` || ' matter ' || j,
			` + pick("areas", "j") + `,
			CASE j % 10 WHEN 0 THEN 'Closed' WHEN 1 THEN 'Closed' WHEN 2 THEN 'Pending' ELSE 'Open' END,
			CASE j % 10 WHEN 0 THEN 'closed' WHEN 1 THEN 'closed' WHEN 2 THEN 'pending' ELSE 'open' END,
			c.id, CASE WHEN j % 2 = 0 THEN CAST(@admin AS bigint) ELSE CAST(@member AS bigint) END,
			CASE WHEN j % 10 = 5 THEN 'users' ELSE 'everyone' END,
			(now() - make_interval(days => j % 2000))::date,
			CASE WHEN j % 10 < 2 THEN (now() - make_interval(days => j % 300))::date END,
			now() - make_interval(days => j % 2000), now() - make_interval(mins => j * 7 % 525600)
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS j
		JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'contact'
			AND s.i = CASE WHEN j <= @oneeach THEN j ELSE @contacts - j % @heavy END
		JOIN contacts c ON c.id = s.row_id
		ORDER BY j RETURNING id)
	INSERT INTO seed_rows (firm_id, kind, i, row_id)
	SELECT CAST(@firm AS bigint), 'matter', @a - 1 + row_number() OVER (ORDER BY id), id FROM ins`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("matters: %w", err)
	}
	// A restricted matter is open to three of the firm's users; one in ten
	// to the demo's member too.
	q = `INSERT INTO matter_permitted_users (firm_id, matter_id, user_id)
		SELECT CAST(@firm AS bigint), s.row_id, u.row_id FROM seed_rows s, generate_series(0, 2) AS n
		JOIN seed_rows u ON u.firm_id = @firm AND u.kind = 'user'
		WHERE s.firm_id = @firm AND s.kind = 'matter' AND s.i BETWEEN @a AND @b AND s.i % 10 = 5
			AND u.i = 1 + (s.i * 7 + n * 13) % @users
		UNION
		SELECT CAST(@firm AS bigint), s.row_id, CAST(@member AS bigint) FROM seed_rows s
		WHERE s.firm_id = @firm AND s.kind = 'matter' AND s.i BETWEEN @a AND @b AND s.i % 100 = 5
		ON CONFLICT DO NOTHING`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("matter users: %w", err)
	}
	// Half the matters have two folders.
	q = `INSERT INTO folders (firm_id, matter_id, name, shared_with_client, shared_at, created_by_user_id)
		SELECT CAST(@firm AS bigint), s.row_id, f.name, f.shared, CASE WHEN f.shared THEN now() END, CAST(@admin AS bigint)
		FROM seed_rows s, (VALUES ('Correspondence', true), ('Evidence', false)) AS f (name, shared)
		WHERE s.firm_id = @firm AND s.kind = 'matter' AND s.i BETWEEN @a AND @b AND s.i % 2 = 0 AND s.i > 1
		ON CONFLICT DO NOTHING`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("matter folders: %w", err)
	}
	q = `INSERT INTO matter_related_contacts (firm_id, matter_id, contact_id, relationship)
		SELECT CAST(@firm AS bigint), m.row_id, c.row_id, ` + pick("relations", "m.i") + `
		FROM seed_rows m JOIN seed_rows c ON c.firm_id = @firm AND c.kind = 'contact'
			AND c.i = 1 + (m.i::bigint * 7919 % @contacts)
		JOIN matters x ON x.id = m.row_id
		WHERE m.firm_id = @firm AND m.kind = 'matter' AND m.i BETWEEN @a AND @b AND m.i % 3 = 0
			AND x.client_contact_id <> c.row_id
		ON CONFLICT DO NOTHING`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("related contacts: %w", err)
	}
	return nil
}

// texts: bigThreads threads of a twenty-sixth of the texts each, midThreads
// of a thousandth each, and the rest in threads of shortThread, newest
// threads first. Text k's thread is thread t's contact, t+1 in seed_rows.
func (g *grower) texts(a, b int) error {
	q := fmt.Sprintf(`WITH k AS (
		SELECT k, CASE
			WHEN k <= %[1]d * @bigthread THEN (k - 1) / @bigthread
			WHEN k <= %[1]d * @bigthread + %[2]d * @midthread THEN %[1]d + (k - 1 - %[1]d * @bigthread) / @midthread
			ELSE %[1]d + %[2]d + (k - 1 - %[1]d * @bigthread - %[2]d * @midthread) / %[3]d END AS t,
			CASE
			WHEN k <= %[1]d * @bigthread THEN (k - 1) %% @bigthread
			WHEN k <= %[1]d * @bigthread + %[2]d * @midthread THEN (k - 1 - %[1]d * @bigthread) %% @midthread
			ELSE (k - 1 - %[1]d * @bigthread - %[2]d * @midthread) %% %[3]d END AS pos
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k)
	, ins AS (
	INSERT INTO text_messages (firm_id, contact_id, direction, dialect, carrier_message_id, firm_number, contact_number,
		body, status, failure_reason, sent_by_user_id, created_at, updated_at)
	SELECT CAST(@firm AS bigint), s.row_id, CASE WHEN pos %% 2 = 0 THEN 'in' ELSE 'out' END, 'twilio', 'SEED' || CAST(@firm AS bigint) || '-' || k,
		@number, coalesce(p.number, '+12025550100'), %[4]s,
		CASE WHEN pos %% 2 = 0 THEN 'received' WHEN k %% 50 = 1 THEN 'failed' ELSE 'delivered' END,
		CASE WHEN pos %% 2 = 1 AND k %% 50 = 1 THEN 'Unreachable number' ELSE '' END,
		CASE WHEN pos %% 2 = 1 THEN CAST(@admin AS bigint) END,
		now() - make_interval(mins => (t * 53 + 100000 - least(pos, 99999)) %% 5000000),
		now() - make_interval(mins => (t * 53 + 100000 - least(pos, 99999)) %% 5000000)
	FROM k JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'contact' AND s.i = k.t + 1
	LEFT JOIN LATERAL (SELECT number FROM contact_phone_numbers p WHERE p.firm_id = @firm AND p.contact_id = s.row_id
		ORDER BY p.is_texting DESC, p.id LIMIT 1) p ON true
	ORDER BY k
	RETURNING id, direction)
	-- Two inbound texts in a hundred came with a photo.
	INSERT INTO text_media (firm_id, message_id, position, url, declared_type, sniffed_type, status, size_bytes, sha256, storage_key)
	SELECT @firm, id, 0, 'https://api.twilio.com/media/seed' || id, 'image/jpeg', 'image/jpeg', 'kept', 48213, @sum, @key
	FROM ins WHERE direction = 'in' AND id %% 100 < 2`, bigThreads, midThreads, shortThread, pick("bodies", "k"))
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("texts: %w", err)
	}
	return nil
}

// documents: the first matter holds a hundredth of them, in ten folders;
// every other matter ten, at its top level.
func (g *grower) documents(a, b int) error {
	q := `INSERT INTO folders (firm_id, matter_id, name, shared_with_client, shared_at, created_by_user_id)
		SELECT CAST(@firm AS bigint), s.row_id, ` + pick("doctypes", "f") + ` || ' ' || f, f % 2 = 0, CASE WHEN f % 2 = 0 THEN now() END, CAST(@admin AS bigint)
		FROM seed_rows s, generate_series(1, 10) AS f
		WHERE s.firm_id = @firm AND s.kind = 'matter' AND s.i = 1
		ON CONFLICT DO NOTHING`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("folders: %w", err)
	}
	q = `WITH k AS (
		SELECT k, CASE WHEN k <= @big THEN 1 ELSE 2 + ((k - @big - 1) / 10) % greatest(@matters - 1, 1) END AS m
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k)
	INSERT INTO documents (firm_id, matter_id, folder_id, name, size_bytes, sha256, mime_type, storage_key,
		uploaded_by_user_id, uploaded_by_contact_id, shared_with_client, shared_at, created_at, updated_at)
	SELECT CAST(@firm AS bigint), s.row_id,
		CASE WHEN k.m = 1 AND k.k % 11 <> 0 THEN (SELECT f.id FROM folders f WHERE f.firm_id = @firm AND f.matter_id = s.row_id
			ORDER BY f.id OFFSET k.k % 10 LIMIT 1)
			WHEN k.m <> 1 AND k.k % 3 = 0 THEN (SELECT f.id FROM folders f WHERE f.firm_id = @firm AND f.matter_id = s.row_id
			ORDER BY f.id LIMIT 1) END,
		` + pick("doctypes", "k.k") + ` || ' ' || k.k || '.pdf', 20000 + k.k % 900000, @sum, 'application/pdf', @key,
		CASE WHEN k.k % 5 <> 0 THEN CAST(@admin AS bigint) END, CASE WHEN k.k % 5 = 0 THEN x.client_contact_id END,
		k.k % 5 <> 0 AND k.k % 2 = 0, CASE WHEN k.k % 5 <> 0 AND k.k % 2 = 0 THEN now() END,
		now() - make_interval(mins => k.k * 13 % 2000000), now()
	FROM k JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'matter' AND s.i = k.m
	JOIN matters x ON x.id = s.row_id
	ORDER BY k.k`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	return nil
}

// messages: the first matter holds a hundredth of them, every other ten;
// a tenth are unread.
func (g *grower) messages(a, b int) error {
	q := `WITH k AS (
		SELECT k, CASE WHEN k <= @bigmsgs THEN 1 ELSE 2 + ((k - @bigmsgs - 1) / 10) % greatest(@matters - 1, 1) END AS m
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k)
	INSERT INTO portal_messages (firm_id, matter_id, author_user_id, author_contact_id, body, read_at, created_at, updated_at)
	SELECT CAST(@firm AS bigint), s.row_id, CASE WHEN k.k % 2 = 0 THEN CAST(@admin AS bigint) END, CASE WHEN k.k % 2 = 1 THEN x.client_contact_id END,
		` + pick("bodies", "k.k * 3") + `,
		CASE WHEN k.k % 10 <> 0 THEN now() - make_interval(mins => k.k * 11 % 2000000) END,
		now() - make_interval(mins => k.k * 11 % 2000000 + 60), now()
	FROM k JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'matter' AND s.i = k.m
	JOIN matters x ON x.id = s.row_id
	ORDER BY k.k`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("messages: %w", err)
	}
	return nil
}

// events: spread over a span that grows with their number, so a week holds
// as many at every size; each with the admin and the matter's client.
func (g *grower) events(a, b int) error {
	q := `WITH ins AS (
		INSERT INTO events (firm_id, matter_id, title, starts_at, ends_at, location, created_by_user_id)
		SELECT CAST(@firm AS bigint), s.row_id, ` + pick("titles", "k") + `,
			date_trunc('hour', now()) + make_interval(days => 60) - make_interval(mins => (k::bigint * @span * 1440 / @events)::int),
			date_trunc('hour', now()) + make_interval(days => 60) - make_interval(mins => (k::bigint * @span * 1440 / @events)::int - 60),
			'Office', CAST(@admin AS bigint)
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k
		JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'matter' AND s.i = 1 + (k::bigint * 7 % @matters)
		ORDER BY k RETURNING id, matter_id, starts_at),
	att AS (
		INSERT INTO event_attendees (firm_id, event_id, user_id, contact_id)
		SELECT CAST(@firm AS bigint), ins.id, CAST(@admin AS bigint), CAST(NULL AS bigint) FROM ins
		UNION ALL
		SELECT CAST(@firm AS bigint), ins.id, CAST(NULL AS bigint), m.client_contact_id FROM ins JOIN matters m ON m.id = ins.matter_id
		RETURNING id, event_id, contact_id)
	-- A quarter of the events texted their contact an invitation.
	INSERT INTO event_notifications (firm_id, event_id, attendee_id, kind, status, send_at, sent_at)
	SELECT @firm, ins.id, att.id, 'created', 'sent', ins.starts_at - interval '7 days', ins.starts_at - interval '7 days'
	FROM att JOIN ins ON ins.id = att.event_id WHERE att.contact_id IS NOT NULL AND ins.id % 4 = 0`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("events: %w", err)
	}
	return nil
}

// signins: a fifth of the contacts signed in to the portal once, with a
// link long used up.
func (g *grower) signins(a, b int) error {
	q := `INSERT INTO login_tokens (firm_id, token_hash, email, contact_id, purpose, expires_at, used_at, created_at)
		SELECT CAST(@firm AS bigint), sha256(('seed-' || CAST(@firm AS bigint) || '-' || k)::bytea), 'seed' || k || '@example.com',
			s.row_id, CASE WHEN k % 3 = 0 THEN 'invite' ELSE 'login' END,
			now() - make_interval(days => k % 700), now() - make_interval(days => k % 700, mins => 50),
			now() - make_interval(days => k % 700, hours => 1)
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k
		JOIN seed_rows s ON s.firm_id = @firm AND s.kind = 'contact' AND s.i = k * 5 - 4`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("sign-ins: %w", err)
	}
	return nil
}

// unknownTexts: texts from numbers no contact has.
func (g *grower) unknownTexts(a, b int) error {
	q := `INSERT INTO unknown_texts (firm_id, dialect, carrier_message_id, from_number, body, created_at, updated_at)
		SELECT CAST(@firm AS bigint), 'twilio', 'SEEDU' || CAST(@firm AS bigint) || '-' || k,
			'+1' || (ARRAY['212','312','415','617','713'])[1 + k % 5] || '99' || lpad((k % 100000)::text, 5, '0'),
			` + pick("bodies", "k * 7") + `, now() - make_interval(mins => k * 37 % 1000000), now()
		FROM generate_series(CAST(@a AS int), CAST(@b AS int)) AS k`
	if err := g.db.Exec(q, g.args(a, b)).Error; err != nil {
		return fmt.Errorf("unknown texts: %w", err)
	}
	return nil
}

// reads marks nine threads in ten read for the demo's users, so a tenth
// are unread.
func (g *grower) reads() error {
	q := `INSERT INTO text_thread_reads (firm_id, user_id, contact_id, last_read_message_id, read_inbound)
		SELECT CAST(@firm AS bigint), u, t.contact_id, t.last_text_id, t.inbound
		FROM text_threads t, unnest(ARRAY[CAST(@admin AS bigint), CAST(@member AS bigint)]) AS u
		WHERE t.firm_id = @firm AND t.contact_id % 10 <> 0
		ON CONFLICT (user_id, contact_id) DO UPDATE
		SET last_read_message_id = excluded.last_read_message_id, read_inbound = excluded.read_inbound`
	if err := g.db.Exec(q, g.args(0, 0)).Error; err != nil {
		return fmt.Errorf("seed: thread reads: %w", err)
	}
	q = `INSERT INTO text_read_totals (user_id, firm_id, read)
		SELECT user_id, @firm, sum(read_inbound) FROM text_thread_reads WHERE firm_id = @firm GROUP BY user_id
		ON CONFLICT (user_id) DO UPDATE SET read = excluded.read`
	if err := g.db.Exec(q, g.args(0, 0)).Error; err != nil {
		return fmt.Errorf("seed: read totals: %w", err)
	}
	return nil
}
