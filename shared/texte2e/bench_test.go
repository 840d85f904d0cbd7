package texte2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/valyala/fasthttp"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

// benchStack is a migrated database holding the demo firm (texting on with
// the pool's number), a Redis database, and the built programs with their
// environment; each benchmark starts the programs it measures.
type benchStack struct {
	bin      string
	env      []string
	a        addrs
	gdb      *gorm.DB
	redisURL string
	firmID   int64
}

// extra adds to (or overrides) the programs' configuration.
func newBenchStack(b *testing.B, extra map[string]string, pkgs ...string) *benchStack {
	b.Helper()
	if testkit.RaceEnabled {
		b.Fatal("the texting benchmarks measure speed; run them without -race")
	}
	s := &benchStack{bin: testkit.BuildPrograms(b, pkgs...), a: newAddrs(b), redisURL: testkit.RedisURL(b)}
	dbURL := testkit.DatabaseURL(b)
	vars := baseVars(b, dbURL, s.redisURL, s.a)
	maps.Copy(vars, extra)
	s.env = testkit.ProgramEnv(b, vars)
	s.gdb = testkit.DBAt(b, dbURL)
	// What `portal seed-demo` does, done here so the benchmark needs no
	// portal binary: the demo firm, its client +14155550123, and texting on.
	store, err := docstore.NewDisk(vars["DOCUMENTS_DIR"])
	if err != nil {
		b.Fatal(err)
	}
	pool := []config.PoolNumber{{Dialect: string(sms.Twilio), Number: firmNumber}}
	if err := seed.DemoWithTexting(context.Background(), s.gdb, store, testkit.Logger(), pool); err != nil {
		b.Fatal(err)
	}
	if err := s.gdb.Raw(`SELECT id FROM firms WHERE slug = ? AND texting_enabled AND texting_number = ?`,
		seed.DemoFirmSlug, firmNumber).Scan(&s.firmID).Error; err != nil || s.firmID == 0 {
		b.Fatalf("demo firm with texting on: %v (id %d)", err, s.firmID)
	}
	return s
}

func (s *benchStack) start(b *testing.B, name string, args ...string) *testkit.Program {
	b.Helper()
	return testkit.StartProgram(b, name, filepath.Join(s.bin, name), s.env, args...)
}

// storedCount counts the inbound texts whose carrier ID starts with prefix.
func (s *benchStack) storedCount(b *testing.B, prefix string) int64 {
	b.Helper()
	var n int64
	if err := s.gdb.Raw(`SELECT count(*) FROM text_messages WHERE firm_id = ? AND direction = 'in' AND carrier_message_id LIKE ?`,
		s.firmID, prefix+"%").Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	return n
}

// waitStored polls every so often until want texts of the run are stored.
// The count reads every row of the run, and this machine's CPU is what is
// being measured, so it is not asked often; the figures come from the
// rows' created_at, not from when the poll noticed.
func (s *benchStack) waitStored(b *testing.B, prefix string, want int64, every, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := s.storedCount(b, prefix)
		if n == want {
			return
		}
		if n > want {
			b.Fatalf("%d texts stored, %d sent: stored more than once", n, want)
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d texts stored within %s", n, want, timeout)
		}
		time.Sleep(every)
	}
}

// storedAt is when each text of the run was stored: its row's created_at,
// Postgres's clock at the insert, on this same machine.
func (s *benchStack) storedAt(b *testing.B, prefix string) map[string]time.Time {
	b.Helper()
	var rows []struct {
		CarrierMessageID string
		CreatedAt        time.Time
	}
	if err := s.gdb.Raw(`SELECT carrier_message_id, created_at FROM text_messages
		WHERE firm_id = ? AND direction = 'in' AND carrier_message_id LIKE ?`, s.firmID, prefix+"%").Scan(&rows).Error; err != nil {
		b.Fatal(err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.CarrierMessageID] = r.CreatedAt
	}
	return out
}

// sinceSent is, for each text of the run, the time from sentAt[i] (its
// webhook) to its row's created_at.
func (s *benchStack) sinceSent(b *testing.B, prefix string, sentAt []time.Time) []time.Duration {
	b.Helper()
	stored := s.storedAt(b, prefix)
	out := make([]time.Duration, len(sentAt))
	for i, sent := range sentAt {
		at, ok := stored[sid(prefix, i)]
		if !ok {
			b.Fatalf("text %d not stored", i)
		}
		out[i] = at.Sub(sent)
	}
	return out
}

// sidPrefix makes the run's MessageSids distinct from any other run's:
// "SM" and 24 random hex digits; sid adds the text's index as 8 more, the
// 34 characters of a real Twilio SID.
func sidPrefix() string {
	var r [12]byte
	_, _ = rand.Read(r[:])
	return "SM" + hex.EncodeToString(r[:])
}

func sid(prefix string, i int) string { return fmt.Sprintf("%s%08x", prefix, i) }

