package webhook_test

import (
	"context"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/parleyhq/parley/gateway/internal/app"
	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/testkit"
)

// BenchmarkTwilioWebhooks drives the whole gateway (middleware, access log,
// metrics, signature check, parsing, enqueue into real Redis) over loopback
// with 64 concurrent connections, each webhook a distinct signed inbound
// text. The load generator runs on the same machine and counts against it.
func BenchmarkTwilioWebhooks(b *testing.B) {
	const clients = 64
	gdb := testkit.DB(b)
	addFirm(b, gdb, "bench-firm", true, twilioNumber, "twilio")
	rdb, err := app.NewRedis(testkit.RedisURL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rdb.Close() })
	nums := numbers.New(gdb, numbers.Secrets{sms.Twilio: twilioToken}, testkit.Logger())
	if err := nums.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	gw := app.New(app.Deps{
		DB: gdb, Redis: rdb, Queue: app.NewQueue(rdb), Numbers: nums,
		PublicURL: publicURL, Metrics: ops.NewRegistry(),
		Log: ops.NewLogger(io.Discard, "gateway", "info", "json"), // the production logger, writing nowhere
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ops.Listen(ctx, gw, ln, 5*time.Second, testkit.Logger()) }()
	b.Cleanup(func() { cancel(); <-served })

	// Signed before the clock starts: signing is the carrier's work.
	type signed struct {
		body []byte
		sig  string
	}
	reqs := make([]signed, b.N)
	runID := time.Now().UnixNano()
	for i := range reqs {
		f := inboundForm(sid(int(runID)+i), "Hi, it's Casey. Can we move Tuesday's call to 3pm?")
		reqs[i] = signed{[]byte(f.Encode()), sms.SignTwilio(twilioToken, publicURL+sms.PathTwilioMessages, f)}
	}
	uri := "http://" + ln.Addr().String() + sms.PathTwilioMessages
	hc := &fasthttp.HostClient{Addr: ln.Addr().String(), MaxConns: clients}

	var (
		next     atomic.Int64
		failures atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, b.N)
		wg       sync.WaitGroup
	)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(res)
			mine := make([]time.Duration, 0, b.N/clients+1)
			for {
				i := next.Add(1) - 1
				if i >= int64(len(reqs)) {
					break
				}
				req.Reset()
				req.SetRequestURI(uri)
				req.Header.SetMethod(fasthttp.MethodPost)
				req.Header.SetContentType("application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", reqs[i].sig)
				req.SetBodyRaw(reqs[i].body)
				t0 := time.Now()
				err := hc.Do(req, res)
				mine = append(mine, time.Since(t0))
				if err != nil || res.StatusCode() != fasthttp.StatusOK {
					failures.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if n := failures.Load(); n > 0 {
		b.Fatalf("%d of %d webhooks failed", n, b.N)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)]) / float64(time.Millisecond) }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "webhooks/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	// CPU of this process (gateway and load generator, not Redis) per
	// webhook: what to compare when the machine is shared.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/webhook")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
