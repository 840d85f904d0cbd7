package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/matters"
)

// page is what every template gets: who is signed in, the CSRF token, the
// idle limit for the warning, and the page's own data.
type page struct {
	Title       string
	Session     any
	CSRF        string
	IdleSeconds int
	Dev         bool
	// Nav is the staff navigation item the page belongs to, marked current.
	Nav  string
	Data any
}

// staffNav maps a staff path's first segment to its navigation item.
var staffNav = map[string]string{
	"matters": "matters", "documents": "matters", "contacts": "contacts", "notes": "contacts",
	"calendar": "calendar", "texts": "texts", "settings": "settings", "profile": "settings", "inbox": "inbox",
}

// navOf is the navigation item of the page at path ("" outside /staff/).
func navOf(path string) string {
	rest, ok := strings.CutPrefix(path, "/staff/")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(rest, "/")
	if first == "" {
		return "matters" // /staff/ is the matter list
	}
	return staffNav[first]
}

func (h *handler) page(c *fiber.Ctx, title string, data any) page {
	p := page{Title: title, Data: data, Dev: h.Config.Dev(), Nav: navOf(c.Path())}
	p.CSRF, _ = c.Locals(localCSRF).(string)
	if s := session(c); s != nil {
		p.Session = s
		p.IdleSeconds = int(h.Config.SessionIdleTimeout / time.Second)
	}
	return p
}

// render writes a full page, or only block when htmx asked for a swap.
func (h *handler) render(c *fiber.Ctx, name, block, title string, data any) error {
	if block != "" && isHTMX(c) {
		return c.Render(name+"#"+block, h.page(c, title, data))
	}
	return c.Render(name, h.page(c, title, data))
}

// idParam reads a positive integer route parameter; anything else is a 404,
// like an ID the viewer may not see.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// storeErr turns "not visible" into a 404 and leaves the rest to the error handler.
func storeErr(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return fiber.ErrNotFound
	}
	return err
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// humanDuration says a duration the way the login page does: "15 minutes".
func humanDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d >= time.Minute && d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d.Round(time.Second)/time.Second), "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// matterParam is the signed-in viewer and the matter named by the :id route
// parameter, if the viewer may see it (a 404 otherwise).
func (h *handler) matterParam(c *fiber.Ctx) (store.Viewer, matters.Row, error) {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return v, matters.Row{}, err
	}
	m, err := h.stores.Matters.Matter(c.UserContext(), v, id)
	return v, m, storeErr(err)
}
