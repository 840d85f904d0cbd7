package main

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

// jpeg is the start of a JPEG file: enough for a type sniffer.
var jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")

func TestPhoneTextBecomesSignedWebhookWithMedia(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)

	status, out := s.phoneSend(testPhone, testFirm, "Photos of the car",
		file{"front.jpg", "image/jpeg", jpeg},
		file{"notes.txt", "text/plain", []byte("dent on the left door\n")})
	require.Equal(t, http.StatusOK, status)
	sid, _ := out["sid"].(string)
	assert.Regexp(t, `^MM[0-9a-f]{32}$`, sid)

	got := gw.next(t)
	target := gw.URL + "/webhooks/twilio/messages"
	assert.Equal(t, target, got.url)
	assert.True(t, sms.VerifyTwilio(testToken, target, got.form, got.signature))
	f := got.form
	assert.Equal(t, sid, f.Get("MessageSid"))
	assert.Equal(t, sid, f.Get("SmsSid"))
	assert.Equal(t, testSID, f.Get("AccountSid"))
	assert.Equal(t, testPhone, f.Get("From"))
	assert.Equal(t, testFirm, f.Get("To"))
	assert.Equal(t, "Photos of the car", f.Get("Body"))
	assert.Equal(t, "2", f.Get("NumMedia"))
	assert.Equal(t, "1", f.Get("NumSegments"))
	assert.Equal(t, "received", f.Get("SmsStatus"))
	assert.Equal(t, "2010-04-01", f.Get("ApiVersion"))
	assert.Equal(t, "image/jpeg", f.Get("MediaContentType0"))
	assert.Equal(t, "text/plain", f.Get("MediaContentType1"))

	// The media URLs are on the simulator's public URL and serve the files.
	for i, want := range []file{{"", "image/jpeg", jpeg}, {"", "text/plain", []byte("dent on the left door\n")}} {
		u := f.Get("MediaUrl" + string(rune('0'+i)))
		require.True(t, strings.HasPrefix(u, s.url+"/media/ME"), u)
		code, ct, body := get(t, u)
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, want.contentType, ct)
		assert.Equal(t, want.data, body)
	}

	// Parley's own parser reads it.
	in, err := sms.ParseTwilioInbound(f, time.Now())
	require.NoError(t, err)
	assert.Equal(t, sid, in.MessageID)
	assert.Len(t, in.Media, 2)

	m := s.settled(testPhone, sid)
	assert.Equal(t, http.StatusOK, m.Webhook.Status)
	assert.Equal(t, 1, m.Webhook.Attempts)
	assert.Equal(t, DirInbound, m.Direction)
}

func TestPhonePlainTextAndDeclaredTypes(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)

	_, out := s.phoneSend("4155550199", testFirm, "hello")
	assert.Regexp(t, smsSID, out["sid"])
	got := gw.next(t)
	assert.Equal(t, "+14155550199", got.form.Get("From"), "typed numbers are made E.164")
	assert.Equal(t, "0", got.form.Get("NumMedia"))
	assert.Empty(t, got.form.Get("MediaUrl0"))

	// A file whose declared type lies is served as declared, as a phone's would be.
	s.phoneSend(testPhone, testFirm, "", file{"scan.jpg", "image/jpeg", []byte("%PDF-1.4\n%…")})
	got = gw.next(t)
	assert.Equal(t, "image/jpeg", got.form.Get("MediaContentType0"))
	_, ct, body := get(t, got.form.Get("MediaUrl0"))
	assert.Equal(t, "image/jpeg", ct)
	assert.True(t, strings.HasPrefix(string(body), "%PDF"))
}

func TestPhoneShowsRefusalAndRetriesSameMessage(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t, http.StatusForbidden, http.StatusOK)
	s := startSim(t, gw.URL)

	_, out := s.phoneSend(testPhone, testFirm, "anyone there?")
	sid := out["sid"].(string)
	first := gw.next(t)
	m := s.settled(testPhone, sid)
	assert.Equal(t, http.StatusForbidden, m.Webhook.Status)
	assert.Contains(t, m.Webhook.Error, "refused by the test")

	code, _, page := get(t, s.url+"/?"+url.Values{"phone": {testPhone}}.Encode())
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(page), "gateway answered 403")
	assert.Contains(t, string(page), `action="/retry/`+sid+`"`)

	req, err := http.NewRequest(http.MethodPost, s.url+"/retry/"+sid, nil)
	require.NoError(t, err)
	req.Header.Set("X-Requested-With", "fetch")
	status, _ := s.do(req)
	require.Equal(t, http.StatusOK, status)
	second := gw.next(t)
	assert.Equal(t, first.form, second.form, "a retry is the same delivery")
	assert.True(t, sms.VerifyTwilio(testToken, second.url, second.form, second.signature))

	require.Eventually(t, func() bool {
		m := s.settled(testPhone, sid)
		return m.Webhook.Status == http.StatusOK && m.Webhook.Attempts == 2
	}, waitLimit, 10*time.Millisecond)
}

