package api

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/store"
)

// Every list takes these parameters (the reference's): a page token, the
// page's size, ids[] and the created/updated-since filters.
const (
	defaultLimit = 50
	maxLimit     = 200
	maxIDs       = 50
)

// listQuery is a list request's parameters, checked.
type listQuery struct {
	After        int64 // the last ID of the page before; 0 for the first
	Limit        int
	IDs          []int64
	CreatedSince *time.Time
	UpdatedSince *time.Time
}

// badParam is a 400 naming the parameter at fault.
func badParam(field, msg string) *Error {
	return &Error{Status: fiber.StatusBadRequest, Type: "invalid_request", Message: msg, Field: field}
}

// readList reads and checks the list parameters. Lists are paged by ID, in
// order: a row added while a client pages gets a higher ID, so a page
// token stays valid and no row is skipped or repeated.
func readList(c *fiber.Ctx) (listQuery, error) {
	q := listQuery{Limit: defaultLimit}
	if raw := c.Query("page_token"); raw != "" {
		var after int64
		if ok, err := store.ReadCursor(raw, &after); !ok || err != nil || after <= 0 {
			return q, badParam("page_token", "The page token is not one this API gave.")
		}
		q.After = after
	}
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			return q, badParam("limit", fmt.Sprintf("limit is a whole number from 1 to %d.", maxLimit))
		}
		q.Limit = n
	}
	args := c.Request().URI().QueryArgs()
	var ids []string
	for _, v := range args.PeekMulti("ids[]") {
		ids = append(ids, strings.Split(string(v), ",")...)
	}
	if len(ids) > maxIDs {
		return q, badParam("ids[]", fmt.Sprintf("ids[] takes at most %d IDs.", maxIDs))
	}
	for _, raw := range ids {
		id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil || id <= 0 {
			return q, badParam("ids[]", fmt.Sprintf("ids[] takes whole numbers; %q is not one.", raw))
		}
		q.IDs = append(q.IDs, id)
	}
	for _, f := range []struct {
		name string
		dst  **time.Time
	}{{"created_since", &q.CreatedSince}, {"updated_since", &q.UpdatedSince}} {
		raw := c.Query(f.name)
		if raw == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return q, badParam(f.name, f.name+" is an ISO 8601 time with its offset, e.g. 2024-01-15T10:30:00Z.")
		}
		*f.dst = &t
	}
	return q, nil
}

// page answers a list: its rows, and the token of the next page when more
// rows follow (rows holds up to Limit+1, the extra one saying so).
func page[T any](c *fiber.Ctx, q listQuery, rows []T, id func(T) int64) error {
	paging := fiber.Map{}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		paging["next"] = store.Cursor(id(rows[len(rows)-1]))
	}
	if rows == nil {
		rows = []T{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"data": rows, "meta": fiber.Map{"paging": paging}})
}
