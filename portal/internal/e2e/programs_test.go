// Package e2e drives Parley's real programs from a real browser. The tests
// build the portal and worker binaries, run them against a test database,
// Redis and SMTP server, and use headless Chromium the way a client would.
package e2e

import (
	"bytes"
	"context"
	"fmt"
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

// moduleRoot is the directory of go.mod, where `go build ./portal` works.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// buildPrograms builds the named programs (./portal, ./worker …) into a
// temporary directory and returns it. Under -race the programs get the race
// detector too, so the browser's traffic can expose races in the app.
func buildPrograms(t *testing.T, names ...string) string {
	t.Helper()
	gobin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first on PATH
	if err != nil {
		t.Fatalf("the go command is needed to build the programs: %v", err)
	}
	out := t.TempDir()
	args := []string{"build", "-o", out + string(filepath.Separator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	for _, n := range names {
		args = append(args, "./"+n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, args...)
	cmd.Dir = moduleRoot(t)
	start := time.Now()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	t.Logf("built %s in %s", strings.Join(names, ", "), time.Since(start).Round(100*time.Millisecond))
	return out
}

// freeAddr returns a loopback address with a port nobody listens on now.
// Another process could take it before the program does; the program would
// then fail to start and waitReady says so.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// programEnv is the process environment with every Parley variable replaced
// by vars, so a developer's own settings (PORTAL_ADDR, PARLEY_ENV…) cannot
// leak into the test. vars is checked with config.Parse first, so a mistake
// here fails with the same one-line message the programs would print.
func programEnv(t *testing.T, vars map[string]string) []string {
	t.Helper()
	if _, err := config.Parse(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }); err != nil {
		t.Fatalf("test configuration: %v", err)
	}
	names := config.Names()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(names, k) {
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
func runCommand(t *testing.T, bin string, env []string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, b)
	}
}

// program is one of Parley's binaries running in the background.
type program struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer   // stdout and stderr (JSON log lines)
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, once done is closed
}

// startProgram starts bin with env and args. When the test ends it sends
// SIGTERM and waits, as an orchestrator would, and the program must then exit
// 0: a clean, graceful stop is part of what is tested. Its output is shown if
// the test fails, or always with PARLEY_TEST_LOG=1.
func startProgram(t *testing.T, name, bin string, env []string, args ...string) *program {
	t.Helper()
	p := &program{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() || os.Getenv("PARLEY_TEST_LOG") == "1" {
			t.Logf("%s output:\n%s", name, p.out.String())
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

func (p *program) stop(t *testing.T) {
	t.Helper()
	if done, err := p.exited(); done {
		t.Errorf("%s had already exited: %v", p.name, err)
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("%s did not stop cleanly after SIGTERM: %v", p.name, p.err)
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("%s did not stop within 20s of SIGTERM; killed", p.name)
	}
}

// waitReady polls the program's /readyz until it answers 200, and fails
// early if the program exits (a taken port, a bad setting).
func (p *program) waitReady(t *testing.T, baseURL string, timeout time.Duration) {
	t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if done, err := p.exited(); done {
			t.Fatalf("%s exited before it was ready (%v):\n%s", p.name, err, p.out.String())
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
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready at %s/readyz within %s (last: %s):\n%s", p.name, baseURL, timeout, last, p.out.String())
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

// requireChromium returns the browser's path. Without one the test is
// skipped locally but fails in CI, where .ci/run installs Debian's chromium:
// a browser test that silently skips there proves nothing.
func requireChromium(t *testing.T) string {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("no Chromium at %s (sudo apt-get install -y chromium): %v", path, err)
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set, so the browser test must run: %s", msg)
		}
		t.Skip(msg)
	}
	return path
}
