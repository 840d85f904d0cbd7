package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

var smsSID = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func TestSendNeedsBasicAuth(t *testing.T) {
	t.Parallel()
	s := startSim(t, "http://127.0.0.1:9")
	form := url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {"hi"}}

	for name, auth := range map[string][2]string{
		"none":        {"", ""},
		"wrong token": {testSID, "nope"},
		"wrong sid":   {"ACother000000000000000000000000000", testToken},
		"empty token": {testSID, ""},
	} {
		status, body := s.restSend(auth[0], auth[1], form)
		assert.Equal(t, http.StatusUnauthorized, status, name)
		assert.EqualValues(t, 20003, body["code"], name)
		assert.EqualValues(t, 401, body["status"], name)
	}

	// Right credentials, another account's path.
	req, err := http.NewRequest(http.MethodPost, s.url+"/2010-04-01/Accounts/ACother000000000000000000000000000/Messages.json", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testSID, testToken)
	status, _ := s.do(req)
	assert.Equal(t, http.StatusNotFound, status)

	assert.Empty(t, s.conversation(testPhone).Messages, "nothing refused is recorded")
}

func TestSendValidation(t *testing.T) {
	t.Parallel()
	s := startSim(t, "http://127.0.0.1:9")
	cases := []struct {
		name string
		form url.Values
		code int
	}{
		{"no To", url.Values{"From": {testFirm}, "Body": {"hi"}}, 21604},
		{"To not E.164", url.Values{"To": {"4155550123"}, "From": {testFirm}, "Body": {"hi"}}, 21211},
		{"To too short", url.Values{"To": {"+1415555012"}, "From": {testFirm}, "Body": {"hi"}}, 21211},
		{"To letters", url.Values{"To": {"+1415CALLME"}, "From": {testFirm}, "Body": {"hi"}}, 21211},
		{"no From", url.Values{"To": {testPhone}, "Body": {"hi"}}, 21603},
		{"no body or media", url.Values{"To": {testPhone}, "From": {testFirm}}, 21602},
		{"body too long", url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {strings.Repeat("a", 1601)}}, 21617},
		{"bad callback", url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {"hi"}, "StatusCallback": {"not a url"}}, 21609},
	}
	for _, tc := range cases {
		status, body := s.restSend(testSID, testToken, tc.form)
		assert.Equal(t, http.StatusBadRequest, status, tc.name)
		assert.EqualValues(t, tc.code, body["code"], tc.name)
		assert.EqualValues(t, 400, body["status"], tc.name)
		assert.NotEmpty(t, body["message"], tc.name)
	}
}

func TestSendAcceptsAndAnswersLikeTwilio(t *testing.T) {
	t.Parallel()
	s := startSim(t, "http://127.0.0.1:9")
	status, body := s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {"Your hearing is on May 3."}})
	require.Equal(t, http.StatusCreated, status)
	assert.Regexp(t, smsSID, body["sid"])
	assert.Equal(t, "queued", body["status"])
	assert.Equal(t, testPhone, body["to"])
	assert.Equal(t, testFirm, body["from"])
	assert.Equal(t, "Your hearing is on May 3.", body["body"])
	assert.Equal(t, "1", body["num_segments"])
	assert.Equal(t, "0", body["num_media"])
	assert.Equal(t, testSID, body["account_sid"])
	assert.Equal(t, "outbound-api", body["direction"])
	assert.Nil(t, body["error_code"])

	// The phone sees it, and the message can be fetched back.
	msgs := s.conversation(testPhone).Messages
	require.Len(t, msgs, 1)
	assert.Equal(t, body["sid"], msgs[0].SID)
	req, err := http.NewRequest(http.MethodGet, s.url+"/2010-04-01/Accounts/"+testSID+"/Messages/"+msgs[0].SID+".json", nil)
	require.NoError(t, err)
	req.SetBasicAuth(testSID, testToken)
	status, fetched := s.do(req)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, body["sid"], fetched["sid"])

	// A long text is billed in segments; a media send gets an MM sid.
	_, long := s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {strings.Repeat("a", 161)}})
	assert.Equal(t, "2", long["num_segments"])
	_, mms := s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {testFirm}, "MediaUrl": {"https://example.com/a.jpg"}})
	assert.Regexp(t, `^MM[0-9a-f]{32}$`, mms["sid"])
	assert.Equal(t, "1", mms["num_media"])
}

