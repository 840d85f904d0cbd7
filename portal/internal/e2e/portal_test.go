package e2e

import (
	"maps"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

// idleTimeout is short so the test can wait it out; every step before the
// wait must take less than this between two requests.
const idleTimeout = 6 * time.Second

// TestBrowserClientPortal is a client's visit on a phone, through the real
// portal and worker: ask for a sign-in link, get it by email (a real SMTP
// server), sign in, open the matter, send a photo with a message, and be
// signed out after the idle limit.
func TestBrowserClientPortal(t *testing.T) {
	t.Parallel()
	requireChromium(t) // before the slow part, so a skip is quick

	portalURL, smtp, _ := startPortal(t, map[string]string{
		"SESSION_IDLE_TIMEOUT": idleTimeout.String(),
		"SESSION_MAX_AGE":      "1h",
	})

	b := newBrowser(t, 90*time.Second)
	defer func() {
		if t.Failed() {
			b.screenshot("failure")
		}
	}()
	start := time.Now()

	b.signIn(portalURL, smtp, seed.DemoClientEmail, `a.row-link[href^="/portal/matters/"]`)
	assert.Equal(t, "/portal", b.location().Path)
	const matter = "Casey Client v. Acme Insurance (car accident claim)"
	assert.Contains(t, b.text("a.row-link"), matter)

	// See the matter and what the firm shared.
	b.step("open the matter", 15*time.Second,
		chromedp.Tap(chromedp.CSS(`a.row-link[href^="/portal/matters/"]`)),
		chromedp.WaitVisible(chromedp.ID("document-list")),
	)
	matterURL := b.location().String()
	assert.Equal(t, matter, b.text("h1"))
	assert.Contains(t, b.text("#document-list"), "Engagement letter.pdf")
	b.fitsPhone()
	b.screenshot("1-matter")

	// Send a photo with a message; htmx swaps in the new document list.
	photo := filepath.Join(t.TempDir(), "scan.png")
	writePNG(t, photo)
	b.step("send a photo", 20*time.Second,
		chromedp.Tap(chromedp.CSS("#documents details.send > summary")),
		chromedp.WaitVisible(chromedp.ID("send-button")),
		chromedp.SetUploadFiles(chromedp.ID("files"), []string{photo}),
		chromedp.SendKeys(chromedp.ID("message"), "Photos of the damage"),
		chromedp.SendKeys(chromedp.ID("name"), "Damage photo"),
		chromedp.Tap(chromedp.ID("send-button")),
		chromedp.WaitVisible(chromedp.CSS("#send-result p.ok")),
	)
	assert.Equal(t, "Sent 1 file with your message.", b.text("#send-result p.ok"))
	list := b.text("#document-list")
	assert.Contains(t, list, "Damage photo.png")
	assert.Contains(t, list, "sent by you")
	assert.Contains(t, list, "Engagement letter.pdf")
	b.fitsPhone()
	b.screenshot("2-sent")

	// Load the page afresh: the message is there, and the idle clock starts
	// from this request.
	idleFrom := time.Now()
	b.step("reload the matter", 15*time.Second,
		chromedp.Navigate(matterURL),
		chromedp.WaitVisible(chromedp.ID("messages")),
	)
	assert.Contains(t, b.text("#messages"), "Photos of the damage")
	assert.Contains(t, b.text("#document-list"), "Damage photo.png")
	t.Logf("signed in and sent a photo in %s", time.Since(start).Round(100*time.Millisecond))

	// Do nothing: the page arms its warning, shows it halfway (the `hidden`
	// property app.js sets), then takes itself to the login page.
	assert.True(t, b.eval(`document.getElementById("idle-warning").hidden`), "idle warning shown at once")
	b.step("idle warning", idleTimeout+10*time.Second,
		chromedp.Poll[chromedp.Void](`!document.getElementById("idle-warning").hidden`, chromedp.WithPollingInterval(100*time.Millisecond)))
	b.step("signed out for inactivity", idleTimeout+15*time.Second, chromedp.WaitVisible(chromedp.ID("login-notice")))
	waited := time.Since(idleFrom)
	assert.GreaterOrEqual(t, waited, idleTimeout, "signed out before the idle limit")
	at := b.location()
	assert.Equal(t, "/login", at.Path)
	assert.Equal(t, "idle", at.Query().Get("ended"))
	assert.Equal(t, "You were signed out after 6 seconds of inactivity. Sign in again to continue.", b.text("#login-notice"))
	b.screenshot("3-signed-out")
	t.Logf("signed out %s after the last request", waited.Round(100*time.Millisecond))

	// The session really ended on the server, not only in the page.
	b.step("matter after sign-out", 15*time.Second,
		chromedp.Navigate(matterURL),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	assert.Equal(t, "/login", b.location().Path)

	b.checkConsole()
}

// signIn signs in as a person would: ask for a link at /login, open it from
// the email the worker sent through SMTP, and continue, until the landing
// page shows landing (a CSS selector).
func (b *browser) signIn(portalURL string, smtp *testkit.SMTPServer, email, landing string) {
	b.t.Helper()
	b.signInTo(portalURL, smtp, email, "Demo Law LLP", landing)
}

// signInTo is signIn to the firm named firm.
func (b *browser) signInTo(portalURL string, smtp *testkit.SMTPServer, email, firm, landing string) {
	t := b.t
	t.Helper()
	seen := len(smtp.To(email))
	b.step("ask for a link", 15*time.Second,
		chromedp.Navigate(portalURL+"/login"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.Tap(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] button.secondary`)), // "Send another link"
	)
	assert.Equal(t, "/login/sent", b.location().Path)
	assert.Equal(t, "Check your email", b.text("h1"))

	mail := smtp.WaitForNext(t, email, seen, time.Minute) // the worker shares two cores with every test running
	assert.Equal(t, "Your sign-in link for "+firm, mail.Subject)
	link := regexp.MustCompile(regexp.QuoteMeta(portalURL) + `/login/link/[A-Za-z0-9_-]+`).FindString(mail.Body)
	require.NotEmpty(t, link, "no sign-in link in the email:\n%s", mail.Body)

	b.step("open the link", 15*time.Second,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.ID("continue")),
	)
	assert.Equal(t, "Continue to "+firm, b.text("h1"))
	b.step("continue", 15*time.Second,
		chromedp.Tap(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.CSS(landing)),
	)
}

// startPortal runs the real portal and worker on a new database, migrated
// and seeded as `make run` does, with mail going to an SMTP server the test
// reads; vars adds to or overrides the configuration. It returns the
// portal's URL, the mail server and the database URL.
func startPortal(t *testing.T, vars map[string]string) (string, *testkit.SMTPServer, string) {
	t.Helper()
	portalURL, smtp, dbURL, _ := startPortalCLI(t, vars)
	return portalURL, smtp, dbURL
}

// startPortalCLI is startPortal that also gives the portal's command line,
// run with the programs' environment.
func startPortalCLI(t *testing.T, vars map[string]string) (string, *testkit.SMTPServer, string, func(args ...string)) {
	t.Helper()
	bin := testkit.BuildPrograms(t, "portal", "worker")
	smtp := testkit.StartSMTP(t)
	portalAddr, workerAddr := testkit.FreeAddr(t), testkit.FreeAddr(t)
	portalURL, dbURL := "http://"+portalAddr, testkit.EmptyDatabaseURL(t)
	all := map[string]string{
		"DATABASE_URL":     dbURL,
		"REDIS_URL":        testkit.RedisURL(t),
		"PORTAL_ADDR":      portalAddr,
		"WORKER_ADDR":      workerAddr,
		"PUBLIC_URL":       portalURL,
		"SMTP_URL":         smtp.URL(),
		"DOCUMENTS_DIR":    t.TempDir(),
		"SHUTDOWN_TIMEOUT": "5s",
	}
	maps.Copy(all, vars)
	env := testkit.ProgramEnv(t, all)
	// As `make run` does; the programs' own migrations, not the test binary's.
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "migrate")
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "seed-demo")
	portal := testkit.StartProgram(t, "portal", filepath.Join(bin, "portal"), env, "serve")
	worker := testkit.StartProgram(t, "worker", filepath.Join(bin, "worker"), env)
	portal.WaitReady(t, portalURL, 30*time.Second)
	worker.WaitReady(t, "http://"+workerAddr, 30*time.Second)
	return portalURL, smtp, dbURL, func(args ...string) { testkit.RunCommand(t, filepath.Join(bin, "portal"), env, args...) }
}
