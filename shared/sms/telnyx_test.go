package sms_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

func TestVerifyTelnyx(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	otherPub, otherPriv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	key := base64.StdEncoding.EncodeToString(pub)
	body := []byte(`{"data":{"event_type":"message.received"}}`)
	ts := strconv.FormatInt(now.Unix(), 10)
	sign := func(priv ed25519.PrivateKey, ts string, body []byte) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, append([]byte(ts+"|"), body...)))
	}
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	edge := strconv.FormatInt(now.Add(-5*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)

	tests := []struct {
		name    string
		key     string
		ts      string
		sig     string
		body    []byte
		wantErr error
	}{
		{"valid", key, ts, sign(priv, ts, body), body, nil},
		{"valid, unpadded base64", key, ts, strings.TrimRight(sign(priv, ts, body), "="), body, nil},
		{"five minutes old still valid", key, edge, sign(priv, edge, body), body, nil},
		{"tampered body", key, ts, sign(priv, ts, body), []byte(`{"data":{"event_type":"message.sent"}}`), sms.ErrBadSignature},
		{"tampered timestamp", key, strconv.FormatInt(now.Unix()-1, 10), sign(priv, ts, body), body, sms.ErrBadSignature},
		{"signed by another key", key, ts, sign(otherPriv, ts, body), body, sms.ErrBadSignature},
		{"verified with another key", base64.StdEncoding.EncodeToString(otherPub), ts, sign(priv, ts, body), body, sms.ErrBadSignature},
		{"six minutes old", key, old, sign(priv, old, body), body, sms.ErrStaleTimestamp},
		{"six minutes ahead", key, future, sign(priv, future, body), body, sms.ErrStaleTimestamp},
		{"missing signature", key, ts, "", body, sms.ErrMissingSignature},
		{"missing timestamp", key, "", sign(priv, ts, body), body, sms.ErrMissingSignature},
		{"both missing", key, " ", "", body, sms.ErrMissingSignature},
		{"malformed base64 signature", key, ts, "%%%not base64%%%", body, sms.ErrBadSignature},
		{"signature of the wrong length", key, ts, base64.StdEncoding.EncodeToString([]byte("short")), body, sms.ErrBadSignature},
		{"timestamp not a number", key, "yesterday", sign(priv, "yesterday", body), body, sms.ErrBadSignature},
		{"malformed key", "not-a-key", ts, sign(priv, ts, body), body, sms.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := sms.VerifyTelnyx(tt.key, tt.ts, tt.sig, tt.body, now)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestTelnyxPublicKey(t *testing.T) {
	t.Parallel()
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	got, err := sms.TelnyxPublicKey(base64.StdEncoding.EncodeToString(pub))
	require.NoError(t, err)
	assert.Equal(t, pub, got)
	_, err = sms.TelnyxPublicKey(base64.StdEncoding.EncodeToString(pub[:31]))
	assert.Error(t, err)
	_, err = sms.TelnyxPublicKey("")
	assert.Error(t, err)
}

// telnyxReceived is a message.received webhook as Telnyx documents it.
const telnyxReceived = `{
  "data": {
    "event_type": "message.received",
    "id": "b301ed3f-1490-491f-995f-6e64e69674d4",
    "occurred_at": "2025-03-14T15:09:26.588+00:00",
    "payload": {
      "cc": [],
      "completed_at": null,
      "cost": null,
      "direction": "inbound",
      "encoding": "GSM-7",
      "errors": [],
      "from": {"carrier": "T-Mobile USA", "line_type": "long_code", "phone_number": "+1 (415) 867-5309"},
      "id": "84cca175-9755-4859-b67f-4730d7f58aa3",
      "media": [
        {"content_type": "image/jpeg", "hash_sha256": "13a8", "size": 51927, "url": "https://media.telnyx.test/0.jpg"},
        {"content_type": "application/pdf", "hash_sha256": "9f1c", "size": 80211, "url": "https://media.telnyx.test/1.pdf"},
        {"content_type": "audio/amr", "hash_sha256": "77aa", "size": 4120, "url": "https://media.telnyx.test/2.amr"}
      ],
      "messaging_profile_id": "740572b6-099c-44a1-89b9-6c92163bc68d",
      "parts": 1,
      "received_at": "2025-03-14T15:09:26.503+00:00",
      "record_type": "message",
      "sent_at": null,
      "tags": [],
      "text": "STOP",
      "to": [{"carrier": "Telnyx", "line_type": "Wireless", "phone_number": "+18335550199", "status": "webhook_delivered"}],
      "type": "MMS",
      "valid_until": null,
      "webhook_failover_url": null,
      "webhook_url": "https://gateway.test/webhooks/telnyx/messages"
    },
    "record_type": "event"
  },
  "meta": {"attempt": 1, "delivered_to": "https://gateway.test/webhooks/telnyx/messages"}
}`

// telnyxStatus is a message.finalized webhook for an outbound text.
func telnyxStatus(event, status, errors string) string {
	return `{"data": {"event_type": "` + event + `", "id": "4b5b4b9e-0d6f-4a42-9b3f-3a2b8d1c0e11",
    "occurred_at": "2025-03-14T15:09:28.000+00:00", "record_type": "event",
    "payload": {"id": "40317f4e-3a0c-4c3b-8a5a-6c5f0a1f9d2e", "direction": "outbound", "type": "SMS",
      "from": {"carrier": "Telnyx", "line_type": "Wireless", "phone_number": "+18335550199"},
      "to": [{"carrier": "T-Mobile USA", "line_type": "Wireless", "phone_number": "+14158675309", "status": "` + status + `"}],
      "text": "Your appointment is confirmed.", "media": [], "errors": ` + errors + `}},
  "meta": {"attempt": 1}}`
}

func TestParseTelnyxReceived(t *testing.T) {
	t.Parallel()
	ev, err := sms.ParseTelnyx([]byte(telnyxReceived), now)
	require.NoError(t, err)
	assert.Nil(t, ev.Status)
	assert.Equal(t, "+18335550199", ev.To)
	require.NotNil(t, ev.Inbound)
	assert.Equal(t, sms.Inbound{
		Dialect:   sms.Telnyx,
		MessageID: "84cca175-9755-4859-b67f-4730d7f58aa3",
		From:      "+14158675309",
		To:        "+18335550199",
		Body:      "STOP",
		Media: []sms.Media{
			{URL: "https://media.telnyx.test/0.jpg", DeclaredType: "image/jpeg"},
			{URL: "https://media.telnyx.test/1.pdf", DeclaredType: "application/pdf", Refused: true, Reason: sms.ReasonPDF},
			{URL: "https://media.telnyx.test/2.amr", DeclaredType: "audio/amr"},
		},
		Kind:       sms.KindOptOut,
		ReceivedAt: now,
	}, *ev.Inbound)
}

func TestParseTelnyx(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    sms.Status
		code    string
		wantErr error
	}{
		{"sent", telnyxStatus("message.sent", "sent", `[]`), sms.StatusSent, "", nil},
		{"queued", telnyxStatus("message.sent", "queued", `[]`), sms.StatusQueued, "", nil},
		{"sending", telnyxStatus("message.sent", "sending", `[]`), sms.StatusSending, "", nil},
		{"delivered", telnyxStatus("message.finalized", "delivered", `[]`), sms.StatusDelivered, "", nil},
		{"delivery_failed with code", telnyxStatus("message.finalized", "delivery_failed",
			`[{"code": "40001", "title": "Not routable", "detail": "landline"}]`), sms.StatusFailed, "40001", nil},
		{"sending_failed with a numeric code", telnyxStatus("message.finalized", "sending_failed",
			`[{"code": 40300, "title": "Opted out"}]`), sms.StatusFailed, "40300", nil},
		{"expired", telnyxStatus("message.finalized", "expired", `[{"code": "40005"}]`), sms.StatusFailed, "40005", nil},
		{"delivery_unconfirmed", telnyxStatus("message.finalized", "delivery_unconfirmed", `null`), sms.StatusFailed, "", nil},
		{"unknown status ignored", telnyxStatus("message.finalized", "webhook_delivered", `[]`), "", "", sms.ErrIgnored},
		{"other event ignored", `{"data": {"event_type": "number_order.complete", "payload": {}}}`, "", "", sms.ErrIgnored},
		{"not JSON", `event_type=message.received`, "", "", sms.ErrMalformed},
		{"no data", `{"meta": {"attempt": 1}}`, "", "", sms.ErrMalformed},
		{"no event type", `{"data": {"payload": {"id": "x"}}}`, "", "", sms.ErrMalformed},
		{"status without to", `{"data": {"event_type": "message.sent", "payload": {"id": "x", "from": {"phone_number": "+18335550199"}}}}`,
			"", "", sms.ErrMalformed},
		{"status without id", `{"data": {"event_type": "message.sent", "payload": {"from": {"phone_number": "+18335550199"},
			"to": [{"phone_number": "+14158675309", "status": "sent"}]}}}`, "", "", sms.ErrMalformed},
		{"received without from", `{"data": {"event_type": "message.received", "payload": {"id": "x",
			"to": [{"phone_number": "+18335550199"}], "text": "hi"}}}`, "", "", sms.ErrMalformed},
		{"received without to", `{"data": {"event_type": "message.received", "payload": {"id": "x",
			"from": {"phone_number": "+14158675309"}, "text": "hi"}}}`, "", "", sms.ErrMalformed},
		{"error code of the wrong type", telnyxStatus("message.finalized", "delivery_failed", `[{"code": {"x": 1}}]`),
			"", "", sms.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := sms.ParseTelnyx([]byte(tt.body), now)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Nil(t, ev.Inbound)
			assert.Equal(t, "+18335550199", ev.To, "the firm's number is the sender of an outbound text")
			require.NotNil(t, ev.Status)
			assert.Equal(t, sms.StatusUpdate{Dialect: sms.Telnyx, MessageID: "40317f4e-3a0c-4c3b-8a5a-6c5f0a1f9d2e",
				Status: tt.want, ErrorCode: tt.code, At: now}, *ev.Status)
		})
	}
}

func TestParseTelnyxMediaCapped(t *testing.T) {
	t.Parallel()
	items := make([]string, 12)
	for i := range items {
		items[i] = `{"content_type": "image/png", "url": "https://media.telnyx.test/` + strconv.Itoa(i) + `"}`
	}
	body := `{"data": {"event_type": "message.received", "payload": {"id": "x", "from": {"phone_number": "+14158675309"},
		"to": [{"phone_number": "+18335550199"}], "media": [` + strings.Join(items, ",") + `]}}}`
	ev, err := sms.ParseTelnyx([]byte(body), now)
	require.NoError(t, err)
	assert.Len(t, ev.Inbound.Media, sms.MaxMediaItems)
}

// FuzzParseTelnyx checks any body parses or fails with a known error, never panics.
func FuzzParseTelnyx(f *testing.F) {
	f.Add(telnyxReceived)
	f.Add(telnyxStatus("message.finalized", "delivery_failed", `[{"code": 40001}]`))
	f.Fuzz(func(t *testing.T, body string) {
		ev, err := sms.ParseTelnyx([]byte(body), now)
		if err != nil {
			if !errors.Is(err, sms.ErrMalformed) && !errors.Is(err, sms.ErrIgnored) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		require.True(t, (ev.Inbound == nil) != (ev.Status == nil), "exactly one of Inbound and Status")
		require.NotEmpty(t, ev.To)
	})
}
