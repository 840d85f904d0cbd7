package testkit

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

// Tests that run Parley's real binaries (end-to-end and benchmarks) build
// and start them with these.

// ModuleRoot is the directory of go.mod, where `go build ./portal` works.
func ModuleRoot(tb testing.TB) string {
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

// BuildPrograms builds the named packages (portal, gateway/carriersim …)
// into a temporary directory and returns it; each binary is named after the
// last element of its path. Under -race the programs get the race detector
// too, so the test's traffic can expose races in them.
func BuildPrograms(tb testing.TB, pkgs ...string) string {
	tb.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		tb.Fatalf("the go command is needed to build the programs: %v", err)
	}
	out := tb.TempDir()
	args := []string{"build", "-o", out + string(filepath.Separator)}
	if RaceEnabled {
		args = append(args, "-race")
	}
	for _, p := range pkgs {
		args = append(args, "./"+p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = ModuleRoot(tb)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	tb.Logf("built %s in %s", strings.Join(pkgs, ", "), time.Since(start).Round(100*time.Millisecond))
	return out
}

// handedOut are the addresses FreeAddr gave this test process: the kernel
// may offer a port again once its probe listener closes, and two programs
// of one test were seen to get the same one.
var handedOut sync.Map

// FreeAddr returns a loopback address with a port nobody listens on now and
// that this process has not handed out before. Another process could take
// it before the program does; the program would then fail to start and
// WaitReady says so.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	for range 100 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("free port: %v", err)
		}
		addr := ln.Addr().String()
		ln.Close()
		if _, taken := handedOut.LoadOrStore(addr, true); !taken {
			return addr
		}
	}
	tb.Fatalf("free port: no new port in 100 tries")
	return ""
}

// ProgramEnv is the process environment with every Parley variable replaced
// by vars, so a developer's own settings (PORTAL_ADDR, PARLEY_ENV…) cannot
// leak into the test. vars is checked with config.Parse first, so a mistake
// here fails with the same one-line message the programs would print.
// CARRIERSIM_* variables are the simulator's own and pass through.
func ProgramEnv(tb testing.TB, vars map[string]string) []string {
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

// RunCommand runs a program to completion (a subcommand such as
// `portal seed-demo`) and fails the test if it does not exit 0.
func RunCommand(tb testing.TB, bin string, env []string, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, b)
	}
}

// Program is one of Parley's binaries running in the background.
type Program struct {
	name    string
	cmd     *exec.Cmd
	out     *SyncBuffer   // stdout and stderr (JSON log lines)
	done    chan struct{} // closed when the process has exited
	err     error         // the exit status, once done is closed
	stopped bool          // stop has run: the cleanup has nothing left to do
}

// StartProgram starts bin with env and args. When the test ends it sends
// SIGTERM and waits, as an orchestrator would, and the program must then exit
// 0: a clean, graceful stop is part of what is tested. Its output is shown if
// the test fails, or always with PARLEY_TEST_LOG=1.
func StartProgram(tb testing.TB, name, bin string, env []string, args ...string) *Program {
	tb.Helper()
	p := &Program{name: name, out: &SyncBuffer{}, done: make(chan struct{})}
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
			p.Stop(tb)
		}
		if tb.Failed() || os.Getenv("PARLEY_TEST_LOG") == "1" {
			tb.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// Exited reports whether the process has ended, and how.
func (p *Program) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM and waits for a clean exit.
func (p *Program) Stop(tb testing.TB) {
	tb.Helper()
	p.stopped = true
	if done, err := p.Exited(); done {
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

// CPU is the CPU time the process used, user and system, once it has exited.
func (p *Program) CPU() time.Duration {
	<-p.done
	return p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
}

// WaitReady polls the program's /readyz until it answers 200, and fails
// early if the program exits (a taken port, a bad setting).
func (p *Program) WaitReady(tb testing.TB, baseURL string, timeout time.Duration) {
	tb.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if done, err := p.Exited(); done {
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

// SyncBuffer is a bytes.Buffer the process writes to while the test reads it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
