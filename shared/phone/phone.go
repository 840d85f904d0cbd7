// Package phone reads phone numbers as people type them and writes them as
// E.164, the form Parley stores and carriers take. The parsing is
// libphonenumber's (github.com/nyaruka/phonenumbers, its Go port).
package phone

import (
	"errors"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is where a number typed without a country code is assumed
// to be: Parley's firms are in the US and Canada (one numbering plan).
const DefaultRegion = "US"

// ErrInvalid is a number that cannot be read as a phone number.
var ErrInvalid = errors.New("phone: not a valid phone number")

// E164 reads raw ("(415) 555-0123", "+44 20 7946 0958", "415.555.0123")
// and returns it as E.164 ("+14155550123"). A number without a country
// code is read as one of region's.
func E164(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ErrInvalid
	}
	if region == "" {
		region = DefaultRegion
	}
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", ErrInvalid
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// Display writes an E.164 number the way people read it: national format
// for region's numbers, international otherwise; anything else (what a
// user typed and a form gives back with an error) as it is.
func Display(e164, region string) string {
	if region == "" {
		region = DefaultRegion
	}
	if !isE164(e164) {
		return e164
	}
	key := displayKey{e164, region}
	if s, ok := displayed.Get(key); ok {
		return s
	}
	s := display(e164, region)
	displayed.Add(key, s)
	return s
}

// displayed remembers Display's answers: libphonenumber validates a number
// against its region's patterns with regular expressions, some 25 µs a
// number, which made formatting the phones of a 50-row list cost more than
// the rest of the page. Lists show the same contacts again and again; 64k
// answers are a few megabytes.
var displayed, _ = lru.New[displayKey, string](1 << 16)

type displayKey struct{ e164, region string }

func display(e164, region string) string {
	n, err := phonenumbers.Parse(e164, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(n) == region {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// isE164 is "+" and 8 to 15 digits.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
