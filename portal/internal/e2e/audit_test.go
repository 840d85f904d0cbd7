package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/shared/seed"
)

// TestBrowserEveryPage signs in as the demo client, member and admin, on a
// phone and on a laptop, and opens every kind of page each can reach by
// following links from where they land (one page per route and set of
// query parameters). Each page is screenshot and fails the test on a
// JavaScript error or CSP violation, on scrolling sideways, on visible text
// below WCAG AA contrast, or on a form field without a label.
//
// It runs before the package's parallel tests, not among them: its six
// browser sessions on top of theirs starved a worker of CPU under
// `make test` (a sign-in email took more than 30 s).
func TestBrowserEveryPage(t *testing.T) {
	requireChromium(t)
	portalURL, smtp, _ := startTextingPortal(t)

	roles := []struct{ name, email, landing string }{
		{"client", seed.DemoClientEmail, `a.row-link[href^="/portal/matters/"]`},
		{"member", seed.DemoMemberEmail, `a[href="/staff/contacts"]`},
		{"admin", seed.DemoAdminEmail, `a[href="/staff/contacts"]`},
	}
	for _, vp := range []viewport{phone, laptop} {
		for _, role := range roles {
			t.Run(vp.name+"/"+role.name, func(t *testing.T) {
				b := newBrowserOn(t, 4*time.Minute, vp)
				b.signIn(portalURL, smtp, role.email, role.landing)
				pages := b.crawl(portalURL, 60)
				if len(pages) < 3 {
					t.Errorf("only %d pages reached: %v", len(pages), pages)
				}
				t.Logf("%d pages: %s", len(pages), strings.Join(pages, " "))
				b.checkConsole()
			})
		}
	}
}

