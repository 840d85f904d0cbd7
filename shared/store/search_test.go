package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSearchWords(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", nil},
		{"   ", nil},
		{"Ann  SMITH ", []string{"ann", "smith"}},
		{"(415) 555-0123", []string{"#4155550123"}},
		{"+1 415.555.0123", []string{"#14155550123"}},
		{"5550123", []string{"#5550123"}},
		{"12", []string{"12"}},    // too few digits for a number: a word
		{"#555", []string{"555"}}, // '#' is the mark of numbers, never typed
		{"@smith.law", []string{"smith.law"}},
		{"@ #", nil},
		{"o'brien 42", []string{"o'brien", "42"}},
	} {
		assert.Equal(t, tc.want, searchWords(tc.query), "%q", tc.query)
	}
}
