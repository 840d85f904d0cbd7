// Package bench_test measures the portal as a client uses it: the real app
// on a real Postgres and Redis, over HTTP, signed in through a link.
package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

const (
	matterDocuments = 50
	matterMessages  = 50
	connections     = 32
	warmupRequests  = 2000
	// checkEvery is how often a response's body is checked for the documents.
	checkEvery = 16
)

// BenchmarkClientMatterPage loads one matter page (50 documents, 50
// messages) as a signed-in client, from 32 keep-alive connections at once.
// Setup runs once in the parent; the load runs in the sub-benchmark, so
// -benchtime=Nx sends N page views.
func BenchmarkClientMatterPage(b *testing.B) {
	p := startPortal(b)
	cookie := p.signIn(b, seed.DemoClientEmail)
	page := p.base + "/portal/matters/" + strconv.FormatInt(p.matterID, 10)
	client := newLoadClient()
	defer client.CloseIdleConnections()

	// Warm up: fill the connection pools, prepare the statements, and pass
	// the session's first last-seen write.
	if _, err := load(client, page, cookie, warmupRequests, checkMatterPage); err != nil {
		b.Fatal(err)
	}

	b.Run(fmt.Sprintf("conns=%d", connections), func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		pg0 := p.postgresCPU(b)
		cpu0 := processCPU()
		start := time.Now()
		lat, err := load(client, page, cookie, b.N, checkMatterPage)
		elapsed := time.Since(start)
		cpu := processCPU() - cpu0
		pg := p.postgresCPU(b).since(pg0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
		b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
		b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
		// CPU of this process (server and load client) per request: steadier
		// than req/s when other work shares the machine.
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(lat)), "cpu-us/req")
		// The database's server processes share the two cores too: their
		// CPU bounds the machine's requests per second as much as ours.
		b.ReportMetric(float64(pg.Microseconds())/float64(len(lat)), "pg-cpu-us/req")
	})
}

// checkMatterPage fails a client matter page without its documents and
// newest message.
func checkMatterPage(body []byte) error {
	if got := bytes.Count(body, []byte(`href="/portal/documents/`)); got < matterDocuments {
		return fmt.Errorf("%d document links, want %d", got, matterDocuments)
	}
	if !bytes.Contains(body, []byte(messageBody(matterMessages-1))) {
		return fmt.Errorf("the last message is missing")
	}
	return nil
}

// load sends n GETs of page from connections workers, each sending its
// next as soon as its last is answered, and returns every latency; check
// reads every checkEvery-th body. It stops at the first failure. cookie is
// the Cookie header, or for the API "Bearer <token>".
func load(client *http.Client, page, cookie string, n int, check func([]byte) error) ([]time.Duration, error) {
	return loadAt(client, page, cookie, n, 0, check)
}

// loadAt is load with the requests due at rate a second (0: as fast as
// answered), the i-th at start+i/rate, from the same workers. A latency
// runs from when its request was due, not from when a busy worker got to
// send it, so a server that falls behind shows it in its percentiles
// (no coordinated omission).
func loadAt(client *http.Client, page, cookie string, n, rate int, check func([]byte) error) ([]time.Duration, error) {
	var (
		next    atomic.Int64
		failed  atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		errOnce.Do(func() { first = err })
		failed.Store(true)
	}
	per := make([][]time.Duration, connections)
	start := time.Now()
	for w := range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, n/connections+1)
			var buf bytes.Buffer
			for !failed.Load() {
				i := next.Add(1)
				if i > int64(n) {
					break
				}
				buf.Reset()
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(i-1) * time.Second / time.Duration(rate))
					time.Sleep(time.Until(t0))
				}
				status, err := get(client, page, cookie, &buf)
				d := time.Since(t0)
				if err != nil {
					fail(err)
					return
				}
				if status != http.StatusOK {
					fail(fmt.Errorf("GET %s: status %d: %.300s", page, status, buf.Bytes()))
					return
				}
				if i%checkEvery == 0 {
					if err := check(buf.Bytes()); err != nil {
						fail(fmt.Errorf("GET %s: %w", page, err))
						return
					}
				}
				lat = append(lat, d)
			}
			per[w] = lat
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	out := make([]time.Duration, 0, n)
	for _, l := range per {
		out = append(out, l...)
	}
	return out, nil
}

