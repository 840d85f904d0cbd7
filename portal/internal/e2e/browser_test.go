package e2e

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/shared/testkit"
)

// browser is one headless Chromium tab at a phone's size. Every step has its
// own time limit and fails the test naming the step; the page's console is
// recorded so JavaScript errors and CSP violations fail the test too.
type browser struct {
	t       *testing.T
	ctx     context.Context // the tab, with the deadline of the whole flow
	tab     context.Context // the tab without that deadline (screenshots after a timeout)
	shotDir string          // where screenshots go first
	shots   []string        // screenshots taken, in order
	console *consoleLog
	checked bool // checkConsole ran
	width   int  // the screen's width in CSS pixels
}

// viewport is a screen a test emulates.
type viewport struct {
	name          string
	width, height int
	scale         float64
	mobile        bool
}

// The screens the tests use: a phone (an iPhone 12–15, 390×844 CSS pixels
// at 3×) and a laptop.
var (
	phone  = viewport{"phone", phoneWidth, phoneHeight, phoneScale, true}
	laptop = viewport{"laptop", 1280, 800, 1, false}
)

// Phone viewport: a 390×844 CSS-pixel portrait screen at 3× (an iPhone 12–15).
const (
	phoneWidth  = 390
	phoneHeight = 844
	phoneScale  = 3
)

// cspProbe reports every CSP violation on the console, in the page's own
// words, in case the browser's own report changes shape.
const cspProbe = `document.addEventListener("securitypolicyviolation", function (e) {
  console.error("Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline code") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// newBrowser starts Chromium at a phone's size with a fresh profile.
// flowTimeout bounds every step together; the browser itself is stopped
// when the test ends.
func newBrowser(t *testing.T, flowTimeout time.Duration) *browser {
	t.Helper()
	return newBrowserOn(t, flowTimeout, phone)
}

// newBrowserOn is newBrowser on the screen vp.
func newBrowserOn(t *testing.T, flowTimeout time.Duration, vp viewport) *browser {
	t.Helper()
	chromium := requireChromium(t)
	profile := t.TempDir() // made before the cleanup below, so removed after the browser exits
	output := &testkit.SyncBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.CombinedOutput(output),
	)
	// The outer limit also covers a browser that hangs while starting.
	root, cancelRoot := context.WithTimeout(context.Background(), flowTimeout+time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	b := &browser{t: t, tab: tab, shotDir: t.TempDir(), console: &consoleLog{}, width: vp.width}
	t.Cleanup(func() {
		if t.Failed() && !b.checked {
			for _, m := range b.console.messages() {
				t.Logf("console %s (%s)", m, m.URL)
			}
		}
		cancelTab()
		cancelAlloc() // waits for Chromium to exit
		cancelRoot()
		if t.Failed() {
			t.Logf("chromium output (D-Bus noise left out):\n%s", withoutDBus(output.String()))
		}
	})
	t.Cleanup(b.keepScreenshots) // before the browser closes, after the last screenshot

	// The first action starts Chromium; the console is read from the start.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v\n%s", err, output.String())
	}
	b.console.follow(chromedp.Console(tab))
	if _, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatalf("install CSP probe: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, flowTimeout)
	t.Cleanup(cancel)
	b.ctx = ctx
	opt := []chromedp.EmulateViewportOption{chromedp.EmulateScale(vp.scale)}
	if vp.mobile {
		opt = append(opt, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	b.step(vp.name+" viewport", 10*time.Second, chromedp.EmulateViewport(int64(vp.width), int64(vp.height), opt...))
	return b
}

// step runs actions within timeout (and the flow's deadline).
func (b *browser) step(what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text is the rendered text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// eval returns a boolean JavaScript expression's value in the page.
func (b *browser) eval(expr string) bool {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// fitsPhone checks that the page does not scroll sideways on the screen.
// It compares with the screen's width, not window.innerWidth: a mobile
// browser widens its layout viewport to fit content that overflows.
func (b *browser) fitsPhone() {
	b.t.Helper()
	if !b.eval(fmt.Sprintf(`document.documentElement.scrollWidth <= %d`, b.width)) {
		b.t.Errorf("the page is wider than the %dpx screen", b.width)
	}
}

// location is the address of the page the tab shows.
func (b *browser) location() *url.URL {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(s)
	if err != nil {
		b.t.Fatalf("location %q: %v", s, err)
	}
	return u
}

// screenshot saves the whole page as a PNG in the test's temporary directory.
// It uses the tab without the flow's deadline, so it works after a timeout.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.tab, 15*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.shotDir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	b.shots = append(b.shots, path)
}

// keepScreenshots copies the screenshots to $PARLEY_E2E_SCREENSHOTS, for a
// person to look at; without it they go with the temporary directory.
func (b *browser) keepScreenshots() {
	dir := os.Getenv("PARLEY_E2E_SCREENSHOTS")
	if dir == "" || len(b.shots) == 0 {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Errorf("PARLEY_E2E_SCREENSHOTS: %v", err)
		return
	}
	for _, src := range b.shots {
		data, err := os.ReadFile(src)
		if err == nil {
			name := strings.ReplaceAll(b.t.Name(), "/", "-") + "-" + filepath.Base(src)
			err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
		if err != nil {
			b.t.Errorf("keep screenshot: %v", err)
		}
	}
	b.t.Logf("screenshots in %s", dir)
}

// checkConsole logs what the pages wrote to the console and fails the test
// on any uncaught exception or Content Security Policy violation: the pages
// must work under the portal's strict CSP.
func (b *browser) checkConsole() {
	b.t.Helper()
	b.checked = true
	// One more round trip, so events of the last page have been delivered.
	b.step("drain console", 5*time.Second, chromedp.Evaluate[chromedp.Void](`0`))
	time.Sleep(200 * time.Millisecond)
	for _, m := range b.console.messages() {
		where := m.URL
		if where != "" {
			where = " (" + where + ")"
		}
		switch {
		case m.IsException():
			b.t.Errorf("JavaScript exception: %s%s", m.Text, where)
		case m.Source == "security" || strings.Contains(m.Text, "Content Security Policy"):
			b.t.Errorf("CSP violation: %s%s", m.Text, where)
		default:
			b.t.Logf("console %s%s", m, where)
		}
	}
}

// consoleLog collects console messages in the background.
type consoleLog struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *consoleLog) follow(seq iter.Seq2[chromedp.ConsoleMessage, error]) {
	go func() {
		for m, err := range seq {
			if err != nil {
				return // the tab's context ended
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
		}
	}()
}

func (c *consoleLog) messages() []chromedp.ConsoleMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), c.msgs...)
}

// withoutDBus drops Chromium's complaints about the missing system bus,
// which every run in a container prints and which say nothing.
func withoutDBus(out string) string {
	var keep []string
	for line := range strings.Lines(out) {
		if !strings.Contains(line, "dbus/") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "")
}

// writePNG writes a small photo-like PNG for the upload.
func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: uint8(x * 4), G: uint8(y * 5), B: 128, A: 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
