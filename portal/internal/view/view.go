// Package view renders Parley's html/template pages.
//
// Every page under pages/ is parsed once at start-up together with the
// layouts and partials, so a broken template stops the program at boot
// rather than in front of a user. A page is rendered by name
// ("public/home"); one of its blocks alone, for an htmx swap, by
// "public/home#block", so full page and fragment share one definition.
package view

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/parleyhq/parley/shared/phone"
)

// Engine holds the parsed pages. It satisfies fiber.Views.
type Engine struct {
	fsys  fs.FS
	funcs template.FuncMap
	pages map[string]*template.Template
}

// New parses every page in fsys. funcs are added to the built-in helpers.
func New(fsys fs.FS, funcs template.FuncMap) (*Engine, error) {
	e := &Engine{fsys: fsys, funcs: template.FuncMap{
		"dict": dict,
	}}
	for k, v := range funcs {
		e.funcs[k] = v
	}
	if err := e.Load(); err != nil {
		return nil, err
	}
	return e, nil
}

// Load parses the templates; fiber calls it once, New already did.
func (e *Engine) Load() error {
	if e.pages != nil {
		return nil
	}
	base := template.New("").Funcs(e.funcs)
	for _, dir := range []string{"layouts", "partials"} {
		files, err := fs.Glob(e.fsys, dir+"/*.html")
		if err != nil {
			return fmt.Errorf("view: %w", err)
		}
		for _, f := range files {
			if err := parseInto(base, e.fsys, f); err != nil {
				return err
			}
		}
	}
	pages := map[string]*template.Template{}
	err := fs.WalkDir(e.fsys, "pages", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		t, err := base.Clone()
		if err != nil {
			return fmt.Errorf("view: clone for %s: %w", p, err)
		}
		if err := parseInto(t, e.fsys, p); err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "pages/"), ".html")
		if t.Lookup("content") == nil {
			return fmt.Errorf("view: page %s defines no \"content\" block", p)
		}
		pages[name] = t
		return nil
	})
	if err != nil {
		return err
	}
	e.pages = pages
	return nil
}

func parseInto(t *template.Template, fsys fs.FS, file string) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return fmt.Errorf("view: read %s: %w", file, err)
	}
	if _, err := t.New(file).Parse(string(b)); err != nil {
		return fmt.Errorf("view: parse %s: %w", file, err)
	}
	return nil
}

// Pages lists the names of every page, for tests that render them all.
func (e *Engine) Pages() []string {
	out := make([]string, 0, len(e.pages))
	for n := range e.pages {
		out = append(out, n)
	}
	return out
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page name (or "name#block") with data. The layout argument
// is ignored: a page names its layout by the blocks it defines. Output is
// buffered so a failing template never sends half a page.
func (e *Engine) Render(w io.Writer, name string, data any, _ ...string) error {
	page, block, _ := strings.Cut(name, "#")
	t, ok := e.pages[page]
	if !ok {
		return fmt.Errorf("view: no page %q", page)
	}
	if block == "" {
		block = "layouts/base.html"
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, block, data); err != nil {
		return fmt.Errorf("view: render %s: %w", name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Funcs are the helpers Parley's templates use beyond the built-ins.
var Funcs = template.FuncMap{"bytes": HumanBytes, "linkify": Linkify, "phone": func(e164 string) string { return phone.Display(e164, "") },
	"money": Money}

// Money writes an amount the way a US firm reads it: $25,000.00.
func Money(v float64) string {
	return english.Sprintf("$%v", number.Decimal(v, number.Scale(2)))
}

var english = message.NewPrinter(language.AmericanEnglish)

// HumanBytes writes a size the way people read it: "1.2 MB".
func HumanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	// strconv, not fmt: a document list calls this once a row.
	return strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64) + " " + "kMGTPE"[exp:exp+1] + "B"
}

// dict builds a map for passing several values to a partial.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
