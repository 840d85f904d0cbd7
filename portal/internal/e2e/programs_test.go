// Package e2e drives Parley's real programs from a real browser. The tests
// build the portal and worker binaries, run them against a test database,
// Redis and SMTP server, and use headless Chromium the way a client would.
package e2e

import (
	"fmt"
	"os"
	"testing"
)

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
