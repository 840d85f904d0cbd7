package texte2e

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/shared/config"
)

// The operator's carrier account and pool as every program sees them. The
// simulator takes the same credentials, so its signatures check out at the
// gateway and the worker's sends are accepted.
const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef" // "AC" and 32 characters, like a real SID
	twilioToken = "texte2e-auth-token"
	firmNumber  = "+18885550100" // the pool's one number, which seed-demo gives the demo firm
)

// moduleRoot is the directory of go.mod, where `go build ./portal` works.
func moduleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// buildPrograms builds the named packages (portal, gateway/carriersim …)
// into a temporary directory and returns it; each binary is named after the
// last element of its path. Under -race the programs get the race detector
// too, so the test's traffic can expose races in them.
func buildPrograms(tb testing.TB, pkgs ...string) string {
	tb.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		tb.Fatalf("the go command is needed to build the programs: %v", err)
	}
	out := tb.TempDir()
	args := []string{"build", "-o", out + string(filepath.Separator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	for _, p := range pkgs {
		args = append(args, "./"+p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = moduleRoot(tb)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	tb.Logf("built %s in %s", strings.Join(pkgs, ", "), time.Since(start).Round(100*time.Millisecond))
	return out
}

// freeAddr returns a loopback address with a port nobody listens on now.
// Another process could take it before the program does; the program would
// then fail to start and waitReady says so.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// programEnv is the process environment with every Parley variable replaced
// by vars, so a developer's own settings (PORTAL_ADDR, PARLEY_ENV…) cannot
// leak into the test. vars is checked with config.Parse first, so a mistake
// here fails with the same one-line message the programs would print.
// CARRIERSIM_* variables are the simulator's own and pass through.
func programEnv(tb testing.TB, vars map[string]string) []string {
	tb.Helper()
	if _, err := config.Parse(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }); err != nil {
		tb.Fatalf("test configuration: %v", err)
	}
	names := config.Names()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) && !strings.HasPrefix(k, "CARRIERSIM_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runCommand runs a program to completion (a subcommand such as
// `portal seed-demo`) and fails the test if it does not exit 0.
func runCommand(tb testing.TB, bin string, env []string, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, b)
	}
}

// program is one of Parley's binaries running in the background.
type program struct {
	name    string
	cmd     *exec.Cmd
	out     *syncBuffer   // stdout and stderr (JSON log lines)
	done    chan struct{} // closed when the process has exited
	err     error         // the exit status, once done is closed
	stopped bool          // stop has run: the cleanup has nothing left to do
}

// startProgram starts bin with env and args. When the test ends it sends
// SIGTERM and waits, as an orchestrator would, and the program must then exit
// 0: a clean, graceful stop is part of what is tested. Its output is shown if
// the test fails, or always with PARLEY_TEST_LOG=1.
func startProgram(tb testing.TB, name, bin string, env []string, args ...string) *program {
	tb.Helper()
	p := &program{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() {
		if !p.stopped {
			p.stop(tb)
		}
		if tb.Failed() || os.Getenv("PARLEY_TEST_LOG") == "1" {
			tb.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// exited reports whether the process has ended, and how.
func (p *program) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *program) stop(tb testing.TB) {
	tb.Helper()
	p.stopped = true
	if done, err := p.exited(); done {
		tb.Errorf("%s had already exited: %v", p.name, err)
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			tb.Errorf("%s did not stop cleanly after SIGTERM: %v", p.name, p.err)
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		tb.Errorf("%s did not stop within 30s of SIGTERM; killed", p.name)
	}
}

// cpu is the CPU time the process used, user and system, once it has exited.
func (p *program) cpu() time.Duration {
	<-p.done
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// waitReady polls the program's /readyz until it answers 200, and fails
// early if the program exits (a taken port, a bad setting).
func (p *program) waitReady(tb testing.TB, baseURL string, timeout time.Duration) {
	tb.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if done, err := p.exited(); done {
			tb.Fatalf("%s exited before it was ready (%v):\n%s", p.name, err, p.out.String())
		}
		resp, err := client.Get(baseURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Fatalf("%s not ready at %s/readyz within %s (last: %s):\n%s", p.name, baseURL, timeout, last, p.out.String())
}

// syncBuffer is a bytes.Buffer the process writes to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// baseVars is the configuration every program of one run shares: the
// test's database and Redis, the carrier account, the pool, and where each
// program listens. Callers add what only some runs need.
func baseVars(tb testing.TB, dbURL, redisURL string, a addrs) map[string]string {
	tb.Helper()
	return map[string]string{
		"DATABASE_URL":       dbURL,
		"REDIS_URL":          redisURL,
		"PORTAL_ADDR":        a.portal,
		"GATEWAY_ADDR":       a.gateway,
		"WORKER_ADDR":        a.worker,
		"PUBLIC_URL":         "http://" + a.portal,
		"GATEWAY_PUBLIC_URL": "http://" + a.gateway,
		"DOCUMENTS_DIR":      tb.TempDir(),
		"TWILIO_ACCOUNT_SID": twilioSID,
		"TWILIO_AUTH_TOKEN":  twilioToken,
		"TWILIO_API_URL":     "http://" + a.sim,
		"TEXTING_NUMBERS":    "twilio:" + firmNumber,
		"SHUTDOWN_TIMEOUT":   "10s",
	}
}

// addrs are the loopback addresses of one run's programs.
type addrs struct{ portal, gateway, worker, sim string }

func newAddrs(tb testing.TB) addrs {
	return addrs{portal: freeAddr(tb), gateway: freeAddr(tb), worker: freeAddr(tb), sim: freeAddr(tb)}
}
