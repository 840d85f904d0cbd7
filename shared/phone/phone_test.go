package phone

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestE164(t *testing.T) {
	for _, tc := range []struct {
		raw, region, want string
		ok                bool
	}{
		{"(415) 555-0123", "", "+14155550123", true},
		{"415.555.0123", "US", "+14155550123", true},
		{"+1 415 555 0123", "", "+14155550123", true},
		{"1-415-555-0123", "", "+14155550123", true},
		{"+44 20 7946 0958", "", "+442079460958", true},
		{"020 7946 0958", "GB", "+442079460958", true},
		{"(604) 555-0199", "", "+16045550199", true}, // Canada shares the plan
		{"555-0123", "", "", false},                  // no area code
		{"12345", "", "", false},
		{"call me", "", "", false},
		{"", "", "", false},
		{"+1 415 555 01234567", "", "", false},
	} {
		got, err := E164(tc.raw, tc.region)
		if !tc.ok {
			assert.ErrorIs(t, err, ErrInvalid, "%q", tc.raw)
			continue
		}
		if assert.NoError(t, err, "%q", tc.raw) {
			assert.Equal(t, tc.want, got, "%q", tc.raw)
		}
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+14155550123", "(415) 555-0123"},
		{"+442079460958", "+44 20 7946 0958"},
		{"not a number", "not a number"},
		// What a user typed, given back with a field error, stays as typed.
		{"555-0123", "555-0123"},
		{"020 7946 0958", "020 7946 0958"},
		{"+15550123", "+15550123"}, // E.164 in form, but no valid number
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Display(tt.in, ""), tt.in)
		// The second time comes from the cache; it must say the same.
		assert.Equal(t, tt.want, Display(tt.in, ""), tt.in)
	}
	// The region is part of what is remembered: a UK firm reads the same
	// number the other way.
	assert.Equal(t, "+1 415-555-0123", Display("+14155550123", "GB"))
	assert.Equal(t, "020 7946 0958", Display("+442079460958", "GB"))
}
