// Package sms holds the texting rules both the gateway and the worker apply,
// one copy of each: the normalized webhook payloads, how a message is
// classified by its content, which media types are allowed, how carrier
// statuses and error codes read, and which numbers can be texted.
package sms

import "time"

// Dialect is the webhook and API format of a carrier.
type Dialect string

const (
	Twilio Dialect = "twilio" // Twilio and the providers that copy its format
	Telnyx Dialect = "telnyx"
)

// Kind is what an inbound message means, decided by its content alone.
type Kind string

const (
	KindText   Kind = "text"    // an ordinary text
	KindOptOut Kind = "opt_out" // STOP and its synonyms
	KindOptIn  Kind = "opt_in"  // START, UNSTOP (YES: see Classify)
	KindHelp   Kind = "help"    // HELP, INFO
	KindYes    Kind = "yes"     // a whole-body Y/YES answer (also an opt-in keyword)
	KindNo     Kind = "no"      // a whole-body N/NO answer
)

// Media is one media item of an inbound MMS as the carrier declared it.
// The gateway refuses by declared type; the worker re-checks the bytes.
type Media struct {
	URL          string `json:"url"`
	DeclaredType string `json:"declared_type"`
	Refused      bool   `json:"refused,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// Inbound is a received text or MMS, normalized from any dialect.
type Inbound struct {
	Dialect    Dialect   `json:"dialect"`
	MessageID  string    `json:"message_id"`
	FirmID     int64     `json:"firm_id"`
	From       string    `json:"from"` // E.164
	To         string    `json:"to"`   // E.164, the firm's number
	Body       string    `json:"body"`
	Media      []Media   `json:"media,omitempty"`
	Kind       Kind      `json:"kind"`
	ReceivedAt time.Time `json:"received_at"`
}

// Status is a carrier's delivery status, normalized.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusSending   Status = "sending"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusFailed    Status = "failed"
)

// StatusUpdate is a delivery-status callback for an outbound text.
type StatusUpdate struct {
	Dialect   Dialect   `json:"dialect"`
	MessageID string    `json:"message_id"`
	FirmID    int64     `json:"firm_id"`
	Status    Status    `json:"status"`
	ErrorCode string    `json:"error_code,omitempty"`
	At        time.Time `json:"at"`
}
