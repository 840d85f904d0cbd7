package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/apitokens"
	"github.com/parleyhq/parley/shared/testkit/bigfirm"
)

// bigFirm is the portal over the demo firm grown to a size, with its
// people signed in and the rows the pages are about.
type bigFirm struct {
	*portal
	log                    *queryLog
	dbURL                  string
	admin, member, client  string // Cookie headers
	memberToken            string // a personal API token of the member
	bigMatter, bigThread   int64  // the first matter and the longest thread's contact
	typicalContact, typMat int64  // a contact with one matter, and that matter
	demoMatter             int64  // the demo client's matter
	nameQuery, emailQuery  string
	phoneQuery             string
	matterQuery            string // the typical matter's number
	matterArea             string // the typical matter's practice area
}

func startBigFirm(tb testing.TB, size string) *bigFirm {
	tb.Helper()
	dbURL := bigfirm.DB(tb, size)
	ql := newQueryLog()
	// As the portal opens it (web.Run), the tracer added.
	gdb, err := db.Open(context.Background(), dbURL, db.Traced(ql), db.GenericPlans())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close(gdb) })
	store, err := docstore.NewDisk(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	f := &bigFirm{portal: serve(tb, dbURL, gdb, store), log: ql, dbURL: dbURL}
	f.admin = f.signIn(tb, seed.DemoAdminEmail)
	f.member = f.signIn(tb, seed.DemoMemberEmail)
	f.client = f.signIn(tb, seed.DemoClientEmail)
	if f.memberToken, _, err = (&apitokens.Store{DB: gdb}).CreateForEmail(context.Background(), seed.DemoMemberEmail, "bench"); err != nil {
		tb.Fatal(err)
	}
	row := func(q string, dst ...any) {
		tb.Helper()
		if err := gdb.Raw(q).Row().Scan(dst...); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
	row(`SELECT row_id FROM seed_rows WHERE kind = 'matter' AND i = 1`, &f.bigMatter)
	row(`SELECT row_id FROM seed_rows WHERE kind = 'contact' AND i = 1`, &f.bigThread)
	row(`SELECT s.row_id, m.id FROM seed_rows s JOIN matters m ON m.client_contact_id = s.row_id
		WHERE s.kind = 'contact' AND s.i = 1000`, &f.typicalContact, &f.typMat)
	row(`SELECT m.id FROM matters m JOIN contact_emails e ON e.contact_id = m.client_contact_id
		WHERE e.address = '`+seed.DemoClientEmail+`' ORDER BY m.id LIMIT 1`, &f.demoMatter)
	row(`SELECT lower(number), practice_area FROM matters WHERE id = `+fmt.Sprint(f.typMat), &f.matterQuery, &f.matterArea)
	var last, email, phone string
	row(`SELECT c.last_name, e.address, p.number FROM seed_rows s JOIN contacts c ON c.id = s.row_id
		JOIN contact_emails e ON e.contact_id = c.id JOIN contact_phone_numbers p ON p.contact_id = c.id
		WHERE s.kind = 'contact' AND s.i = 1001 AND e.is_primary AND p.label = 'mobile'`, &last, &email, &phone)
	f.nameQuery, f.emailQuery, f.phoneQuery = strings.ToLower(last[:4]), email[:strings.IndexByte(email, '@')], phone[len(phone)-7:]
	return f
}

// bigPage is a page the big-firm benchmark times and the plan test checks.
type bigPage struct {
	name   string
	who    func(*bigFirm) string // the Cookie header, or for the API the bearer token
	path   func(*bigFirm) string
	htmx   bool
	header [2]string
}

// withToken is the member's API token.
func withToken(f *bigFirm) string { return "Bearer " + f.memberToken }

func asAdmin(f *bigFirm) string  { return f.admin }
func asMember(f *bigFirm) string { return f.member }
func asClient(f *bigFirm) string { return f.client }

func fixed(p string) func(*bigFirm) string { return func(*bigFirm) string { return p } }

var bigPages = []bigPage{
	{name: "calendar week", who: asAdmin, path: fixed("/staff/calendar?view=week")},
	{name: "calendar week (member)", who: asMember, path: fixed("/staff/calendar?view=week")},
	{name: "calendar list", who: asAdmin, path: fixed("/staff/calendar?view=list")},
	{name: "client /portal/", who: asClient, path: fixed("/portal/")},
	{name: "client matter page", who: asClient, path: func(f *bigFirm) string { return "/portal/matters/" + fmt.Sprint(f.demoMatter) }},
	{name: "contacts list", who: asAdmin, path: fixed("/staff/contacts")},
	{name: "contact search by name", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts?q=" + url.QueryEscape(f.nameQuery) }},
	{name: "contact search by letter", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts?q=" + url.QueryEscape(f.nameQuery[:1]) }},
	{name: "contact search by email", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts?q=" + url.QueryEscape(f.emailQuery) }},
	{name: "contact search by phone", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts?q=" + url.QueryEscape(f.phoneQuery) }},
	{name: "Communications", who: asAdmin, path: fixed("/staff/texts")},
	{name: "unread text badge", who: asAdmin, path: fixed("/staff/texts/badge"), htmx: true, header: [2]string{"X-Parley-Poll", "1"}},
	{name: "typical contact page", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts/" + fmt.Sprint(f.typicalContact) }},
	{name: "new-text contact picker", who: asAdmin, path: func(f *bigFirm) string { return "/staff/texts/new?q=" + url.QueryEscape(f.nameQuery) }, htmx: true},
	{name: "staff /staff/", who: asAdmin, path: fixed("/staff/")},
	{name: "staff /staff/ (member)", who: asMember, path: fixed("/staff/")},
	{name: "big matter page", who: asAdmin, path: func(f *bigFirm) string { return "/staff/matters/" + fmt.Sprint(f.bigMatter) }},
	{name: "typical matter page", who: asMember, path: func(f *bigFirm) string { return "/staff/matters/" + fmt.Sprint(f.typMat) }},
	{name: "longest thread", who: asAdmin, path: func(f *bigFirm) string { return "/staff/texts/contacts/" + fmt.Sprint(f.bigThread) }},
	{name: "texts from unknown numbers", who: asAdmin, path: fixed("/staff/texts/unknown")},
	{name: "new event form", who: asMember, path: func(f *bigFirm) string { return "/staff/calendar/new?matter=" + fmt.Sprint(f.typMat) }},
	{name: "event form matter search", who: asMember, path: func(f *bigFirm) string { return "/staff/calendar/matters?matter_q=" + url.QueryEscape(f.matterQuery) }, htmx: true},
	{name: "open matters", who: asAdmin, path: fixed("/staff/matters?status=open")},
	{name: "my matters (member)", who: asMember, path: fixed("/staff/matters?mine=1")},
	{name: "matters by practice area", who: asAdmin, path: func(f *bigFirm) string { return "/staff/matters?area=" + url.QueryEscape(f.matterArea) }},
	{name: "matters by client", who: asMember, path: func(f *bigFirm) string { return "/staff/matters?client=" + fmt.Sprint(f.typicalContact) }},
	{name: "matter search by client name", who: asMember, path: func(f *bigFirm) string { return "/staff/matters?q=" + url.QueryEscape(f.nameQuery) }},
	{name: "closed matters by search", who: asMember, path: func(f *bigFirm) string { return "/staff/matters?status=closed&q=" + url.QueryEscape(f.nameQuery) }},
	{name: "matter notes", who: asMember, path: func(f *bigFirm) string { return "/staff/matters/" + fmt.Sprint(f.typMat) + "/notes" }, htmx: true},
	{name: "contact notes", who: asMember, path: func(f *bigFirm) string { return "/staff/contacts/" + fmt.Sprint(f.typicalContact) + "/notes" }, htmx: true},
	{name: "new matter form", who: asMember, path: fixed("/staff/matters/new")},
	{name: "matter edit form", who: asMember, path: func(f *bigFirm) string { return "/staff/matters/" + fmt.Sprint(f.typMat) + "/edit" }},
	{name: "matter form client search", who: asMember, path: func(f *bigFirm) string {
		return "/staff/matters/contact-choices?field=client_id&client_q=" + url.QueryEscape(f.nameQuery)
	}, htmx: true},
	{name: "event form contact search", who: asMember, path: func(f *bigFirm) string { return "/staff/calendar/contacts?contact_q=" + url.QueryEscape(f.nameQuery) }, htmx: true},
	{name: "API contacts", who: withToken, path: fixed("/api/v1/contacts")},
	{name: "API contact search by name", who: withToken, path: func(f *bigFirm) string { return "/api/v1/contacts?query=" + url.QueryEscape(f.nameQuery) }},
	{name: "API contact search by phone", who: withToken, path: func(f *bigFirm) string { return "/api/v1/contacts?query=" + url.QueryEscape(f.phoneQuery) }},
	{name: "API contact", who: withToken, path: func(f *bigFirm) string { return "/api/v1/contacts/" + fmt.Sprint(f.typicalContact) }},
	{name: "API matters", who: withToken, path: fixed("/api/v1/matters")},
	{name: "API matter", who: withToken, path: func(f *bigFirm) string { return "/api/v1/matters/" + fmt.Sprint(f.typMat) }},
	{name: "API matter notes", who: withToken, path: func(f *bigFirm) string { return "/api/v1/matters/" + fmt.Sprint(f.typMat) + "/notes" }},
	{name: "API contact notes", who: withToken, path: func(f *bigFirm) string { return "/api/v1/contacts/" + fmt.Sprint(f.typicalContact) + "/notes" }},
	{name: "API inbox leads", who: withToken, path: fixed("/api/v1/inbox_leads?state=untriaged")},
	{name: "API users", who: withToken, path: fixed("/api/v1/users")},
}

// fetch GETs one page and returns its body; a status other than 200 fails.
func (f *bigFirm) fetch(tb testing.TB, client *http.Client, p bigPage) []byte {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, f.base+p.path(f), nil)
	if err != nil {
		tb.Fatal(err)
	}
	if who := p.who(f); strings.HasPrefix(who, "Bearer ") {
		req.Header.Set("Authorization", who)
	} else {
		req.Header.Set("Cookie", who)
	}
	if p.htmx {
		req.Header.Set("HX-Request", "true")
	}
	if p.header[0] != "" {
		req.Header.Set(p.header[0], p.header[1])
	}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s (%s): status %d: %.300s", p.name, p.path(f), resp.StatusCode, body.Bytes())
	}
	return body.Bytes()
}

// growing are the tables that grow with a firm: no page may read one of
// them by a sequential scan.
var growing = map[string]bool{
	"contacts": true, "contact_terms": true, "contact_emails": true, "contact_phone_numbers": true, "contact_addresses": true,
	"matters": true, "matter_related_contacts": true, "matter_permitted_users": true,
	"documents": true, "folders": true, "portal_messages": true, "client_notices": true,
	"text_messages": true, "text_media": true, "text_threads": true, "text_thread_reads": true, "unknown_texts": true,
	"events": true, "event_attendees": true, "event_notifications": true, "login_tokens": true, "outbound_emails": true,
}

// TestBigFirmPlans opens every page of the benchmark on the large data set
// and asks Postgres for the plans of every statement they sent, both the
// plan for the values sent and the generic plan a prepared statement falls
// back to after five runs: neither may read a table that grows with the
// firm by a sequential scan. The data set is analyzed when made; the
// planner's settings are the portal's own (db.ConnConfig).
func TestBigFirmPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("makes (once per machine) and reads the large data set")
	}
	f := startBigFirm(t, "large")
	client := newLoadClient()
	defer client.CloseIdleConnections()
	conn, generic := explainConn(t, f.dbURL, ""), explainConn(t, f.dbURL, "force_generic_plan")
	for _, p := range bigPages {
		f.log.reset()
		f.fetch(t, client, p)
		stmts := f.log.statements()
		if len(stmts) == 0 {
			t.Errorf("%s: no statement recorded", p.name)
		}
		for _, s := range stmts {
			for _, scan := range seqScans(t, conn, s, false) {
				t.Errorf("%s: sequential scan on %s in\n%s\nwith %v", p.name, scan, s.sql, s.args)
			}
			for _, scan := range seqScans(t, generic, s, true) {
				t.Errorf("%s: sequential scan on %s in the generic plan of\n%s", p.name, scan, s.sql)
			}
		}
	}
}

// explainConn connects as the portal does, with plan_cache_mode set when
// it is not "".
func explainConn(t *testing.T, dbURL, planCache string) *pgx.Conn {
	t.Helper()
	cfg, err := db.ConnConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if planCache != "" {
		cfg.RuntimeParams["plan_cache_mode"] = planCache
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// seqScans lists the growing tables stmt's plan reads by a sequential scan:
// the plan for its values, or (generic) the generic plan of it prepared.
func seqScans(t *testing.T, conn *pgx.Conn, s statement, generic bool) []string {
	t.Helper()
	ctx := context.Background()
	sql, args := s.sql, s.args
	if len(args) > 0 {
		if _, ok := args[0].(pgx.QueryResultFormatsByOID); ok {
			args = args[1:] // database/sql's result formats, not a value
		}
	}
	if len(args) > 0 {
		if rw, ok := args[0].(pgx.QueryRewriter); ok {
			var err error
			if sql, args, err = rw.RewriteQuery(ctx, conn, sql, args[1:]); err != nil {
				t.Fatalf("rewrite %s: %v", sql, err)
			}
		}
	}
	explain := "EXPLAIN (FORMAT JSON) " + sql
	if generic {
		name := fmt.Sprintf("plan_%p_%d", &s, len(args))
		if _, err := conn.Prepare(ctx, name, sql); err != nil {
			t.Fatalf("prepare %s: %v", sql, err)
		}
		defer conn.Deallocate(ctx, name) //nolint:errcheck
		// EXECUTE takes its values as literals, not as parameters.
		params := make([]string, len(args))
		for i, a := range args {
			params[i] = literal(a)
		}
		explain = "EXPLAIN (FORMAT JSON) EXECUTE " + name
		if len(params) > 0 {
			explain += "(" + strings.Join(params, ", ") + ")"
		}
		args = nil
	}
	var raw []byte
	if err := conn.QueryRow(ctx, explain, args...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	var plans []struct{ Plan planNode }
	if err := json.Unmarshal(raw, &plans); err != nil {
		t.Fatalf("plan of %s: %v", sql, err)
	}
	var out []string
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.NodeType == "Seq Scan" && growing[n.Relation] {
			out = append(out, n.Relation)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, p := range plans {
		walk(p.Plan)
	}
	return out
}

// literal writes a statement's argument as an SQL literal.
func literal(a any) string {
	switch v := a.(type) {
	case nil:
		return "NULL"
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case time.Time:
		return "'" + v.Format(time.RFC3339Nano) + "'"
	case *time.Time:
		if v == nil {
			return "NULL"
		}
		return "'" + v.Format(time.RFC3339Nano) + "'"
	case bool:
		return fmt.Sprint(v)
	case []byte:
		return fmt.Sprintf("'\\x%x'", v)
	}
	return fmt.Sprintf("'%v'", a)
}

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Plans    []planNode `json:"Plans"`
}

// BenchmarkBigFirmPages times every page above, 50 sequential views each,
// on the medium and the large data sets (made once per machine), and prints
// each page's median at both sizes and their ratio. Run it with
// -benchtime=1x: one op is the whole table.
func BenchmarkBigFirmPages(b *testing.B) {
	const views = 50
	type result struct {
		p50   time.Duration
		bytes int
	}
	sizes := []string{"medium", "large"}
	firms, clients := map[string]*bigFirm{}, map[string]*http.Client{}
	for _, size := range sizes {
		firms[size], clients[size] = startBigFirm(b, size), newLoadClient()
		defer clients[size].CloseIdleConnections()
	}
	results := map[string]map[string]result{"medium": {}, "large": {}}
	for _, p := range bigPages {
		// The two sizes take turns, request by request, so a busy moment
		// on the machine weighs on both alike.
		lat := map[string][]time.Duration{}
		n := map[string]int{}
		for _, size := range sizes {
			firms[size].fetch(b, clients[size], p) // warm up
		}
		for range views * b.N {
			for _, size := range sizes {
				start := time.Now()
				n[size] = len(firms[size].fetch(b, clients[size], p))
				lat[size] = append(lat[size], time.Since(start))
			}
		}
		for _, size := range sizes {
			slices.Sort(lat[size])
			results[size][p.name] = result{p50: percentile(lat[size], 0.5), bytes: n[size]}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%-30s %10s %10s %7s %10s %9s\n", "page", "medium", "large", "ratio", "medium KB", "large KB")
	worst := 0.0
	for _, p := range bigPages {
		m, l := results["medium"][p.name], results["large"][p.name]
		ratio := float64(l.p50) / float64(m.p50)
		worst = max(worst, ratio)
		fmt.Fprintf(&sb, "%-30s %8.2fms %8.2fms %6.2fx %10.1f %9.1f\n", p.name, ms(m.p50), ms(l.p50), ratio,
			float64(m.bytes)/1000, float64(l.bytes)/1000)
		b.ReportMetric(ms(l.p50), strings.ReplaceAll(p.name, " ", "_")+"-large-p50-ms")
	}
	b.ReportMetric(worst, "worst-ratio")
	b.Log(sb.String())
	fmt.Print(sb.String())
}

// queryLog records the statements the portal sends, with their arguments,
// including the queries of a batch and those of prepared statements.
type queryLog struct {
	mu       sync.Mutex
	stmts    []statement
	prepared map[string]string
}

type statement struct {
	sql  string
	args []any
}

func newQueryLog() *queryLog { return &queryLog{prepared: map[string]string{}} }

func (l *queryLog) reset() {
	l.mu.Lock()
	l.stmts = nil
	l.mu.Unlock()
}

func (l *queryLog) statements() []statement {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []statement
	for _, s := range l.stmts {
		if sql, ok := l.prepared[s.sql]; ok {
			s.sql = sql
		}
		switch strings.ToUpper(strings.Fields(s.sql + " x")[0]) {
		case "SELECT", "WITH", "UPDATE", "DELETE", "INSERT":
			out = append(out, s)
		}
	}
	return out
}

func (l *queryLog) add(sql string, args []any) {
	l.mu.Lock()
	l.stmts = append(l.stmts, statement{sql: sql, args: args})
	l.mu.Unlock()
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.add(d.SQL, d.Args)
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (l *queryLog) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		l.add(q.SQL, q.Arguments)
	}
	return ctx
}

func (l *queryLog) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (l *queryLog) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (l *queryLog) TracePrepareStart(ctx context.Context, _ *pgx.Conn, d pgx.TracePrepareStartData) context.Context {
	l.mu.Lock()
	l.prepared[d.Name] = d.SQL
	l.mu.Unlock()
	return ctx
}

func (l *queryLog) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}