// inboundForm is the form Twilio posts for a plain text from the demo client.
func inboundForm(messageSID, body string) url.Values {
	return url.Values{
		"MessageSid": {messageSID}, "SmsSid": {messageSID}, "SmsMessageSid": {messageSID},
		"AccountSid": {twilioSID}, "From": {seed.DemoClientPhone}, "To": {firmNumber}, "Body": {body},
		"NumMedia": {"0"}, "NumSegments": {"1"}, "SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
}

// ms is a duration in (fractional) milliseconds, for ReportMetric.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// pct is the p-th quantile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	return sorted[int(float64(len(sorted)-1)*p)]
}

const (
	steadyRate  = 1000             // texts a second, the steady load
	steadyRound = 10 * time.Second // one b.N: 10,000 texts
	senders     = 64               // concurrent webhook connections
)

// BenchmarkWebhookToStored measures the time from a carrier's webhook to
// the stored text, through the real gateway and worker programs with real
// Redis and Postgres, under a steady 1,000 signed Twilio webhooks a second
// (each a distinct MessageSid from the demo client, so each becomes a text
// in the client's conversation). Each b.N is 10 seconds of load; run it
// with -benchtime=1x. A text's latency is its row's created_at minus the
// moment its webhook was sent: created_at is now() of the insert's own
// transaction (the worker stores a plain text with one autocommitted
// INSERT), so it is when the insert began, a little before its commit.
// Both clocks are this machine's. The load generator runs on the same
// machine and counts against it. With TEXTE2E_DUMP=file, each text's send
// offset, latency and webhook answer time (ms) are written there, to see
// when slow ones bunch.
//
// Reported: p50-ms and p99-ms (targets ≤ 25 and ≤ 100), max-ms; texts/s,
// the rate achieved; webhook-p99-ms, the gateway's answer time; and
// gen-lag-p99-ms, how late the generator sent against its schedule (near
// zero when the generator kept its pace).
func BenchmarkWebhookToStored(b *testing.B) {
	s := newBenchStack(b, nil, "gateway", "worker")
	gateway, worker := s.start(b, "gateway"), s.start(b, "worker")
	gateway.WaitReady(b, "http://"+s.a.gateway, 60*time.Second)
	worker.WaitReady(b, "http://"+s.a.worker, 60*time.Second)

	// fasthttp, as the gateway's own benchmark uses: net/http's client
	// costs the shared CPU several times more per request.
	hc := &webhookClient{
		hc:     &fasthttp.HostClient{Addr: s.a.gateway, MaxConns: senders},
		target: "http://" + s.a.gateway + "/webhooks/twilio/messages",
	}
	prefix := sidPrefix()
	total := b.N * int(steadyRound/time.Second) * steadyRate
	interval := time.Second / steadyRate
	sentAt := make([]time.Time, total)       // when each webhook went out
	answered := make([]time.Duration, total) // how long the gateway took to answer it
	var failures atomic.Int64
	var firstFailure atomic.Value

	// Warm the connections and the worker's pool with a few texts first, so
	// the measured run starts from a steady state, not a cold one.
	for i := range senders {
		f := inboundForm(sid("SMwarm"+prefix[6:], i), "warm-up")
		if err := hc.post(f); err != nil {
			b.Fatalf("warm-up webhook: %v", err)
		}
	}
	s.waitStored(b, "SMwarm"+prefix[6:], senders, 20*time.Millisecond, 30*time.Second)

	b.ResetTimer()
	jobs := make(chan int, total)
	var wg sync.WaitGroup
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for i := range jobs {
				f := inboundForm(sid(prefix, i), "Hi, it's Casey. Can we move Tuesday's call to 3pm? #"+strconv.Itoa(i))
				t0 := time.Now()
				err := hc.post(f)
				answered[i] = time.Since(t0)
				sentAt[i] = t0
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	// The ticker wakes the generator every millisecond; it hands out every
	// text due by now, so a late tick (a busy machine) does not lower the
	// rate, it sends the missed ones at once.
	tick := time.NewTicker(interval)
	next := 0
	for next < total {
		<-tick.C
		due := min(int(time.Since(start)/interval)+1, total)
		for ; next < due; next++ {
			jobs <- next
		}
	}
	tick.Stop()
	close(jobs)
	wg.Wait()
	sendSpan := time.Since(start)
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d webhooks not answered 200 (first: %v)", n, total, firstFailure.Load())
	}
	s.waitStored(b, prefix, int64(total), 100*time.Millisecond, 2*time.Minute)
	b.StopTimer()
	gateway.Stop(b)
	worker.Stop(b)
	cpu := gateway.CPU() + worker.CPU()

	lat := s.sinceSent(b, prefix, sentAt)
	lag := make([]time.Duration, 0, total)
	for i := range total {
		lag = append(lag, sentAt[i].Sub(start.Add(time.Duration(i)*interval)))
	}
	if path := os.Getenv("TEXTE2E_DUMP"); path != "" {
		var sb strings.Builder
		for i := range total {
			fmt.Fprintf(&sb, "%d %.3f %.3f %.3f\n", i, ms(sentAt[i].Sub(start)), ms(lat[i]), ms(answered[i]))
		}
		_ = os.WriteFile(path, []byte(sb.String()), 0o644)
	}
	slices.Sort(lat)
	slices.Sort(lag)
	slices.Sort(answered)
	b.ReportMetric(0, "ns/op") // one op is a 10 s round: meaningless here
	b.ReportMetric(ms(pct(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(pct(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(float64(total)/sendSpan.Seconds(), "texts/s")
	b.ReportMetric(ms(pct(answered, 0.99)), "webhook-p99-ms")
	b.ReportMetric(ms(pct(lag, 0.99)), "gen-lag-p99-ms")
	// CPU of the gateway and worker processes (not Postgres, Redis or the
	// load generator) per text, warm-up and start-up included: what to
	// compare when the machine is shared.
	b.ReportMetric(float64(cpu.Microseconds())/float64(total+senders), "cpu-µs/text")
}

// webhookClient posts signed Twilio webhooks to the gateway.
type webhookClient struct {
	hc     *fasthttp.HostClient
	target string // the full URL, which the signature covers
}

// post sends one webhook and wants the gateway's 200.
func (w *webhookClient) post(form url.Values) error {
	req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(res)
	req.SetRequestURI(w.target)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", sms.SignTwilio(twilioToken, w.target, form))
	req.SetBodyString(form.Encode())
	if err := w.hc.DoTimeout(req, res, 10*time.Second); err != nil {
		return err
	}
	if res.StatusCode() != fasthttp.StatusOK {
		body := res.Body()
		return fmt.Errorf("%d: %s", res.StatusCode(), body[:min(len(body), 300)])
	}
	return nil
}

// backlog is how many inbound texts one b.N of BenchmarkWorkerBacklog
// queues before the worker starts.
const backlog = 20_000

// BenchmarkWorkerBacklog measures how fast the real worker program stores
// a backlog of received texts: 20,000 inbound tasks per b.N (each a plain
// text from the demo client, as the gateway would have queued them) are put
// in Redis with the worker stopped, then the worker starts and drains them.
// Run it with -benchtime=1x.
//
// Reported: texts/s, the drain rate from the first stored text to the last
// (target ≥ 5,000); texts/s-with-start, the same from the moment the worker
// process was started; startup-ms, from starting the process to its first
// stored text.
func BenchmarkWorkerBacklog(b *testing.B) {
	s := newBenchStack(b, nil, "worker")
	redisOpt, err := asynq.ParseRedisURI(s.redisURL)
	if err != nil {
		b.Fatal(err)
	}
	client := asynq.NewClient(redisOpt)
	b.Cleanup(func() { client.Close() })
	queue := tasks.NewClient(client)

	var drain, withStart, startup, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		prefix := sidPrefix()
		enqueueBacklog(b, queue, s.firmID, prefix)
		b.StartTimer()

		t0 := time.Now()
		worker := s.start(b, "worker")
		s.waitStored(b, prefix, backlog, 250*time.Millisecond, 5*time.Minute)
		b.StopTimer()
		worker.Stop(b)
		cpu += worker.CPU()

		var span struct{ First, Last time.Time }
		if err := s.gdb.Raw(`SELECT min(created_at) AS first, max(created_at) AS last FROM text_messages
			WHERE firm_id = ? AND direction = 'in' AND carrier_message_id LIKE ?`, s.firmID, prefix+"%").Scan(&span).Error; err != nil {
			b.Fatal(err)
		}
		drain += span.Last.Sub(span.First)
		withStart += span.Last.Sub(t0)
		startup += span.First.Sub(t0)
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op") // one op is a whole backlog: see texts/s
	b.ReportMetric(n*(backlog-1)/drain.Seconds(), "texts/s")
	b.ReportMetric(n*backlog/withStart.Seconds(), "texts/s-with-start")
	b.ReportMetric(ms(startup)/n, "startup-ms")
	// CPU of the worker process alone (not Postgres or Redis) per text.
	b.ReportMetric(float64(cpu.Microseconds())/(n*backlog), "worker-cpu-µs/text")
}

// enqueueBacklog queues the inbound tasks the gateway would have, from
// several goroutines so filling Redis does not dominate the benchmark's
// wall time.
func enqueueBacklog(b *testing.B, queue *tasks.Client, firmID int64, prefix string) {
	b.Helper()
	const fillers = 16
	var (
		wg       sync.WaitGroup
		next     atomic.Int64
		firstErr atomic.Value
	)
	now := time.Now().UTC()
	for range fillers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= backlog || firstErr.Load() != nil {
					return
				}
				in := sms.Inbound{
					Dialect: sms.Twilio, MessageID: sid(prefix, i), FirmID: firmID,
					From: seed.DemoClientPhone, To: firmNumber, Kind: sms.KindText, ReceivedAt: now,
					Body: "Backlog text #" + strconv.Itoa(i),
				}
				t, err := tasks.NewTextInbound(in)
				if err == nil {
					err = queue.Enqueue(context.Background(), t)
				}
				if err != nil {
					// A string, so errors of different types can be offered.
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	if err := firstErr.Load(); err != nil {
		b.Fatalf("enqueue backlog: %v", err)
	}
}
