package ops

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

const redisBinary = "/usr/bin/redis-server"

// testRedis is a redis-server this test started on a spare port, never the
// shared one on 6379.
type testRedis struct {
	Addr string
	cmd  *exec.Cmd
	once sync.Once
}

// startRedis starts a throwaway redis-server on 127.0.0.1 and stops it when
// the test ends.
func startRedis(t *testing.T) *testRedis {
	t.Helper()
	if _, err := os.Stat(redisBinary); err != nil {
		t.Skipf("%s not installed", redisBinary)
	}
	var lastErr error
	// Another test may take the spare port between our pick and redis's bind.
	for range 3 {
		r, err := tryStartRedis(t)
		if err == nil {
			t.Cleanup(r.Kill)
			return r
		}
		lastErr = err
	}
	require.NoError(t, lastErr, "start redis-server")
	return nil
}

func tryStartRedis(t *testing.T) (*testRedis, error) {
	port := freePort(t)
	cmd := exec.Command(redisBinary,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", t.TempDir(),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r := &testRedis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}

	rdb := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("redis-server exited: %s", out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return r, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return nil, fmt.Errorf("redis-server on %s not answering", r.Addr)
}

// Kill stops the server at once, as a crash would.
func (r *testRedis) Kill() {
	r.once.Do(func() {
		_ = r.cmd.Process.Kill()
		// Wait is already called by the start goroutine; wait for the port to close instead.
		for range 100 {
			c, err := net.DialTimeout("tcp", r.Addr, 50*time.Millisecond)
			if err != nil {
				return
			}
			_ = c.Close()
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return port
}

// metricValue finds one sample of a counter, gauge or histogram (its count)
// in reg by name and exact labels.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !labelsEqual(m.GetLabel(), labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func labelsEqual(got []*dto.LabelPair, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, p := range got {
		if v, ok := want[p.GetName()]; !ok || v != p.GetValue() {
			return false
		}
	}
	return true
}

// logBuffer is a log sink that handlers on other goroutines may write to
// while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Records returns every JSON log line written so far.
func (b *logBuffer) Records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	data := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var records []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "log line %q", sc.Text())
		records = append(records, rec)
	}
	return records
}

// Find returns the records whose attributes include every key=value given.
func (b *logBuffer) Find(t *testing.T, match map[string]any) []map[string]any {
	t.Helper()
	var found []map[string]any
	for _, rec := range b.Records(t) {
		ok := true
		for k, v := range match {
			if fmt.Sprint(rec[k]) != fmt.Sprint(v) {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, rec)
		}
	}
	return found
}

func itoa(n int) string { return strconv.Itoa(n) }

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