func TestPhoneShowsUnreachableGateway(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	gw.Close() // nothing listens there any more
	s := startSim(t, gw.URL)
	_, out := s.phoneSend(testPhone, testFirm, "hello?")
	m := s.settled(testPhone, out["sid"].(string))
	assert.Zero(t, m.Webhook.Status)
	assert.NotEmpty(t, m.Webhook.Error)
	_, _, page := get(t, s.url+"/")
	assert.Contains(t, string(page), "gateway unreachable")
}

func TestOptOutBlocksSendsUntilStart(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)
	send := func(from string) (int, map[string]any) {
		return s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {from}, "Body": {"Reminder"}})
	}
	status, _ := send(testFirm)
	require.Equal(t, http.StatusCreated, status)

	s.phoneSend(testPhone, testFirm, "stop please") // not a keyword
	gw.next(t)
	status, _ = send(testFirm)
	require.Equal(t, http.StatusCreated, status)

	s.phoneSend(testPhone, testFirm, " Stop. ")
	got := gw.next(t)
	assert.Equal(t, " Stop. ", got.form.Get("Body"), "the keyword still reaches the firm")
	assert.Equal(t, []string{testFirm}, s.conversation(testPhone).OptedOut)

	status, body := send(testFirm)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.EqualValues(t, 21610, body["code"])
	assert.True(t, sms.OptedOut(sms.Twilio, "21610"))
	status, _ = send("+18885550101")
	assert.Equal(t, http.StatusCreated, status, "opting out is per sending number")
	status, _ = s.restSend(testSID, testToken, url.Values{"To": {"+14155550124"}, "From": {testFirm}, "Body": {"hi"}})
	assert.Equal(t, http.StatusCreated, status, "and per phone")

	_, _, page := get(t, s.url+"/")
	assert.Contains(t, html.UnescapeString(string(page)), "You opted out of texts from "+testFirm)

	s.phoneSend(testPhone, testFirm, "START")
	gw.next(t)
	assert.Empty(t, s.conversation(testPhone).OptedOut)
	status, _ = send(testFirm)
	assert.Equal(t, http.StatusCreated, status)
}

func TestConversationJSON(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)
	s.phoneSend(testPhone, testFirm, "Is my hearing on Tuesday?")
	gw.next(t)
	s.restSend(testSID, testToken, url.Values{"To": {testPhone}, "From": {testFirm}, "Body": {"Yes, at 9."}})
	s.phoneSend("+14155550124", testFirm, "someone else")
	gw.next(t)

	c := s.conversation(testPhone)
	assert.Equal(t, testPhone, c.Phone)
	require.Len(t, c.Messages, 2)
	assert.Equal(t, DirInbound, c.Messages[0].Direction)
	assert.Equal(t, "Is my hearing on Tuesday?", c.Messages[0].Body)
	assert.Equal(t, DirOutbound, c.Messages[1].Direction)
	assert.Equal(t, "Yes, at 9.", c.Messages[1].Body)

	code, _, _ := get(t, s.url+"/api/messages?phone=nope")
	assert.Equal(t, http.StatusBadRequest, code)
	// A "+" lost to query decoding still finds the phone.
	code, _, body := get(t, s.url+"/api/messages?phone=+14155550123")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(body), "Yes, at 9.")
}

func TestPhonePageFormWithoutScript(t *testing.T) {
	t.Parallel()
	gw := newReceiver(t)
	s := startSim(t, gw.URL)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	form := url.Values{"phone": {"+14155550177"}, "to": {testFirm}, "body": {"plain form"}}
	resp, err := client.PostForm(s.url+"/send", form)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/?"+url.Values{"phone": {"+14155550177"}, "to": {testFirm}}.Encode(), resp.Header.Get("Location"))
	assert.Equal(t, "plain form", gw.next(t).form.Get("Body"))

	resp, err = client.PostForm(s.url+"/send", url.Values{"phone": {testPhone}, "to": {testFirm}, "body": {"  "}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	// The page for another phone shows that phone's thread, and polling
	// answers 204 while nothing changes.
	code, _, page := get(t, s.url+"/?phone=%2B14155550177")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(page), "plain form")
	assert.Contains(t, html.UnescapeString(string(page)), `value="+14155550177"`)
	v := s.srv.state.currentVersion()
	code, _, _ = get(t, s.url+"/thread?"+url.Values{"phone": {"+14155550177"}, "to": {testFirm}, "v": {itoa(v)}}.Encode())
	assert.Equal(t, http.StatusNoContent, code)
	code, _, frag := get(t, s.url+"/thread?"+url.Values{"phone": {"+14155550177"}, "to": {testFirm}, "v": {itoa(v - 1)}}.Encode())
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, string(frag), "plain form")
	assert.NotContains(t, string(frag), "<html")
}
