package api

import (
	"time"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/store"
)

// defaultLimit is a page's size when the request names none; the document
// holds limit to 1-200 and ids[] to 1-50 integers.
const defaultLimit = 50

// badParam is a 400 naming the parameter at fault.
func badParam(field, msg string) *Error {
	return &Error{Status: 400, Type: "invalid_request", Message: msg, Field: field}
}

// listQuery is what every list takes (the document has checked each): a
// page token, the page's size, ids[] and the created/updated-since
// filters. It asks the store for one row more than the page holds, which
// says whether a next page follows.
func listQuery(pageToken *string, limit *int, ids *[]int64, created, updated *time.Time) (store.IDQuery, error) {
	q := store.IDQuery{Limit: defaultLimit + 1, CreatedSince: created, UpdatedSince: updated}
	if limit != nil {
		q.Limit = *limit + 1
	}
	if ids != nil {
		q.IDs = *ids
	}
	if pageToken != nil && *pageToken != "" {
		// A page token is the last ID of the page before: a row added
		// while a client pages gets a higher ID, so a token stays valid
		// and no row is skipped or repeated.
		if ok, err := store.ReadCursor(*pageToken, &q.After); !ok || err != nil || q.After <= 0 {
			return q, badParam("page_token", "The page token is not one this API gave.")
		}
	}
	return q, nil
}

// page cuts the extra row listQuery asked for and gives the next page's
// token when there was one.
func page[T any](q store.IDQuery, rows []T, id func(T) int64) ([]T, spec.Meta) {
	var meta spec.Meta
	if n := q.Limit - 1; len(rows) > n {
		rows = rows[:n]
		next := store.Cursor(id(rows[n-1]))
		meta.Paging.Next = &next
	}
	if rows == nil {
		rows = []T{}
	}
	return rows, meta
}
