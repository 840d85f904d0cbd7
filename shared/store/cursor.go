package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// PageSize is how many rows one page of a list holds.
const PageSize = 50

// ErrBadCursor is a cursor this code did not make (edited, or from an
// older version): the list starts again from the top.
var ErrBadCursor = errors.New("store: bad page cursor")

// Cursor is where a page of a list ended: the sort key of its last row,
// opaque to the browser. Lists page by keyset (WHERE (key) > (cursor)), so
// a page costs the same at the end of a long list as at its start.
func Cursor(key ...any) string {
	b, err := json.Marshal(key)
	if err != nil {
		return "" // only plain values are passed; an empty cursor ends the list
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ReadCursor decodes a cursor into dst, one pointer per key part. An empty
// cursor reads nothing and reports false: the first page.
func ReadCursor(cursor string, dst ...any) (bool, error) {
	if cursor == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return false, ErrBadCursor
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) != len(dst) {
		return false, ErrBadCursor
	}
	for i, p := range parts {
		if err := json.Unmarshal(p, dst[i]); err != nil {
			return false, fmt.Errorf("%w: part %d", ErrBadCursor, i)
		}
	}
	return true, nil
}

// Page is one page of a list and the cursor of the next ("" at the end).
type Page[T any] struct {
	Items []T
	Next  string
}

// Trim keeps the first PageSize of rows (queried with LIMIT PageSize+1)
// and makes the next cursor from the last kept row, if there were more.
func Trim[T any](rows []T, key func(T) string) Page[T] {
	if len(rows) <= PageSize {
		return Page[T]{Items: rows}
	}
	rows = rows[:PageSize]
	return Page[T]{Items: rows, Next: key(rows[len(rows)-1])}
}
