package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/apitokens"
	"github.com/parleyhq/parley/shared/testkit/bigfirm"
)

// recordsRequests is how many views each page gets at each size, both as
// fast as the server answers and at the page's target rate.
const recordsRequests = 4000

// The rates the issues set: 1,000 views a second of a staff page (issue
// 13), 2,000 of the REST API's contact search (issue 15).
const (
	pageRate = 1000
	apiRate  = 2000
)

// BenchmarkFirmRecords loads the contact searches and a filtered matter
// list, and the REST API's contact list and searches, from 32 connections
// at once, on a firm with 1,000 contacts and on one with 100,000 contacts
// and 20,000 matters (seed.Sizes records-1k and records-100k, made once
// per machine). Each page is loaded twice: as fast as it is answered (its
// throughput, and the latency at that throughput), then with its views due
// at the page's target rate (the latency a firm sees at that load, counted
// from when each view was due). It prints both at both sizes. Run it with
// -benchtime=1x; -bench 'BenchmarkFirmRecords/API' runs some pages only.
func BenchmarkFirmRecords(b *testing.B) {
	sizes := []string{"records-1k", "records-100k"}
	type page struct {
		name, path, want string
		rate             int
	}
	type result struct {
		rate     float64
		p50, p99 time.Duration
		// cpu and pg are this process's (server and load client) and the
		// database backends' CPU per request: what bounds req/s on two cores.
		cpu, pg time.Duration
		// paced are the percentiles with the views due at the page's rate.
		pacedP50, pacedP99 time.Duration
	}
	pagesOf := map[string][]page{}
	cookies, tokens := map[string]string{}, map[string]string{}
	portals := map[string]*portal{}
	for _, size := range sizes {
		dbURL := bigfirm.DB(b, size)
		gdb, err := db.Open(context.Background(), dbURL, db.GenericPlans()) // as web.Run opens it
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close(gdb) })
		store, err := docstore.NewDisk(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		p := serve(b, dbURL, gdb, store)
		portals[size], cookies[size] = p, p.signIn(b, seed.DemoMemberEmail)
		token, _, err := (&apitokens.Store{DB: gdb}).CreateForEmail(context.Background(), seed.DemoMemberEmail, "bench")
		if err != nil {
			b.Fatal(err)
		}
		tokens[size] = "Bearer " + token
		// The same contact at both sizes: the 500th generated.
		var last, phone string
		if err := gdb.Raw(`SELECT c.last_name, p.number FROM seed_rows s JOIN contacts c ON c.id = s.row_id
			JOIN contact_phone_numbers p ON p.contact_id = c.id
			WHERE s.kind = 'contact' AND s.i = 500 AND p.label = 'mobile'`).Row().Scan(&last, &phone); err != nil {
			b.Fatal(err)
		}
		name, digits := strings.ToLower(last[:4]), phone[len(phone)-7:]
		pagesOf[size] = []page{
			// Fifty rows at both sizes: what a page of a search costs once
			// it is full.
			{"contacts list", "/staff/contacts", `<strong>`, pageRate},
			{"contact search by name", "/staff/contacts?q=" + url.QueryEscape(name), last, pageRate},
			{"contact search by phone", "/staff/contacts?q=" + digits, last, pageRate},
			{"open matters", "/staff/matters?status=open", `<td><a href="/staff/matters/`, pageRate},
			{"matters by client search", "/staff/matters?q=" + url.QueryEscape(name), `<td><a href="/staff/matters/`, pageRate},
			// The REST API's list and search (issue 15), as an integration
			// pages it: fifty contacts in ID order.
			{"API contacts", "/api/v1/contacts", `"global_id"`, apiRate},
			{"API contact search by name", "/api/v1/contacts?query=" + url.QueryEscape(name), last, apiRate},
			{"API contact search by phone", "/api/v1/contacts?query=" + digits, last, apiRate},
		}
	}
	client := newLoadClient()
	defer client.CloseIdleConnections()
	results := map[string]map[string]result{}
	for _, size := range sizes {
		results[size] = map[string]result{}
	}
	// A sub-benchmark a page, so -bench 'BenchmarkFirmRecords/API' measures
	// only some; each runs at both sizes.
	for i, p := range pagesOf[sizes[0]] {
		b.Run(strings.ReplaceAll(p.name, " ", "_"), func(b *testing.B) {
			for _, size := range sizes {
				p := pagesOf[size][i]
				want := []byte(p.want)
				check := func(body []byte) error {
					if !bytes.Contains(body, want) {
						return fmt.Errorf("%q is missing", p.want)
					}
					return nil
				}
				server := portals[size]
				target, who := server.base+p.path, cookies[size]
				if strings.HasPrefix(p.path, "/api/") {
					who = tokens[size]
				}
				if _, err := load(client, target, who, 500, check); err != nil {
					b.Fatal(err)
				}
				for range b.N {
					pg0, cpu0 := server.postgresCPU(b), processCPU()
					start := time.Now()
					lat, err := load(client, target, who, recordsRequests, check)
					elapsed := time.Since(start)
					cpu, pg := processCPU()-cpu0, server.postgresCPU(b).since(pg0)
					if err != nil {
						b.Fatal(err)
					}
					slices.Sort(lat)
					n := time.Duration(len(lat))
					r := result{rate: float64(len(lat)) / elapsed.Seconds(),
						p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), cpu: cpu / n, pg: pg / n}
					if lat, err = loadAt(client, target, who, recordsRequests, p.rate, check); err != nil {
						b.Fatal(err)
					}
					slices.Sort(lat)
					r.pacedP50, r.pacedP99 = percentile(lat, 0.5), percentile(lat, 0.99)
					results[size][p.name] = r
				}
			}
			l := results[sizes[1]][pagesOf[sizes[1]][i].name]
			b.ReportMetric(l.rate, "100k-req/s")
			b.ReportMetric(ms(l.p99), "100k-p99-ms")
			b.ReportMetric(ms(l.pacedP99), "100k-at-rate-p99-ms")
		})
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%d connections, %d views a page at each size and load. As fast as answered: req/s, p50 and p99 (ms),\n"+
		"CPU a request (µs: this process, Postgres). At the target rate (views due at /s): p50 and p99 (ms).\n"+
		"p50 ratios, 100,000 contacts to 1,000: as fast as answered, and at the target rate.\n", connections, recordsRequests)
	fmt.Fprintf(&sb, "%-28s %33s %15s | %33s %15s | %15s\n", "", "1,000 contacts", "at rate", "100,000 contacts", "at rate", "p50 ratio")
	fmt.Fprintf(&sb, "%-28s %6s %6s %6s %6s %6s %7s %7s | %6s %6s %6s %6s %6s %7s %7s | %7s %7s\n", "page",
		"req/s", "p50", "p99", "cpu", "pg", "p50", "p99", "req/s", "p50", "p99", "cpu", "pg", "p50", "p99", "fast", "at rate")
	for _, p := range pagesOf[sizes[0]] {
		s, ok1 := results[sizes[0]][p.name]
		l, ok2 := results[sizes[1]][p.name]
		if !ok1 || !ok2 {
			continue
		}
		fmt.Fprintf(&sb, "%-28s %6.0f %6.2f %6.2f %6d %6d %7.2f %7.2f | %6.0f %6.2f %6.2f %6d %6d %7.2f %7.2f | %6.2fx %6.2fx  (%d/s)\n", p.name,
			s.rate, ms(s.p50), ms(s.p99), s.cpu.Microseconds(), s.pg.Microseconds(), ms(s.pacedP50), ms(s.pacedP99),
			l.rate, ms(l.p50), ms(l.p99), l.cpu.Microseconds(), l.pg.Microseconds(), ms(l.pacedP50), ms(l.pacedP99),
			float64(l.p50)/float64(s.p50), float64(l.pacedP50)/float64(s.pacedP50), p.rate)
	}
	b.Log(sb.String())
	fmt.Print(sb.String())
}
