package sms

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TelnyxTolerance is how far a webhook timestamp may be from now, either way,
// before the request is refused as a replay.
const TelnyxTolerance = 5 * time.Minute

// TelnyxPublicKey decodes the account's base64 Ed25519 public key; the gateway
// can call it at boot to refuse a bad TELNYX_PUBLIC_KEY before any request.
func TelnyxPublicKey(publicKeyB64 string) (ed25519.PublicKey, error) {
	key, err := decodeB64(publicKeyB64)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("sms: Telnyx public key must be %d bytes of base64", ed25519.PublicKeySize)
	}
	return key, nil
}

// VerifyTelnyx checks the telnyx-signature-ed25519 header (signatureB64) over
// timestamp + "|" + body with the account's public key, and that the
// telnyx-timestamp header is within TelnyxTolerance of now.
func VerifyTelnyx(publicKeyB64, timestamp, signatureB64 string, body []byte, now time.Time) error {
	key, err := TelnyxPublicKey(publicKeyB64)
	if err != nil {
		// A bad configured key makes every request unverifiable; say so in the log.
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return VerifyTelnyxKey(key, timestamp, signatureB64, body, now)
}

// VerifyTelnyxKey is VerifyTelnyx with the key already decoded.
func VerifyTelnyxKey(key ed25519.PublicKey, timestamp, signatureB64 string, body []byte, now time.Time) error {
	timestamp = strings.TrimSpace(timestamp)
	signatureB64 = strings.TrimSpace(signatureB64)
	if timestamp == "" || signatureB64 == "" {
		return ErrMissingSignature
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: public key is %d bytes", ErrBadSignature, len(key))
	}
	sig, err := decodeB64(signatureB64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: signature is not %d bytes of base64", ErrBadSignature, ed25519.SignatureSize)
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	// Checked before the signature: a replay is refused without the costlier
	// Ed25519 work, and it is refused either way.
	if age := now.Sub(time.Unix(secs, 0)); age > TelnyxTolerance || age < -TelnyxTolerance {
		return fmt.Errorf("%w: timestamp is %s from now", ErrStaleTimestamp, age.Round(time.Second))
	}
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, '|')
	msg = append(msg, body...)
	if !ed25519.Verify(key, msg, sig) {
		return ErrBadSignature
	}
	return nil
}

// decodeB64 accepts standard base64 with or without padding.
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// TelnyxEvent is one Telnyx message webhook: exactly one of Inbound and
// Status is set. To is the firm's number (E.164) the gateway looks the firm
// up by: the recipient of an inbound message, the sender of an outbound one.
type TelnyxEvent struct {
	Inbound *Inbound
	Status  *StatusUpdate
	To      string
}

type telnyxWebhook struct {
	Data *struct {
		EventType string        `json:"event_type"`
		Payload   telnyxPayload `json:"payload"`
	} `json:"data"`
}

type telnyxPayload struct {
	ID   string `json:"id"`
	From struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"from"`
	To []struct {
		PhoneNumber string `json:"phone_number"`
		Status      string `json:"status"`
	} `json:"to"`
	Text  string `json:"text"`
	Media []struct {
		URL         string `json:"url"`
		ContentType string `json:"content_type"`
	} `json:"media"`
	Errors []struct {
		Code flexString `json:"code"`
	} `json:"errors"`
}

// flexString takes a JSON string or number: Telnyx documents error codes as
// strings, but a number must not make the whole webhook malformed.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// telnyxStatuses maps to[].status of outbound messages; delivery_unconfirmed
// counts as failed so the user sees it and can retry.
var telnyxStatuses = map[string]Status{
	"queued":               StatusQueued,
	"sending":              StatusSending,
	"sent":                 StatusSent,
	"delivered":            StatusDelivered,
	"sending_failed":       StatusFailed,
	"delivery_failed":      StatusFailed,
	"expired":              StatusFailed,
	"delivery_unconfirmed": StatusFailed,
}

// ParseTelnyx normalizes a Telnyx message webhook: message.received becomes
// an Inbound, message.sent and message.finalized a StatusUpdate; any other
// event type gives ErrIgnored. Only the first recipient is read: Parley sends
// to one number at a time, and a group MMS reaches the firm as its first To.
func ParseTelnyx(body []byte, now time.Time) (TelnyxEvent, error) {
	var w telnyxWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return TelnyxEvent{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if w.Data == nil || w.Data.EventType == "" {
		return TelnyxEvent{}, fmt.Errorf("%w: data.event_type is required", ErrMalformed)
	}
	p := &w.Data.Payload
	switch w.Data.EventType {
	case "message.received":
		return telnyxInbound(p, now)
	case "message.sent", "message.finalized":
		return telnyxStatus(p, now)
	}
	return TelnyxEvent{}, fmt.Errorf("%w: event type %q", ErrIgnored, w.Data.EventType)
}

func telnyxInbound(p *telnyxPayload, now time.Time) (TelnyxEvent, error) {
	id, err := messageID(p.ID)
	if err != nil {
		return TelnyxEvent{}, err
	}
	from := NormalizeInbound(p.From.PhoneNumber)
	var to string
	if len(p.To) > 0 {
		to = NormalizeInbound(p.To[0].PhoneNumber)
	}
	if from == "" || to == "" {
		return TelnyxEvent{}, fmt.Errorf("%w: from and to are required", ErrMalformed)
	}
	var media []Media
	for _, m := range p.Media {
		if len(media) == MaxMediaItems {
			break
		}
		media = append(media, Media{URL: strings.TrimSpace(m.URL), DeclaredType: strings.TrimSpace(m.ContentType)})
	}
	text := cleanBody(p.Text)
	return TelnyxEvent{
		To: to,
		Inbound: &Inbound{
			Dialect:    Telnyx,
			MessageID:  id,
			From:       from,
			To:         to,
			Body:       text,
			Media:      FilterDeclared(media),
			Kind:       Classify(text),
			ReceivedAt: now,
		},
	}, nil
}

func telnyxStatus(p *telnyxPayload, now time.Time) (TelnyxEvent, error) {
	id, err := messageID(p.ID)
	if err != nil {
		return TelnyxEvent{}, err
	}
	firm := NormalizeInbound(p.From.PhoneNumber)
	if firm == "" || len(p.To) == 0 || p.To[0].Status == "" {
		return TelnyxEvent{}, fmt.Errorf("%w: from and to[0].status are required", ErrMalformed)
	}
	raw := strings.ToLower(strings.TrimSpace(p.To[0].Status))
	st, ok := telnyxStatuses[raw]
	if !ok {
		return TelnyxEvent{}, fmt.Errorf("%w: status %q", ErrIgnored, raw)
	}
	var code string
	if len(p.Errors) > 0 {
		code = cleanBody(strings.TrimSpace(string(p.Errors[0].Code)))
	}
	return TelnyxEvent{
		To: firm,
		Status: &StatusUpdate{
			Dialect:   Telnyx,
			MessageID: id,
			Status:    st,
			ErrorCode: code,
			At:        now,
		},
	}, nil
}
