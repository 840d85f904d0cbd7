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

// recordsRequests is how many page views each page gets at each size.
const recordsRequests = 4000

// BenchmarkFirmRecords loads the contact searches and a filtered matter
// list, and the REST API's contact list and searches, from 32 connections
// at once, on a firm with 1,000 contacts and on
// one with 100,000 contacts and 20,000 matters (seed.Sizes records-1k and
// records-100k, made once per machine), and prints each page's
// throughput and latency at both sizes. Run it with -benchtime=1x.
func BenchmarkFirmRecords(b *testing.B) {
	sizes := []string{"records-1k", "records-100k"}
	type page struct{ name, path, want string }
	type result struct {
		rate     float64
		p50, p99 time.Duration
	}
	pagesOf := map[string][]page{}
	cookies, tokens := map[string]string{}, map[string]string{}
	bases := map[string]string{}
	for _, size := range sizes {
		dbURL := bigfirm.DB(b, size)
		gdb, err := db.Open(context.Background(), dbURL)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close(gdb) })
		store, err := docstore.NewDisk(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		p := serve(b, dbURL, gdb, store)
		bases[size], cookies[size] = p.base, p.signIn(b, seed.DemoMemberEmail)
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
			{"contacts list", "/staff/contacts", `<strong>`},
			{"contact search by name", "/staff/contacts?q=" + url.QueryEscape(name), last},
			{"contact search by phone", "/staff/contacts?q=" + digits, last},
			{"open matters", "/staff/matters?status=open", `<td><a href="/staff/matters/`},
			{"matters by client search", "/staff/matters?q=" + url.QueryEscape(name), `<td><a href="/staff/matters/`},
			// The REST API's list and search (issue 15), as an integration
			// pages it: fifty contacts in ID order.
			{"API contacts", "/api/v1/contacts", `"global_id"`},
			{"API contact search by name", "/api/v1/contacts?query=" + url.QueryEscape(name), last},
			{"API contact search by phone", "/api/v1/contacts?query=" + digits, last},
		}
	}
	client := newLoadClient()
	defer client.CloseIdleConnections()
	results := map[string]map[string]result{}
	for _, size := range sizes {
		results[size] = map[string]result{}
		for _, p := range pagesOf[size] {
			want := []byte(p.want)
			check := func(body []byte) error {
				if !bytes.Contains(body, want) {
					return fmt.Errorf("%q is missing", p.want)
				}
				return nil
			}
			target, who := bases[size]+p.path, cookies[size]
			if strings.HasPrefix(p.path, "/api/") {
				who = tokens[size]
			}
			if _, err := load(client, target, who, 500, check); err != nil {
				b.Fatal(err)
			}
			for range b.N {
				start := time.Now()
				lat, err := load(client, target, who, recordsRequests, check)
				elapsed := time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				slices.Sort(lat)
				results[size][p.name] = result{rate: float64(len(lat)) / elapsed.Seconds(),
					p50: percentile(lat, 0.5), p99: percentile(lat, 0.99)}
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%d connections, %d views a page\n%-26s %22s %22s %12s\n", connections, recordsRequests,
		"page", "1,000 contacts", "100,000 contacts", "p50 ratio")
	fmt.Fprintf(&sb, "%-26s %8s %6s %6s %8s %6s %6s\n", "", "req/s", "p50", "p99", "req/s", "p50", "p99")
	for _, p := range pagesOf[sizes[0]] {
		s, l := results[sizes[0]][p.name], results[sizes[1]][p.name]
		fmt.Fprintf(&sb, "%-26s %8.0f %6.2f %6.2f %8.0f %6.2f %6.2f %11.2fx\n", p.name,
			s.rate, ms(s.p50), ms(s.p99), l.rate, ms(l.p50), ms(l.p99), float64(l.p50)/float64(s.p50))
		key := strings.ReplaceAll(p.name, " ", "_")
		b.ReportMetric(l.rate, key+"-100k-req/s")
		b.ReportMetric(ms(l.p99), key+"-100k-p99-ms")
	}
	b.Log(sb.String())
	fmt.Print(sb.String())
}
