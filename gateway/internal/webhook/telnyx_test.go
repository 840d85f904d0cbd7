package webhook_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

const telnyxID = "b0c04b8e-5d2f-4d6f-9a32-1a0a3c8f5e11"

func TestTelnyxInboundIsQueued(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	body := telnyxInbound(telnyxID, telnyxNumber, "STOP",
		map[string]any{"url": "https://media.telnyx.test/1.png", "content_type": "image/png", "size": 1000},
		map[string]any{"url": "https://media.telnyx.test/2.doc", "content_type": "application/msword", "size": 1000})
	res := r.do(r.telnyxReq(body, r.telnyxPriv, time.Now()))
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "application/json", res.contentType)
	require.Equal(t, "{}", res.body)

	in, err := tasks.Decode[sms.Inbound](asynqTask(r.task(tasks.QueueCritical, tasks.TextInboundID(sms.Telnyx, telnyxID))))
	require.NoError(t, err)
	require.Equal(t, r.telnyxFirm, in.FirmID)
	require.Equal(t, sms.Telnyx, in.Dialect)
	require.Equal(t, clientNumber, in.From)
	require.Equal(t, telnyxNumber, in.To)
	require.Equal(t, sms.KindOptOut, in.Kind)
	require.Len(t, in.Media, 2)
	require.False(t, in.Media[0].Refused)
	require.True(t, in.Media[1].Refused, "Word refused by its declared type")
}

func TestTelnyxStatusIsQueued(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	res := r.do(r.telnyxReq(telnyxStatus(telnyxID, "delivery_failed", "40008"), r.telnyxPriv, time.Now()))
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "{}", res.body)
	u, err := tasks.Decode[sms.StatusUpdate](asynqTask(r.task(tasks.QueueDefault,
		tasks.TextStatusID(sms.StatusUpdate{Dialect: sms.Telnyx, MessageID: telnyxID, Status: sms.StatusFailed}))))
	require.NoError(t, err)
	require.Equal(t, r.telnyxFirm, u.FirmID, "the firm is found by the sending number")
	require.Equal(t, "40008", u.ErrorCode)
}

func TestTelnyxEventParleyDoesNotActOnIsAcknowledgedOnly(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	other := telnyxEvent("message.unknown_future_event", map[string]any{"id": telnyxID})
	res := r.do(r.telnyxReq(other, r.telnyxPriv, time.Now()))
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.Equal(t, "{}", res.body)

	// Still authenticated, with the Telnyx account's key.
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, r.do(r.telnyxReq(other, stranger, time.Now())).status)
	r.requireNothingKept()
}

func TestTelnyxBadInput(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	_, stranger, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	good := telnyxInbound(telnyxID, telnyxNumber, "hello")
	now := time.Now()
	cases := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"no signature", r.telnyxReq(good, nil, now), http.StatusBadRequest},
		{"no timestamp", r.rawReq("/webhooks/telnyx/messages", string(good), "application/json",
			map[string]string{"telnyx-signature-ed25519": "AAAA"}), http.StatusBadRequest},
		{"not JSON", r.telnyxReq([]byte(`{"data":`), r.telnyxPriv, now), http.StatusBadRequest},
		{"no event type", r.telnyxReq([]byte(`{"data":{"payload":{}}}`), r.telnyxPriv, now), http.StatusBadRequest},
		{"inbound without an id", r.telnyxReq(telnyxInbound("", telnyxNumber, "hello"), r.telnyxPriv, now), http.StatusBadRequest},
		{"malformed with a bad signature", r.telnyxReq([]byte(`[]`), stranger, now), http.StatusForbidden},
		{"unknown number", r.telnyxReq(telnyxInbound(telnyxID, "+19995550100", "hello"), r.telnyxPriv, now), http.StatusNotFound},
		{"Twilio number on the Telnyx route", r.telnyxReq(telnyxInbound(telnyxID, twilioNumber, "hello"), r.telnyxPriv, now), http.StatusNotFound},
		{"unknown number with a bad signature", r.telnyxReq(telnyxInbound(telnyxID, "+19995550100", "hello"), stranger, now), http.StatusForbidden},
		{"signed with another key", r.telnyxReq(good, stranger, now), http.StatusForbidden},
		{"timestamp ten minutes old", r.telnyxReq(good, r.telnyxPriv, now.Add(-10*time.Minute)), http.StatusForbidden},
		{"timestamp ten minutes ahead", r.telnyxReq(good, r.telnyxPriv, now.Add(10*time.Minute)), http.StatusForbidden},
		{"tampered body", func() *http.Request {
			req := r.telnyxReq(good, r.telnyxPriv, now)
			other := r.telnyxReq(telnyxInbound(telnyxID, telnyxNumber, "changed"), nil, now)
			other.Header = req.Header
			return other
		}(), http.StatusForbidden},
	}
	for _, c := range cases {
		res := r.do(c.req)
		require.Equal(t, c.status, res.status, "%s: %s", c.name, res.body)
	}
	signed := r.telnyxReq(good, r.telnyxPriv, now)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.oversized(sms.PathTelnyxMessages, map[string]string{
		"Content-Type":             "application/json",
		"telnyx-signature-ed25519": signed.Header.Get("telnyx-signature-ed25519"),
		"telnyx-timestamp":         signed.Header.Get("telnyx-timestamp"),
	}), "body over the limit")
	r.requireNothingKept()
}
