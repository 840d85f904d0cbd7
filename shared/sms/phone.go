package sms

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrNotTextable is returned, wrapped with the particular problem, for a
// number Parley refuses to text. Unlike most errors its text is a sentence
// for the user who typed the number, so the UI can show err.Error() as is.
var ErrNotTextable = errors.New("Only US and Canadian mobile numbers can be texted")

func notTextable(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotTextable}, args...)...)
}

// NormalizeTextable turns a number a user typed into the E.164 form texts are
// sent to, refusing anything but a valid US or Canadian number: carriers bill
// and filter other NANP countries (the Caribbean shares +1) differently.
// Numbers without a country code are read as North American.
func NormalizeTextable(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", notTextable("no number was given.")
	}
	n, err := phonenumbers.Parse(raw, "US")
	if err != nil {
		return "", notTextable("%q is not a phone number.", raw)
	}
	if n.GetExtension() != "" {
		return "", notTextable("%q has an extension, which cannot receive texts.", raw)
	}
	if n.GetCountryCode() != 1 {
		return "", notTextable("%q is not a North American number.", raw)
	}
	if region := phonenumbers.GetRegionCodeForNumber(n); region != "" && region != "US" && region != "CA" {
		return "", notTextable("%q is outside the US and Canada (%s).", raw, region)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", notTextable("%q is not a valid US or Canadian number.", raw)
	}
	if phonenumbers.GetNumberType(n) == phonenumbers.PREMIUM_RATE {
		return "", notTextable("%q is a premium-rate number.", raw)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// NormalizeInbound puts a number from a webhook or a contact record in E.164
// for matching. It only asks that the number be possible, not valid: the
// library's metadata lags new area codes, and a real client's text must not
// go unmatched for that. Anything unparsable (a short code, an alphanumeric
// sender) comes back trimmed, as given.
func NormalizeInbound(raw string) string {
	raw = strings.TrimSpace(raw)
	if isNANPE164(raw) {
		return raw // the common case, already canonical: skip the parser on the hot path
	}
	if raw == "" {
		return ""
	}
	n, err := phonenumbers.Parse(raw, "US")
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return raw
	}
	out := phonenumbers.Format(n, phonenumbers.E164)
	// The parser drops what it takes for a trunk prefix ("+49 0…"), so two
	// senders could become one string. Keep its answer only when it holds
	// every digit given (plus the 1 of a North American number written
	// without it); that also makes normalizing twice change nothing.
	if d := digits(raw); out[1:] != d && (raw[0] == '+' || out[1:] != "1"+d) {
		return raw
	}
	return out
}

// digits keeps the ASCII digits of s.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// isNANPE164 is "+1" and ten digits with area code and exchange starting 2-9
// (NPA-NXX), which the library would return unchanged.
func isNANPE164(s string) bool {
	if len(s) != 12 || s[0] != '+' || s[1] != '1' || s[2] < '2' || s[5] < '2' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Display writes an E.164 number the way people read it: North American
// numbers as (415) 555-0100, others in international form.
func Display(e164 string) string {
	n, err := phonenumbers.Parse(e164, "US")
	if err != nil {
		return e164
	}
	if n.GetCountryCode() == 1 {
		return phonenumbers.Format(n, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}