func get(client *http.Client, page, cookie string, body *bytes.Buffer) (int, error) {
	req, err := http.NewRequest(http.MethodGet, page, nil)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(cookie, "Bearer ") {
		req.Header.Set("Authorization", cookie)
	} else {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	// Read to the end so the connection is reused.
	if _, err := body.ReadFrom(resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// newLoadClient keeps one connection per worker alive and follows no redirects.
func newLoadClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        2 * connections,
			MaxIdleConnsPerHost: 2 * connections,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(float64(len(sorted))*q+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time used so far by each server process, by PID.
type serverCPU map[int]time.Duration

// since is the CPU the processes used after before was taken.
func (c serverCPU) since(before serverCPU) time.Duration {
	var d time.Duration
	for pid, t := range c {
		d += t - before[pid]
	}
	return d
}

// postgresCPU reads, from /proc, the CPU time of the Postgres backends
// connected to the benchmark's database (empty where /proc is not there).
func (p *portal) postgresCPU(b *testing.B) serverCPU {
	b.Helper()
	var pids []int
	if err := p.db.Raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").Scan(&pids).Error; err != nil {
		b.Fatalf("backend pids: %v", err)
	}
	out := serverCPU{}
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields 14 and 15 (utime, stime, in clock ticks) follow the
		// parenthesised command, which may hold spaces.
		_, rest, _ := bytes.Cut(stat, []byte(") "))
		f := strings.Fields(string(rest))
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(utime+stime) * time.Second / clockTicks
	}
	return out
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTicks = 100

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// portal is the real portal app served on a loopback port.
type portal struct {
	base     string
	db       *gorm.DB
	matterID int64
}

// startPortal seeds the demo firm, gives its client's matter 50 shared
// documents and 50 read messages, and serves the app until the benchmark ends.
func startPortal(b *testing.B) *portal {
	b.Helper()
	ctx := context.Background()
	dbURL := testkit.DatabaseURL(b)
	gdb := testkit.DBAt(b, dbURL)
	store, err := docstore.NewDisk(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := seed.Demo(ctx, gdb, store, testkit.Logger()); err != nil {
		b.Fatal(err)
	}
	p := serve(b, dbURL, gdb, store)
	p.matterID = fillMatter(b, gdb)
	return p
}

// serve runs the real portal app over gdb (at dbURL) on a loopback port
// until the test or benchmark ends.
func serve(tb testing.TB, dbURL string, gdb *gorm.DB, store docstore.Store) *portal {
	tb.Helper()
	web.TuneGC()
	redisURL := testkit.RedisURL(tb)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	vars := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "PUBLIC_URL": base, "DOCUMENTS_DIR": tb.TempDir(),
		// The load is the API's own measure, not its limit's.
		"API_RATE_LIMIT": "100000000",
	}
	cfg, err := config.Parse(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		tb.Fatal(err)
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		tb.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	tb.Cleanup(func() { _ = rdb.Close() })
	app, err := web.New(web.Deps{
		Config: cfg, DB: gdb, Redis: rdb, Store: store,
		Tasks: tasks.NewClient(asynq.NewClientFromRedisClient(rdb)),
		Log:   testkit.Logger(), Registry: ops.NewRegistry(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ops.Listen(ctx, app, ln, 5*time.Second, testkit.Logger()) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			tb.Errorf("portal: %v", err)
		}
	})
	return &portal{base: base, db: gdb}
}

// fillMatter brings the demo matter to 50 documents the client sees and 50
// messages, all read, so a page view writes nothing. It returns the matter's ID.
func fillMatter(b *testing.B, gdb *gorm.DB) int64 {
	b.Helper()
	var m models.Matter
	err := gdb.Joins("JOIN firms ON firms.id = matters.firm_id").
		Where("firms.slug = ? AND matters.number = ?", seed.DemoFirmSlug, "00001").Take(&m).Error
	if err != nil {
		b.Fatalf("find demo matter: %v", err)
	}
	var admin models.User
	if err := gdb.Where("firm_id = ? AND email = ?", m.FirmID, seed.DemoAdminEmail).Take(&admin).Error; err != nil {
		b.Fatalf("find demo admin: %v", err)
	}
	// Reuse the seeded letter's blob: the page lists documents, it does not open them.
	var letter models.Document
	if err := gdb.Where("matter_id = ? AND shared_with_client", m.ID).Order("id").Take(&letter).Error; err != nil {
		b.Fatalf("find seeded document: %v", err)
	}
	var shared int64
	if err := gdb.Model(&models.Document{}).Where("matter_id = ? AND shared_with_client", m.ID).Count(&shared).Error; err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	var docs []models.Document
	for i := int(shared); i < matterDocuments; i++ {
		at := now.Add(-time.Duration(i) * time.Hour)
		docs = append(docs, models.Document{
			FirmID: m.FirmID, MatterID: &m.ID, Name: fmt.Sprintf("Exhibit %02d.pdf", i),
			SizeBytes: letter.SizeBytes, SHA256: letter.SHA256, MIMEType: letter.MIMEType, StorageKey: letter.StorageKey,
			UploadedByUserID: &admin.ID, SharedWithClient: true, SharedAt: &at, CreatedAt: at, UpdatedAt: at,
		})
	}
	if err := gdb.Create(&docs).Error; err != nil {
		b.Fatalf("create documents: %v", err)
	}
	msgs := make([]models.PortalMessage, 0, matterMessages)
	for i := range matterMessages {
		at := now.Add(-time.Duration(matterMessages-i) * time.Hour)
		read := at.Add(time.Minute)
		msg := models.PortalMessage{FirmID: m.FirmID, MatterID: m.ID, ReadAt: &read, CreatedAt: at, UpdatedAt: at,
			Body: messageBody(i)}
		if i%2 == 0 {
			msg.AuthorUserID, msg.ReadByUserID = &admin.ID, nil
		} else {
			msg.AuthorContactID, msg.ReadByUserID = &m.ClientContactID, &admin.ID
		}
		msgs = append(msgs, msg)
	}
	if err := gdb.Create(&msgs).Error; err != nil {
		b.Fatalf("create messages: %v", err)
	}
	// Fresh statistics, as a live database would have, so the planner picks the indexes.
	if err := gdb.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	return m.ID
}

func messageBody(i int) string {
	return fmt.Sprintf("Message %d about the claim: the insurer asked for the repair estimate and the medical bills from March.", i)
}

var (
	csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	linkToken = regexp.MustCompile(`/login/link/([A-Za-z0-9_-]+)`)
)

// signIn signs in as a person would with a link emailed to addr: open the
// login page for its CSRF cookie and field, then post the link's token. It
// returns the Cookie header of the new session.
func (p *portal) signIn(b testing.TB, addr string) string {
	b.Helper()
	ctx := context.Background()
	links := signin.Store{DB: p.db, Tasks: &testkit.Queue{}, PublicURL: p.base}
	if n, err := links.SendLinks(ctx, addr, "bench-"+addr); err != nil || n != 1 {
		b.Fatalf("sign-in link for %s: %d links, %v", addr, n, err)
	}
	var email models.OutboundEmail
	if err := p.db.Where("to_address = ?", addr).Order("id DESC").Take(&email).Error; err != nil {
		b.Fatal(err)
	}
	lm := linkToken.FindStringSubmatch(email.BodyText)
	if lm == nil {
		b.Fatalf("no link in %q", email.BodyText)
	}
	token := lm[1]
	client := newLoadClient()
	defer client.CloseIdleConnections()

	resp, err := client.Get(p.base + "/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	csrfCookie := cookieNamed(resp, "parley_csrf")
	if resp.StatusCode != http.StatusOK || m == nil || csrfCookie == nil {
		b.Fatalf("GET /login: status %d, csrf field %v, cookie %v", resp.StatusCode, m != nil, csrfCookie)
	}

	form := url.Values{"token": {token}, "_csrf": {string(m[1])}}
	req, err := http.NewRequest(http.MethodPost, p.base+"/login/link", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: csrfCookie.Name, Value: csrfCookie.Value})
	resp, err = client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	sess := cookieNamed(resp, "parley_session")
	if resp.StatusCode != http.StatusSeeOther || sess == nil || sess.Value == "" {
		b.Fatalf("POST /login/link: status %d, session cookie %v: %.300s", resp.StatusCode, sess, body)
	}
	return (&http.Cookie{Name: sess.Name, Value: sess.Value}).String()
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
