package sms_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

// The test vectors from CARRIERS.md (twilio-node's tests).
const (
	vecToken = "12345"
	vecURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
	vecSig   = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
	vecBody  = `{"property": "value", "boolean": true}`
	vecHash  = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
	vecJSSig = "a9nBmqA0ju/hNViExpshrM61xv4="
)

func vecParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675309"},
		"Digits":  {"1234"},
		"From":    {"+14158675309"},
		"To":      {"+18005551212"},
	}
}

// hmacB64 signs a literal string, independently of the code under test.
func hmacB64(token, s string) string {
	m := hmac.New(sha1.New, []byte(token))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestSignTwilioVectors(t *testing.T) {
	t.Parallel()
	assert.Equal(t, vecSig, sms.SignTwilio(vecToken, vecURL, vecParams()))
	assert.Equal(t, vecJSSig, sms.SignTwilio(vecToken, vecURL+"&bodySHA256="+vecHash, nil))
	// Repeated names: each value appended, values sorted, whatever their order.
	p := url.Values{"b": {"2"}, "a": {"z", "y"}}
	assert.Equal(t, hmacB64("tok", "https://x.test/hookayazb2"), sms.SignTwilio("tok", "https://x.test/hook", p))
	assert.Equal(t, []string{"z", "y"}, p["a"], "the caller's values are not reordered")
}

func TestVerifyTwilio(t *testing.T) {
	t.Parallel()
	withExtra := vecParams()
	withExtra.Set("FromCity", "SAN FRANCISCO") // a parameter the carrier added without notice
	repeated := url.Values{"MediaUrl": {"https://b.test/2", "https://a.test/1"}, "To": {"+18885550100"}}
	tampered := vecParams()
	tampered.Set("Digits", "1235")
	dropped := vecParams()
	dropped.Del("Caller")
	added := vecParams()
	added.Set("Extra", "1")

	tests := []struct {
		name   string
		token  string
		url    string
		params url.Values
		sig    string
		want   bool
	}{
		{"vector", vecToken, vecURL, vecParams(), vecSig, true},
		{"vector with space around the header", vecToken, vecURL, vecParams(), " " + vecSig + " ", true},
		{":443 added to the signed URL", vecToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", vecParams(), vecSig, true},
		{":443 removed from the signed URL", vecToken, vecURL,
			vecParams(), sms.SignTwilio(vecToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", vecParams()), true},
		{":80 added over http", "t", "http://h.test:80/hook", nil, sms.SignTwilio("t", "http://h.test/hook", nil), true},
		{":80 removed over http", "t", "http://h.test/hook", nil, sms.SignTwilio("t", "http://h.test:80/hook", nil), true},
		{":80 is not https's port", "t", "https://h.test/hook", nil, sms.SignTwilio("t", "https://h.test:80/hook", nil), false},
		{"another port is not dropped", "t", "https://h.test/hook", nil, sms.SignTwilio("t", "https://h.test:8443/hook", nil), false},
		{"port toggled on a URL with no path", "t", "https://h.test", nil, sms.SignTwilio("t", "https://h.test:443", nil), true},
		{"IPv6 host", "t", "https://[::1]/hook", nil, sms.SignTwilio("t", "https://[::1]:443/hook", nil), true},
		{"wrong token", "54321", vecURL, vecParams(), vecSig, false},
		{"empty token", "", vecURL, nil, sms.SignTwilio("", vecURL, nil), false},
		{"tampered param", vecToken, vecURL, tampered, vecSig, false},
		{"dropped param", vecToken, vecURL, dropped, vecSig, false},
		{"param added after signing", vecToken, vecURL, added, vecSig, false},
		{"other URL", vecToken, "https://mycompany.com/myapp.php?foo=1&bar=3", vecParams(), vecSig, false},
		{"unknown extra params are signed too", vecToken, vecURL, withExtra,
			hmacB64(vecToken, vecURL+"CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309FromCitySAN FRANCISCOTo+18005551212"), true},
		{"extra param unsigned", vecToken, vecURL, withExtra, vecSig, false},
		{"repeated names, values sorted", "t", "https://h.test/hook", repeated,
			hmacB64("t", "https://h.test/hookMediaUrlhttps://a.test/1MediaUrlhttps://b.test/2To+18885550100"), true},
		{"repeated names in given order is wrong", "t", "https://h.test/hook", repeated,
			hmacB64("t", "https://h.test/hookMediaUrlhttps://b.test/2MediaUrlhttps://a.test/1To+18885550100"), false},
		{"empty signature", vecToken, vecURL, vecParams(), "", false},
		{"not base64", vecToken, vecURL, vecParams(), "!!!not-base64!!!", false},
		{"short signature", vecToken, vecURL, vecParams(), "AAAA", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.VerifyTwilio(tt.token, tt.url, tt.params, tt.sig))
		})
	}
}

func TestVerifyTwilioJSON(t *testing.T) {
	t.Parallel()
	signedURL := vecURL + "&bodySHA256=" + vecHash
	noHashURL := "https://mycompany.com/myapp.php?foo=1"
	tests := []struct {
		name, token, url, body, sig string
		want                        bool
	}{
		{"vector", vecToken, signedURL, vecBody, vecJSSig, true},
		{"vector with :443", vecToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=" + vecHash, vecBody, vecJSSig, true},
		{"tampered body", vecToken, signedURL, `{"property": "value", "boolean": false}`, vecJSSig, false},
		{"wrong token", "54321", signedURL, vecBody, vecJSSig, false},
		{"tampered hash", vecToken, vecURL + "&bodySHA256=" + vecHash[:63] + "1", vecBody, vecJSSig, false},
		{"no bodySHA256", vecToken, noHashURL, vecBody, sms.SignTwilio(vecToken, noHashURL, nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sms.VerifyTwilioJSON(tt.token, tt.url, []byte(tt.body), tt.sig))
		})
	}
}

var now = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// inboundForm is what Twilio posts for an MMS with three items.
const inboundForm = "ToCountry=US&MediaContentType0=image%2Fjpeg&MediaContentType1=application%2Fpdf" +
	"&MediaContentType2=video%2Fmp4&ToState=&SmsMessageSid=MM1f0e8a0c7ad8d4d0e3f24d7b9a6a81c2" +
	"&NumMedia=3&ToCity=&FromZip=94103&SmsSid=MM1f0e8a0c7ad8d4d0e3f24d7b9a6a81c2&FromState=CA" +
	"&SmsStatus=received&FromCity=SAN+FRANCISCO&Body=Here+are+the+photos+of+the+damage&FromCountry=US" +
	"&To=%2B18885550100&MessagingServiceSid=MG9752274e9e519418a7406176694466fa&ToZip=" +
	"&NumSegments=1&MessageSid=MM1f0e8a0c7ad8d4d0e3f24d7b9a6a81c2&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" +
	"&From=%2B14158675309&ApiVersion=2010-04-01" +
	"&MediaUrl0=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME0" +
	"&MediaUrl1=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME1" +
	"&MediaUrl2=https%3A%2F%2Fapi.twilio.com%2F2010-04-01%2FAccounts%2FAC1%2FMessages%2FMM1%2FMedia%2FME2"

func parseForm(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	require.NoError(t, err)
	return v
}

func TestParseTwilioInboundMMS(t *testing.T) {
	t.Parallel()
	in, err := sms.ParseTwilioInbound(parseForm(t, inboundForm), now)
	require.NoError(t, err)
	assert.Equal(t, sms.Inbound{
		Dialect:   sms.Twilio,
		MessageID: "MM1f0e8a0c7ad8d4d0e3f24d7b9a6a81c2",
		From:      "+14158675309",
		To:        "+18885550100",
		Body:      "Here are the photos of the damage",
		Media: []sms.Media{
			{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME0", DeclaredType: "image/jpeg"},
			{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", DeclaredType: "application/pdf",
				Refused: true, Reason: sms.ReasonPDF},
			{URL: "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2", DeclaredType: "video/mp4"},
		},
		Kind:       sms.KindText,
		ReceivedAt: now,
	}, in)
}

func TestParseTwilioInbound(t *testing.T) {
	t.Parallel()
	base := func(kv ...string) url.Values {
		v := url.Values{"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "From": {"+14158675309"},
			"To": {"+18885550100"}, "Body": {"hi"}, "NumMedia": {"0"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	tests := []struct {
		name    string
		form    url.Values
		wantErr error
		check   func(t *testing.T, in sms.Inbound)
	}{
		{"plain text", base(), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, "hi", in.Body)
			assert.Equal(t, sms.KindText, in.Kind)
			assert.Nil(t, in.Media)
		}},
		{"formatted From is normalized", base("From", "+1 (415) 867-5309", "To", "1-888-555-0100"), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, "+14158675309", in.From)
			assert.Equal(t, "+18885550100", in.To)
		}},
		{"short-code From kept as given", base("From", " 55555 "), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, "55555", in.From)
		}},
		{"STOP classified", base("Body", " Stop "), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, sms.KindOptOut, in.Kind)
			assert.Equal(t, " Stop ", in.Body, "the body is kept as sent")
		}},
		{"yes classified", base("Body", "yes!"), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, sms.KindYes, in.Kind)
		}},
		{"empty body with media", base("Body", "", "NumMedia", "1", "MediaUrl0", "https://m.test/0", "MediaContentType0", "image/png"), nil,
			func(t *testing.T, in sms.Inbound) {
				assert.Equal(t, "", in.Body)
				assert.Equal(t, sms.KindText, in.Kind)
				assert.Equal(t, []sms.Media{{URL: "https://m.test/0", DeclaredType: "image/png"}}, in.Media)
			}},
		{"ten items, NumMedia miscounted", func() url.Values {
			v := base("NumMedia", "2")
			for i := range 10 {
				v.Set("MediaUrl"+string(rune('0'+i)), "https://m.test/"+string(rune('0'+i)))
				v.Set("MediaContentType"+string(rune('0'+i)), "image/jpeg")
			}
			v.Set("MediaUrl10", "https://m.test/10") // beyond the carrier's limit: not read
			return v
		}(), nil, func(t *testing.T, in sms.Inbound) {
			require.Len(t, in.Media, 10)
			assert.Equal(t, "https://m.test/9", in.Media[9].URL)
		}},
		{"declared Word refused, missing type refused, bad URL refused", base("NumMedia", "3",
			"MediaUrl0", "https://m.test/0", "MediaContentType0", "application/msword",
			"MediaUrl1", "https://m.test/1",
			"MediaUrl2", "file:///etc/passwd", "MediaContentType2", "image/jpeg"), nil, func(t *testing.T, in sms.Inbound) {
			require.Len(t, in.Media, 3)
			assert.Equal(t, sms.ReasonWord, in.Media[0].Reason)
			assert.True(t, in.Media[1].Refused)
			assert.Equal(t, sms.ReasonUnknown, in.Media[1].Reason)
			assert.Equal(t, sms.ReasonNoURL, in.Media[2].Reason)
		}},
		{"NUL and invalid UTF-8 made storable", base("Body", "a\x00b\xffc"), nil, func(t *testing.T, in sms.Inbound) {
			assert.Equal(t, "ab\uFFFDc", in.Body)
		}},
		{"missing MessageSid", base("MessageSid", ""), sms.ErrMalformed, nil},
		{"SmsSid alone is not enough", base("MessageSid", "", "SmsSid", "SM1"), sms.ErrMalformed, nil},
		{"MessageSid with a space", base("MessageSid", "SM1 2"), sms.ErrMalformed, nil},
		{"overlong MessageSid", base("MessageSid", strings.Repeat("S", 129)), sms.ErrMalformed, nil},
		{"missing From", base("From", ""), sms.ErrMalformed, nil},
		{"blank To", base("To", "  "), sms.ErrMalformed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := sms.ParseTwilioInbound(tt.form, now)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sms.Twilio, in.Dialect)
			assert.Equal(t, now, in.ReceivedAt)
			tt.check(t, in)
		})
	}
}

