package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/store"
)

// pageURL is the current page's address with the list cursor param set to
// cursor (other query parameters, such as a search, kept); "" when the
// list has no more.
func pageURL(c *fiber.Ctx, param, cursor string) string {
	if cursor == "" {
		return ""
	}
	q, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	q.Set(param, cursor)
	return c.Path() + "?" + q.Encode()
}

// nextPage is an htmx request for a list's next page, which swaps in only
// its rows.
func nextPage(c *fiber.Ctx, param string) bool { return isHTMX(c) && c.Query(param) != "" }

// pageErr turns a cursor this code did not make into a clear 400.
func pageErr(err error) error {
	if errors.Is(err, store.ErrBadCursor) {
		return fiber.NewError(fiber.StatusBadRequest, "That page of the list no longer exists. Go back to the list and try again.")
	}
	return storeErr(err)
}

// more is what the "Show more" partials take.
type more struct {
	URL, Label string
	Cols       int
}
