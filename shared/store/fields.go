package store

import (
	"sort"
	"strings"
)

// FieldErrors is a form's input a user must correct, by field name; each
// text is for them. A form shows each next to its field and saves nothing.
type FieldErrors map[string]string

// Add notes what is wrong with field, keeping the first note.
func (e FieldErrors) Add(field, msg string) {
	if _, ok := e[field]; !ok {
		e[field] = msg
	}
}

// Err is e as an error, or nil when nothing is wrong.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// First is the first field at fault, by name, and what is wrong with it.
func (e FieldErrors) First() (field, msg string) {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	if len(fields) == 0 {
		return "", ""
	}
	return fields[0], e[fields[0]]
}

func (e FieldErrors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	msgs := make([]string, len(fields))
	for i, f := range fields {
		msgs[i] = f + ": " + e[f]
	}
	return strings.Join(msgs, "; ")
}

// NormalizeEmail lower-cases and trims an address; "" if it is not one.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return ""
	}
	return s
}