func TestParseTwilioStatus(t *testing.T) {
	t.Parallel()
	form := func(status, code string) url.Values {
		v := parseForm(t, "SmsSid=SM5ef8732a3c49700934481addd5ce1659&SmsStatus=sent&To=%2B14158675309"+
			"&MessageSid=SM5ef8732a3c49700934481addd5ce1659&AccountSid=ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"+
			"&From=%2B18885550100&ApiVersion=2010-04-01")
		v.Set("MessageStatus", status)
		if code != "" {
			v.Set("ErrorCode", code)
		}
		return v
	}
	tests := []struct {
		name    string
		form    url.Values
		want    sms.Status
		code    string
		wantErr error
	}{
		{"accepted", form("accepted", ""), sms.StatusQueued, "", nil},
		{"scheduled", form("scheduled", ""), sms.StatusQueued, "", nil},
		{"queued", form("queued", ""), sms.StatusQueued, "", nil},
		{"sending", form("sending", ""), sms.StatusSending, "", nil},
		{"sent", form("sent", ""), sms.StatusSent, "", nil},
		{"delivered", form("delivered", ""), sms.StatusDelivered, "", nil},
		{"read", form("read", ""), sms.StatusDelivered, "", nil},
		{"undelivered keeps its code", form("undelivered", "30003"), sms.StatusFailed, "30003", nil},
		{"failed keeps its code", form("failed", "30007"), sms.StatusFailed, "30007", nil},
		{"canceled", form("canceled", ""), sms.StatusFailed, "", nil},
		{"case and space", form(" Delivered ", ""), sms.StatusDelivered, "", nil},
		{"SmsStatus when MessageStatus is absent", func() url.Values { v := form("", ""); v.Del("MessageStatus"); return v }(),
			sms.StatusSent, "", nil},
		{"receiving ignored", form("receiving", ""), "", "", sms.ErrIgnored},
		{"received ignored", form("received", ""), "", "", sms.ErrIgnored},
		{"partially_delivered ignored", form("partially_delivered", ""), "", "", sms.ErrIgnored},
		{"unknown status ignored", form("teleported", ""), "", "", sms.ErrIgnored},
		{"no status at all", func() url.Values { v := form("", ""); v.Del("MessageStatus"); v.Del("SmsStatus"); return v }(),
			"", "", sms.ErrMalformed},
		{"missing MessageSid", func() url.Values { v := form("sent", ""); v.Del("MessageSid"); return v }(), "", "", sms.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := sms.ParseTwilioStatus(tt.form, now)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sms.StatusUpdate{Dialect: sms.Twilio, MessageID: "SM5ef8732a3c49700934481addd5ce1659",
				Status: tt.want, ErrorCode: tt.code, At: now}, st)
		})
	}
}