// crawl opens the page the tab shows, audits it, and goes on to the pages
// its links lead to, breadth first, up to max pages: one of each route (IDs
// count as one) and set of query parameters. It returns the paths audited.
func (b *browser) crawl(base string, max int) []string {
	b.t.Helper()
	start := b.location()
	queue := []string{start.RequestURI()}
	seen := map[string]bool{routeKey(start): true}
	var done []string
	for len(queue) > 0 && len(done) < max {
		path := queue[0]
		queue = queue[1:]
		b.step("open "+path, 20*time.Second, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body")))
		// Let htmx's "load" requests (badges, lazy parts) land.
		time.Sleep(150 * time.Millisecond)
		name := fmt.Sprintf("%02d%s", len(done)+1, regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(path, "-"))
		b.screenshot(name)
		for _, problem := range b.audit() {
			b.t.Errorf("%s: %s", path, problem)
		}
		done = append(done, path)
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('a[href]')].map(a => a.href)`))
		cancel()
		if err != nil {
			b.t.Fatalf("links of %s: %v", path, err)
		}
		for _, l := range links {
			u, err := url.Parse(l)
			if err != nil || base != u.Scheme+"://"+u.Host || !crawlable(u.Path) || seen[routeKey(u)] {
				continue
			}
			seen[routeKey(u)] = true
			queue = append(queue, u.RequestURI())
		}
	}
	return done
}

// crawlable is a path that answers a page: not a file, a download, the
// development mailbox, or the API and its reference (Swagger UI's page,
// checked by TestBrowserAPIReference).
func crawlable(path string) bool {
	for _, file := range []string{"/staff/documents/", "/portal/documents/", "/staff/texts/media/", "/dev/", "/static/", "/api/"} {
		if strings.HasPrefix(path, file) && !strings.HasSuffix(path, "/view") {
			return false
		}
	}
	return !strings.HasSuffix(path, ".ics") && !strings.HasSuffix(path, ".csv")
}

var digits = regexp.MustCompile(`/[0-9]+`)

// routeKey is a page's route, the names of its query parameters and the
// calendar's view (day, week, list: a layout of its own): the pages with
// the same key differ only in their data.
func routeKey(u *url.URL) string {
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range u.Query() {
			if !yield(k) {
				return
			}
		}
	})
	return digits.ReplaceAllString(u.Path, "/:id") + "?" + strings.Join(keys, "&") + "#" + u.Query().Get("view")
}

// audit lists what is wrong with the page on screen: sideways scrolling,
// form fields without a label, and visible text whose contrast with what is
// behind it is below WCAG AA (4.5:1, or 3:1 for large text), computed from
// the page's styles, and, on a phone, list values without their heading.
func (b *browser) audit() []string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(auditJS, b.width)))
	if err != nil {
		b.t.Fatalf("audit: %v", err)
	}
	return problems
}

// auditJS is the page audit (see audit); %d is the screen's width.
const auditJS = `(() => {
  const problems = [];
  const width = %d;
  if (document.documentElement.scrollWidth > width) {
    problems.push("scrolls sideways: " + document.documentElement.scrollWidth + "px wide on a " + width + "px screen");
  }
  const describe = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset", "image"].includes(el.type)) continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.title;
    if (!named) problems.push("a field without a label: " + describe(el));
  }
  const parse = c => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1,
  });
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const luminance = c => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const contrast = (a, b) => {
    const x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  };
  const check = (el, style, text) => {
    const fg = parse(style.color);
    if (!fg) return;
    const bg = background(el);
    const ratio = contrast(over(fg, bg), bg);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) {
      problems.push("contrast " + ratio.toFixed(2) + " below " + need + ": \"" + text.slice(0, 40) + "\" (" + style.color + " on rgb(" +
        [bg.r, bg.g, bg.b].map(Math.round).join(", ") + ") in " + describe(el) + ")");
    }
  };
  const visible = el => {
    if (!el.getClientRects().length || el.closest("[hidden], [aria-hidden=true]")) return false;
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility === "visible" && parseFloat(s.opacity) > 0;
  };
  if (width <= 640) { // app.css hides the headings of list tables there
    // A control (a button, a details summary) says what it is; other text
    // needs its column's heading.
    const saysWhat = td => {
      const w = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      while (w.nextNode()) if (w.currentNode.textContent.trim() && !w.currentNode.parentElement.closest("button, .button, details")) return true;
      return false;
    };
    for (const td of document.querySelectorAll("table.list tbody td:not(:first-child)")) {
      if (visible(td) && saysWhat(td) && !td.dataset.label) {
        problems.push("a value without its heading on a phone: \"" + td.textContent.trim().slice(0, 40) + "\"");
      }
    }
  }
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el || seen.has(el)) continue;
    seen.add(el);
    if (!visible(el) || el.closest(":disabled")) continue; // WCAG leaves out inactive controls
    check(el, getComputedStyle(el), text);
  }
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    if (el.value || !visible(el)) continue;
    check(el, getComputedStyle(el, "::placeholder"), "placeholder " + el.placeholder);
  }
  return problems;
})()`

// The audit finds what it looks for on a page made to fail it, and nothing
// on the same page done right.
func TestBrowserAuditFindsProblems(t *testing.T) {
	t.Parallel()
	requireChromium(t)
	b := newBrowserOn(t, time.Minute, phone)
	const bad = `<!doctype html><meta name="viewport" content="width=device-width">
<style>#hint::placeholder { color: #ccc; }</style>
<body style="margin:0;background:#fff">
<p style="color:#bbb">Faint text</p>
<p style="background:#1d2330;color:#b3261e">Red on near-black</p>
<input name="who">
<input id="hint" name="hint" aria-label="Hint" placeholder="faint placeholder" style="color:#000">
<div style="width:600px">Wide</div>
<p hidden style="color:#fff">Hidden text is not read</p>
</body>`
	b.step("open the bad page", 10*time.Second, chromedp.Navigate("data:text/html,"+url.PathEscape(bad)))
	problems := strings.Join(b.audit(), "\n")
	for _, want := range []string{"scrolls sideways", "field without a label: input[name=who]", `"Faint text"`,
		`"Red on near-black"`, `"placeholder faint placeholder"`} {
		if !strings.Contains(problems, want) {
			t.Errorf("the audit missed %q in:\n%s", want, problems)
		}
	}
	if strings.Contains(problems, "Hidden text") || strings.Contains(problems, "Hint") {
		t.Errorf("the audit read what is not shown:\n%s", problems)
	}
	const good = `<!doctype html><meta name="viewport" content="width=device-width">
<body style="margin:0;background:#fff"><p style="color:#1d2330">Plain text</p>
<label for="who">Who</label><input id="who" name="who"><input aria-label="Hint" placeholder="readable" style="color:#000"></body>`
	b.step("open the good page", 10*time.Second, chromedp.Navigate("data:text/html,"+url.PathEscape(good)))
	if problems := b.audit(); len(problems) > 0 {
		t.Errorf("the audit found problems on a sound page: %v", problems)
	}
}