func TestStatusCallbacksAreSignedAndInOrder(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)
	callback := gw.URL + "/webhooks/twilio/status?firm=7"
	_, body := s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {"hi"}, "StatusCallback": {callback}})
	sid := body["sid"].(string)

	for _, want := range []string{"sent", "delivered"} {
		got := gw.next(t)
		assert.Equal(t, callback, got.url)
		assert.True(t, sms.VerifyTwilio(testToken, callback, got.form, got.signature), "signature of %q", want)
		assert.False(t, sms.VerifyTwilio("another-token", callback, got.form, got.signature))
		assert.Equal(t, want, got.form.Get("MessageStatus"))
		assert.Equal(t, sid, got.form.Get("MessageSid"))
		assert.Equal(t, sid, got.form.Get("SmsSid"))
		assert.Equal(t, testPhone, got.form.Get("To"))
		assert.Equal(t, testFirm, got.form.Get("From"))
		assert.Equal(t, testSID, got.form.Get("AccountSid"))
		assert.Equal(t, "2010-04-01", got.form.Get("ApiVersion"))
		assert.Empty(t, got.form.Get("ErrorCode"))

		upd, err := sms.ParseTwilioStatus(got.form, time.Now())
		require.NoError(t, err)
		assert.Equal(t, sms.Status(want), upd.Status)
	}
	m := s.settled(testPhone, sid)
	assert.Equal(t, "delivered", m.Status)
	assert.True(t, m.Webhook.OK())
}

func TestTestNumbersFail(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)
	cb := gw.URL + "/webhooks/twilio/status"

	_, body := s.restSend(testSID, testToken, url.Values{"To": {"+14155550003"}, "From": {testFirm}, "Body": {"hi"}, "StatusCallback": {cb}})
	require.Equal(t, "queued", body["status"], "the failure comes later, as on a real network")
	assert.Equal(t, "sent", gw.next(t).form.Get("MessageStatus"))
	last := gw.next(t)
	assert.Equal(t, "undelivered", last.form.Get("MessageStatus"))
	assert.Equal(t, "30003", last.form.Get("ErrorCode"))
	upd, err := sms.ParseTwilioStatus(last.form, time.Now())
	require.NoError(t, err)
	assert.Equal(t, sms.StatusFailed, upd.Status)
	assert.Equal(t, "Unreachable number", sms.Reason(sms.Twilio, upd.ErrorCode))

	// 0001 never leaves: one "failed" callback.
	s.restSend(testSID, testToken, url.Values{"To": {"+14155550001"}, "From": {testFirm}, "Body": {"hi"}, "StatusCallback": {cb}})
	only := gw.next(t)
	assert.Equal(t, "failed", only.form.Get("MessageStatus"))
	assert.Equal(t, "30001", only.form.Get("ErrorCode"))
}

func TestSegments(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		want int
	}{
		{"", 1},
		{"hello", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, // extension characters count twice
		{strings.Repeat("€", 81), 2},
		{strings.Repeat("é", 160), 1}, // é is in GSM-7
		{strings.Repeat("ł", 70), 1},  // ł is not: UCS-2
		{strings.Repeat("ł", 71), 2},
		{strings.Repeat("😀", 35), 1}, // two UTF-16 units each
		{strings.Repeat("😀", 36), 2},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, segments(tc.body), "%d runes of %q", len([]rune(tc.body)), []rune(tc.body + " ")[0])
	}
}