// FuzzParseTwilioInbound checks any form parses or fails with ErrMalformed,
// never panics, and that what parses keeps the promised shape.
func FuzzParseTwilioInbound(f *testing.F) {
	f.Add(inboundForm)
	f.Add("MessageSid=SM1&From=%2B14158675309&To=%2B18885550100&Body=STOP")
	f.Add("MessageSid=SM1&From=x&To=y&MediaUrl9=https%3A%2F%2Fm&MediaContentType9=%3B")
	f.Add("From=&To=&MessageSid=")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		in, err := sms.ParseTwilioInbound(form, now)
		if err != nil {
			require.ErrorIs(t, err, sms.ErrMalformed)
			return
		}
		require.NotEmpty(t, in.MessageID)
		require.NotEmpty(t, in.From)
		require.NotEmpty(t, in.To)
		require.LessOrEqual(t, len(in.Media), sms.MaxMediaItems)
		require.Equal(t, sms.Classify(in.Body), in.Kind)
		for _, m := range in.Media {
			ok, _ := sms.DeclaredAllowed(m.DeclaredType)
			if !m.Refused {
				require.True(t, ok, "kept media of a refused type %q", m.DeclaredType)
			} else {
				require.NotEmpty(t, m.Reason)
			}
		}
	})
}

// The gateway verifies and parses every webhook; these show the cost.
func BenchmarkVerifyTwilio(b *testing.B) {
	form, _ := url.ParseQuery(inboundForm)
	const u = "https://gateway.example.com/webhooks/twilio/messages"
	sig := sms.SignTwilio("token", u, form)
	b.ReportAllocs()
	for b.Loop() {
		if !sms.VerifyTwilio("token", u, form, sig) {
			b.Fatal("not verified")
		}
	}
}

func BenchmarkParseTwilioInbound(b *testing.B) {
	form, _ := url.ParseQuery(inboundForm)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sms.ParseTwilioInbound(form, now); err != nil {
			b.Fatal(err)
		}
	}
}
