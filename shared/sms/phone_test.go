package sms_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

func TestNormalizeTextable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want string // "" means refused with ErrNotTextable
	}{
		{"4158675309", "+14158675309"},
		{"14158675309", "+14158675309"},
		{"+1 (415) 867-5309", "+14158675309"},
		{"415.867.5309", "+14158675309"},
		{"  +14158675309  ", "+14158675309"},
		{"(604) 555-0143", "+16045550143"},  // Canada
		{"+1 888 555 0100", "+18885550100"}, // toll-free
		{"+442071838750", ""},               // UK
		{"+12425550123", ""},                // Bahamas: NANP, but not US or CA
		{"+1 876 555 0123", ""},             // Jamaica
		{"12345", ""},
		{"", ""},
		{"   ", ""},
		{"call me", ""},
		{"415 867 5309 ext. 12", ""},
		{"+1 900 555 1234", ""}, // premium rate
		{"+1 123 456 7890", ""}, // no area code starts with 1
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := sms.NormalizeTextable(tt.raw)
			if tt.want == "" {
				require.ErrorIs(t, err, sms.ErrNotTextable)
				assert.Contains(t, err.Error(), "Only US and Canadian mobile numbers can be texted: ")
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNormalizeInbound(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{"+14158675309", "+14158675309"},
		{"+1 (415) 867-5309", "+14158675309"},
		{"4158675309", "+14158675309"},
		{"14158675309", "+14158675309"},
		{"(604) 555-0143", "+16045550143"},
		{"+442071838750", "+442071838750"},
		{"+44 20 7183 8750", "+442071838750"},
		{"+12425550123", "+12425550123"},    // possible, though not textable
		{"+1 299 555 0100", "+12995550100"}, // an area code the metadata may not know yet
		{"+10005550100", "+10005550100"},
		{"55555", "55555"},         // a short code
		{" PARLEY ", "PARLEY"},     // an alphanumeric sender
		{"+1 415", "+1 415"},       // not possible: kept as given
		{"+49000000", "+49000000"}, // the parser would drop a 0 as a trunk prefix, each time again
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.NormalizeInbound(tt.raw))
		})
	}
}

// TestNormalizeInboundFastPath checks the parser-free path for "+1NXXNXXXXXX"
// gives what the library gives, across area codes and exchanges.
func TestNormalizeInboundFastPath(t *testing.T) {
	t.Parallel()
	for npa := 200; npa <= 999; npa += 7 {
		for _, nxx := range []int{200, 555, 867, 999} {
			raw := fmt.Sprintf("+1%03d%03d0143", npa, nxx)
			n, err := phonenumbers.Parse(raw, "US")
			require.NoError(t, err)
			require.True(t, phonenumbers.IsPossibleNumber(n), raw)
			require.Equal(t, phonenumbers.Format(n, phonenumbers.E164), sms.NormalizeInbound(raw))
		}
	}
}

// FuzzNormalizeInbound: normalizing is idempotent and never drops a digit,
// so two senders never collapse into one string.
func FuzzNormalizeInbound(f *testing.F) {
	for _, s := range []string{"+14158675309", "4158675309", "+442071838750", "+49000000", "55555", "PARLEY", "+1 415", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := sms.NormalizeInbound(raw)
		if twice := sms.NormalizeInbound(once); twice != once {
			t.Fatalf("NormalizeInbound(%q) = %q, then %q", raw, once, twice)
		}
		if !strings.HasSuffix(asciiDigits(once), asciiDigits(raw)) {
			t.Fatalf("NormalizeInbound(%q) = %q dropped digits", raw, once)
		}
	})
}

func asciiDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
