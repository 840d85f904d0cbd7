package sms

import "strings"

// The five failure reasons a user sees on a failed text.
const (
	ReasonUnreachable = "Unreachable number"
	ReasonRejected    = "Rejected by carrier"
	ReasonTemporary   = "Temporary error"
	ReasonUnknownErr  = "Unknown error"
	ReasonCarrier     = "Carrier error"
)

// statusRank orders the statuses a text moves through; failed is handled
// apart, since it may follow any of them but delivered.
var statusRank = map[Status]int{
	StatusQueued:    1,
	StatusSending:   2,
	StatusSent:      3,
	StatusDelivered: 4,
}

// Advance reports whether next may replace current. Callbacks arrive out of
// order, so a status never moves backwards, delivered and failed are final,
// and failed may follow queued, sending or sent. An empty current (nothing
// recorded yet) may take any status. Repeating the current status is not an
// advance, so a duplicate callback writes nothing. A user's retry of a failed
// text is a new attempt, not an Advance.
func Advance(current, next Status) bool {
	if current == StatusDelivered || current == StatusFailed {
		return false
	}
	cur, ok := statusRank[current]
	if !ok && current != "" {
		return false
	}
	if next == StatusFailed {
		return true
	}
	nxt, ok := statusRank[next]
	return ok && nxt > cur
}

type codeKey struct {
	dialect Dialect
	code    string
}

// reasons is the one table from carrier error codes to the five reasons.
// The mapping is Parley's own choice (CARRIERS.md gives the Twilio column);
// the Telnyx rows follow the same logic: a number that does not take texts
// or a message a carrier blocks is "Rejected by carrier", a handset that
// cannot be reached is "Unreachable number", an expired message is a
// "Temporary error". An opted-out recipient (21610, 40300) is rejected, not
// retryable: only a START from the contact lifts it.
var reasons = map[codeKey]string{
	{Twilio, "30001"}: ReasonTemporary,   // queue overflow
	{Twilio, "30002"}: ReasonCarrier,     // account suspended
	{Twilio, "30003"}: ReasonUnreachable, // handset unreachable
	{Twilio, "30004"}: ReasonRejected,    // message blocked
	{Twilio, "30005"}: ReasonUnreachable, // unknown handset
	{Twilio, "30006"}: ReasonRejected,    // landline or unreachable carrier
	{Twilio, "30007"}: ReasonRejected,    // filtered
	{Twilio, "30008"}: ReasonUnknownErr,  // unknown error
	{Twilio, "30032"}: ReasonCarrier,     // toll-free number not verified
	{Twilio, "21211"}: ReasonUnreachable, // invalid To
	{Twilio, "21408"}: ReasonCarrier,     // region not enabled
	{Twilio, "21610"}: ReasonRejected,    // recipient unsubscribed
	{Twilio, "21614"}: ReasonRejected,    // To is not a mobile number
	{Telnyx, "40001"}: ReasonRejected,    // not routable / landline
	{Telnyx, "40002"}: ReasonRejected,    // blocked as spam
	{Telnyx, "40003"}: ReasonRejected,    // blocked as spam
	{Telnyx, "40004"}: ReasonRejected,    // rejected by destination
	{Telnyx, "40005"}: ReasonTemporary,   // expired before delivery
	{Telnyx, "40006"}: ReasonUnreachable, // recipient unavailable
	{Telnyx, "40008"}: ReasonUnreachable, // undeliverable
	{Telnyx, "40300"}: ReasonRejected,    // recipient opted out
}

// Reason maps a carrier error code to one of the five reasons; an unknown or
// empty code is "Unknown error".
func Reason(d Dialect, code string) string {
	if r, ok := reasons[codeKey{d, strings.TrimSpace(code)}]; ok {
		return r
	}
	return ReasonUnknownErr
}

// Retryable reports whether the user may retry a text that failed for reason:
// the problem may be gone on a second try.
func Retryable(reason string) bool {
	switch reason {
	case ReasonTemporary, ReasonUnknownErr, ReasonCarrier:
		return true
	}
	return false
}

// OptedOut reports whether a send failed because the recipient texted STOP to
// this number (Twilio 21610, Telnyx 40300): the contact must be marked opted
// out, and nothing is sent until START.
func OptedOut(d Dialect, code string) bool {
	code = strings.TrimSpace(code)
	return d == Twilio && code == "21610" || d == Telnyx && code == "40300"
}
