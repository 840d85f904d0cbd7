package sms_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/parleyhq/parley/shared/sms"
)

func TestAdvance(t *testing.T) {
	t.Parallel()
	const (
		q  = sms.StatusQueued
		sg = sms.StatusSending
		s  = sms.StatusSent
		d  = sms.StatusDelivered
		f  = sms.StatusFailed
	)
	tests := []struct {
		current, next sms.Status
		want          bool
	}{
		{"", q, true},
		{"", d, true},
		{"", f, true},
		{q, sg, true},
		{sg, s, true},
		{s, d, true},
		{q, d, true}, // a skipped callback does not block the next one
		{q, f, true},
		{sg, f, true},
		{s, f, true},
		// Out of order and duplicates.
		{d, s, false},
		{d, f, false},
		{f, d, false},
		{f, s, false},
		{f, q, false},
		{d, d, false},
		{f, f, false},
		{s, s, false},
		{s, sg, false},
		{s, q, false},
		{sg, q, false},
		// Unknown statuses never advance anything.
		{s, "teleported", false},
		{"teleported", d, false},
		{q, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.current)+"→"+string(tt.next), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.Advance(tt.current, tt.next))
		})
	}
}

// TestAdvanceSequence replays callbacks in arrival order and keeps what Advance allows.
func TestAdvanceSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		arrivals []sms.Status
		want     sms.Status
	}{
		{"in order", []sms.Status{"queued", "sending", "sent", "delivered"}, sms.StatusDelivered},
		{"delivered then sent", []sms.Status{"queued", "delivered", "sent"}, sms.StatusDelivered},
		{"sent then failed", []sms.Status{"queued", "sent", "failed"}, sms.StatusFailed},
		{"delivered then failed", []sms.Status{"queued", "delivered", "failed"}, sms.StatusDelivered},
		{"failed then delivered", []sms.Status{"queued", "failed", "delivered"}, sms.StatusFailed},
		{"sending after sent", []sms.Status{"queued", "sent", "sending", "delivered"}, sms.StatusDelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cur sms.Status
			for _, next := range tt.arrivals {
				if sms.Advance(cur, next) {
					cur = next
				}
			}
			assert.Equal(t, tt.want, cur)
		})
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dialect sms.Dialect
		code    string
		want    string
	}{
		{sms.Twilio, "30003", sms.ReasonUnreachable},
		{sms.Twilio, "30005", sms.ReasonUnreachable},
		{sms.Twilio, "21211", sms.ReasonUnreachable},
		{sms.Twilio, "30004", sms.ReasonRejected},
		{sms.Twilio, "30006", sms.ReasonRejected},
		{sms.Twilio, "30007", sms.ReasonRejected},
		{sms.Twilio, "21614", sms.ReasonRejected},
		{sms.Twilio, "21610", sms.ReasonRejected},
		{sms.Twilio, "30001", sms.ReasonTemporary},
		{sms.Twilio, "30008", sms.ReasonUnknownErr},
		{sms.Twilio, "", sms.ReasonUnknownErr},
		{sms.Twilio, "99999", sms.ReasonUnknownErr},
		{sms.Twilio, "30002", sms.ReasonCarrier},
		{sms.Twilio, "30032", sms.ReasonCarrier},
		{sms.Twilio, "21408", sms.ReasonCarrier},
		{sms.Twilio, " 30003 ", sms.ReasonUnreachable},
		{sms.Telnyx, "40001", sms.ReasonRejected},
		{sms.Telnyx, "40002", sms.ReasonRejected},
		{sms.Telnyx, "40003", sms.ReasonRejected},
		{sms.Telnyx, "40004", sms.ReasonRejected},
		{sms.Telnyx, "40005", sms.ReasonTemporary},
		{sms.Telnyx, "40006", sms.ReasonUnreachable},
		{sms.Telnyx, "40008", sms.ReasonUnreachable},
		{sms.Telnyx, "40300", sms.ReasonRejected},
		{sms.Telnyx, "", sms.ReasonUnknownErr},
		{sms.Telnyx, "40007", sms.ReasonUnknownErr},
		// Codes belong to their dialect.
		{sms.Telnyx, "30003", sms.ReasonUnknownErr},
		{sms.Twilio, "40001", sms.ReasonUnknownErr},
		{"", "30003", sms.ReasonUnknownErr},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect)+"/"+tt.code, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.Reason(tt.dialect, tt.code))
		})
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		want   bool
	}{
		{sms.ReasonTemporary, true},
		{sms.ReasonUnknownErr, true},
		{sms.ReasonCarrier, true},
		{sms.ReasonUnreachable, false},
		{sms.ReasonRejected, false},
		{"", false},
		{"temporary error", false},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.Retryable(tt.reason))
		})
	}
}

func TestOptedOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dialect sms.Dialect
		code    string
		want    bool
	}{
		{sms.Twilio, "21610", true},
		{sms.Twilio, " 21610", true},
		{sms.Telnyx, "40300", true},
		{sms.Twilio, "40300", false},
		{sms.Telnyx, "21610", false},
		{sms.Twilio, "30004", false},
		{sms.Twilio, "", false},
	}
	for _, tt := range tests {
		t.Run(string(tt.dialect)+"/"+tt.code, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.OptedOut(tt.dialect, tt.code))
		})
	}
}
