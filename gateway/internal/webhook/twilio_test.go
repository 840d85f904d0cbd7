package webhook_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response/>`

func TestTwilioInboundIsQueued(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	form := inboundForm("MM"+strings.Repeat("a", 32), "Photos of the damage attached")
	form.Set("NumMedia", "2")
	form.Set("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME0")
	form.Set("MediaContentType0", "image/jpeg")
	form.Set("MediaUrl1", "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM0/Media/ME1")
	form.Set("MediaContentType1", "application/pdf")
	form.Set("SomeParamTwilioAddedLater", "x") // signed over, accepted

	res := r.do(r.signedTwilio(sms.PathTwilioMessages, form))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/xml", res.contentType)
	require.Equal(t, emptyTwiML, res.body)

	info := r.task(tasks.QueueCritical, tasks.TextInboundID(sms.Twilio, "MM"+strings.Repeat("a", 32)))
	require.Equal(t, tasks.TypeTextInbound, info.Type)
	in, err := tasks.Decode[sms.Inbound](asynqTask(info))
	require.NoError(t, err)
	require.Equal(t, r.twilioFirm, in.FirmID)
	require.Equal(t, sms.Twilio, in.Dialect)
	require.Equal(t, clientNumber, in.From)
	require.Equal(t, twilioNumber, in.To)
	require.Equal(t, "Photos of the damage attached", in.Body)
	require.Equal(t, sms.KindText, in.Kind)
	require.Len(t, in.Media, 2)
	require.False(t, in.Media[0].Refused)
	require.True(t, in.Media[1].Refused, "PDF refused by its declared type before it is queued")
	require.NotEmpty(t, in.Media[1].Reason)
	require.False(t, in.ReceivedAt.IsZero())
}

func TestTwilioInboundIsClassified(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	for i, c := range []struct {
		body string
		kind sms.Kind
	}{{"STOP", sms.KindOptOut}, {" yes! ", sms.KindYes}, {"start", sms.KindOptIn}, {"stop please", sms.KindText}} {
		res := r.do(r.signedTwilio(sms.PathTwilioMessages, inboundForm(sid(i), c.body)))
		require.Equal(t, http.StatusOK, res.status)
		in, err := tasks.Decode[sms.Inbound](asynqTask(r.task(tasks.QueueCritical, tasks.TextInboundID(sms.Twilio, sid(i)))))
		require.NoError(t, err)
		require.Equal(t, c.kind, in.Kind, c.body)
	}
}

func TestTwilioSignatureOverQueryAndDefaultPort(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	// The carrier signs the full URL it was given, query string included.
	path := sms.PathTwilioMessages + "?firm=1"
	form := inboundForm(sid(1), "hi")
	res := r.do(r.twilioReq(path, form, sms.SignTwilio(twilioToken, publicURL+path, form)))
	require.Equal(t, http.StatusOK, res.status)

	// Some providers sign the URL with the default port written out.
	form = inboundForm(sid(2), "hi")
	res = r.do(r.twilioReq(sms.PathTwilioMessages, form,
		sms.SignTwilio(twilioToken, "https://gateway.parley.test:443"+sms.PathTwilioMessages, form)))
	require.Equal(t, http.StatusOK, res.status)
	require.Len(t, r.queued(), 2)
}

func TestTwilioStatusIsQueued(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	res := r.do(r.signedTwilio(sms.PathTwilioStatus, statusForm(sid(7), "undelivered", "30003")))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, emptyTwiML, res.body)

	want := sms.StatusUpdate{Dialect: sms.Twilio, MessageID: sid(7), Status: sms.StatusFailed}
	info := r.task(tasks.QueueDefault, tasks.TextStatusID(want))
	u, err := tasks.Decode[sms.StatusUpdate](asynqTask(info))
	require.NoError(t, err)
	require.Equal(t, r.twilioFirm, u.FirmID)
	require.Equal(t, sms.StatusFailed, u.Status)
	require.Equal(t, "30003", u.ErrorCode)

	// "sent" then "delivered" of one message are two tasks.
	require.Equal(t, http.StatusOK, r.do(r.signedTwilio(sms.PathTwilioStatus, statusForm(sid(8), "sent", ""))).status)
	require.Equal(t, http.StatusOK, r.do(r.signedTwilio(sms.PathTwilioStatus, statusForm(sid(8), "delivered", ""))).status)
	require.Len(t, r.queued(), 3)
}

func TestTwilioStatusParleyDoesNotTrackIsAcknowledgedOnly(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	for _, st := range []string{"received", "receiving", "partially_delivered"} {
		res := r.do(r.signedTwilio(sms.PathTwilioStatus, statusForm(sid(1), st, "")))
		require.Equal(t, http.StatusOK, res.status, st)
		require.Equal(t, emptyTwiML, res.body)
	}
	// Still authenticated first.
	res := r.do(r.twilioReq(sms.PathTwilioStatus, statusForm(sid(1), "received", ""), sms.SignTwilio("wrong", publicURL+sms.PathTwilioStatus, statusForm(sid(1), "received", ""))))
	require.Equal(t, http.StatusForbidden, res.status)
	r.requireNothingKept()
}

// A forged request learns nothing about which numbers exist: to an unknown
// number and to a firm's number it gets the same answer, on every route.
func TestForgedWebhookLearnsNoNumbers(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	for _, path := range []string{sms.PathTwilioMessages, sms.PathTwilioStatus, sms.PathTwilioVoice} {
		answers := map[string]bool{}
		for _, number := range []string{twilioNumber, "+19995550100", offNumber, telnyxNumber} {
			f := inboundForm(sid(1), "hello")
			f.Set("To", number)
			f.Set("From", number)
			f.Set("CallSid", "CA1")
			f.Set("MessageStatus", "sent")
			res := r.do(r.twilioReq(path, f, sms.SignTwilio("forged", publicURL+path, f)))
			answers[fmt.Sprintf("%d %s", res.status, res.body)] = true
		}
		assert.Len(t, answers, 1, "%s: one answer for every number: %v", path, answers)
	}
	r.requireNothingKept()
}

func TestTwilioVoiceSaysTextsOnly(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	form := url.Values{"CallSid": {"CA" + strings.Repeat("1", 32)}, "AccountSid": {"AC0"}, "From": {clientNumber},
		"To": {twilioNumber}, "CallStatus": {"ringing"}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"},
		"Caller": {clientNumber}, "Called": {twilioNumber}}
	res := r.do(r.signedTwilio(sms.PathTwilioVoice, form))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/xml", res.contentType)
	require.Contains(t, res.body, "<Response><Say>")
	require.Contains(t, res.body, "This number takes text messages only. Please send a text.")
	require.Contains(t, res.body, "<Hangup/></Response>")
	r.requireNothingKept()

	form.Set("To", "+19995550100")
	require.Equal(t, http.StatusNotFound, r.do(r.signedTwilio(sms.PathTwilioVoice, form)).status)
	form.Set("To", twilioNumber)
	form.Del("CallSid")
	require.Equal(t, http.StatusBadRequest, r.do(r.signedTwilio(sms.PathTwilioVoice, form)).status)
}

// Every refusal, checked in order: missing signature 400, not a form 400,
// bad signature 403, malformed 400, unknown number 404, too large 413 — and
// nothing is queued or spooled for any of them.
func TestTwilioBadInput(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOpts{})
	good := inboundForm(sid(1), "hello")
	sign := func(f url.Values) string { return sms.SignTwilio(twilioToken, publicURL+sms.PathTwilioMessages, f) }
	without := func(key string) url.Values {
		f := url.Values{}
		for k, v := range good {
			if k != key {
				f[k] = v
			}
		}
		return f
	}
	to := func(number string) url.Values {
		f := inboundForm(sid(1), "hello")
		f.Set("To", number)
		return f
	}
	tampered := inboundForm(sid(1), "hello")
	tamperedSig := sign(tampered)
	tampered.Set("Body", "hello, changed on the way")

	cases := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"no signature", r.twilioReq(sms.PathTwilioMessages, good, ""), http.StatusBadRequest},
		{"no signature and malformed", r.rawReq(sms.PathTwilioMessages, "%zz", "application/x-www-form-urlencoded", nil), http.StatusBadRequest},
		{"not a form", r.rawReq(sms.PathTwilioMessages, "%zz=%", "application/x-www-form-urlencoded",
			map[string]string{"X-Twilio-Signature": sign(good)}), http.StatusBadRequest},
		{"JSON instead of a form", r.rawReq(sms.PathTwilioMessages, `{"MessageSid":"SM1"}`, "application/json",
			map[string]string{"X-Twilio-Signature": sign(good)}), http.StatusForbidden},
		{"no MessageSid", r.twilioReq(sms.PathTwilioMessages, without("MessageSid"), sign(without("MessageSid"))), http.StatusBadRequest},
		{"no From", r.twilioReq(sms.PathTwilioMessages, without("From"), sign(without("From"))), http.StatusBadRequest},
		{"no To", r.twilioReq(sms.PathTwilioMessages, without("To"), sign(without("To"))), http.StatusBadRequest},
		{"malformed with a bad signature", r.twilioReq(sms.PathTwilioMessages, without("MessageSid"), "AAAA"), http.StatusForbidden},
		{"unknown number", r.twilioReq(sms.PathTwilioMessages, to("+19995550100"), sign(to("+19995550100"))), http.StatusNotFound},
		{"unknown number with a bad signature", r.twilioReq(sms.PathTwilioMessages, to("+19995550100"), "AAAA"), http.StatusForbidden},
		{"firm with texting off", r.twilioReq(sms.PathTwilioMessages, to(offNumber), sign(to(offNumber))), http.StatusNotFound},
		{"Telnyx number on the Twilio route", r.twilioReq(sms.PathTwilioMessages, to(telnyxNumber), sign(to(telnyxNumber))), http.StatusNotFound},
		{"signed with another token", r.twilioReq(sms.PathTwilioMessages, good,
			sms.SignTwilio("someone-else", publicURL+sms.PathTwilioMessages, good)), http.StatusForbidden},
		{"signed over another URL", r.twilioReq(sms.PathTwilioMessages, good,
			sms.SignTwilio(twilioToken, r.base+sms.PathTwilioMessages, good)), http.StatusForbidden},
		{"signed for another route", r.twilioReq(sms.PathTwilioMessages, good,
			sms.SignTwilio(twilioToken, publicURL+sms.PathTwilioStatus, good)), http.StatusForbidden},
		{"tampered body", r.twilioReq(sms.PathTwilioMessages, tampered, tamperedSig), http.StatusForbidden},
		{"signature not base64", r.twilioReq(sms.PathTwilioMessages, good, "not base64!"), http.StatusForbidden},
		{"status without a signature", r.twilioReq(sms.PathTwilioStatus, statusForm(sid(1), "sent", ""), ""), http.StatusBadRequest},
		{"status without MessageStatus", r.signedTwilio(sms.PathTwilioStatus, url.Values{"MessageSid": {sid(1)}, "From": {twilioNumber}}), http.StatusBadRequest},
		{"status without From", r.signedTwilio(sms.PathTwilioStatus, url.Values{"MessageSid": {sid(1)}, "MessageStatus": {"sent"}}), http.StatusBadRequest},
		{"status from an unknown number", r.signedTwilio(sms.PathTwilioStatus, func() url.Values {
			f := statusForm(sid(1), "sent", "")
			f.Set("From", "+19995550100")
			return f
		}()), http.StatusNotFound},
		{"status with a bad signature", r.twilioReq(sms.PathTwilioStatus, statusForm(sid(1), "sent", ""), sign(statusForm(sid(1), "sent", ""))), http.StatusForbidden},
		{"voice without a signature", r.twilioReq(sms.PathTwilioVoice, url.Values{"CallSid": {"CA1"}, "To": {twilioNumber}}, ""), http.StatusBadRequest},
		{"voice with a bad signature", r.twilioReq(sms.PathTwilioVoice, url.Values{"CallSid": {"CA1"}, "To": {twilioNumber}}, "AAAA"), http.StatusForbidden},
	}
	for _, c := range cases {
		res := r.do(c.req)
		require.Equal(t, c.status, res.status, "%s: %s", c.name, res.body)
	}
	require.Equal(t, http.StatusRequestEntityTooLarge, r.oversized(sms.PathTwilioMessages, map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sign(good)}), "body over the limit")
	r.requireNothingKept()
}
