package carrier_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/worker/internal/carrier"
)

var msg = carrier.Message{From: "+18885550100", To: "+14155550123", Body: "Your hearing moved to 3 pm."}

func TestTwilioSend(t *testing.T) {
	t.Parallel()
	var gotPath string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.Path
		user, pass, ok := r.BasicAuth()
		if !ok || user != "AC123" || pass != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":20003,"message":"Authenticate","status":401}`)
			return
		}
		require.NoError(t, r.ParseForm())
		assert.Equal(t, msg.To, r.PostForm.Get("To"))
		assert.Equal(t, msg.From, r.PostForm.Get("From"))
		assert.Equal(t, msg.Body, r.PostForm.Get("Body"))
		assert.Equal(t, "https://gw.example/webhooks/twilio/status", r.PostForm.Get("StatusCallback"))
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}`)
	}))
	defer srv.Close()

	tw := &carrier.Twilio{BaseURL: srv.URL + "/", AccountSID: "AC123", AuthToken: "secret",
		StatusCallback: "https://gw.example/webhooks/twilio/status"}
	id, err := tw.Send(context.Background(), msg)
	require.NoError(t, err)
	assert.Equal(t, "SM0123456789abcdef0123456789abcdef", id)
	assert.Equal(t, "/2010-04-01/Accounts/AC123/Messages.json", gotPath)

	tw.AuthToken = "wrong"
	_, err = tw.Send(context.Background(), msg)
	ce, ok := carrier.AsError(err)
	require.True(t, ok)
	assert.Equal(t, 401, ce.HTTPStatus)
	assert.Equal(t, "20003", ce.Code)
	assert.False(t, ce.Temporary())
}

func TestTwilioErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		status    int
		body      string
		code      string
		temporary bool
	}{
		{"opted out", 400, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`, "21610", false},
		{"filtered", 400, `{"code":30007,"message":"Message filtered","status":400}`, "30007", false},
		{"server error", 503, `<html>busy</html>`, "", true},
		{"rate limited", 429, `{"code":20429,"message":"Too Many Requests","status":429}`, "20429", true},
		{"2xx without sid", 201, `{}`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, err := (&carrier.Twilio{BaseURL: srv.URL, AccountSID: "AC1", AuthToken: "t"}).Send(context.Background(), msg)
			ce, ok := carrier.AsError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.status, ce.HTTPStatus)
			assert.Equal(t, tc.code, ce.Code)
			assert.Equal(t, tc.temporary, ce.Temporary())
		})
	}
}

func TestNoAnswerIsTemporary(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there now

	for _, s := range []carrier.Sender{
		&carrier.Twilio{BaseURL: url, AccountSID: "AC1", AuthToken: "t"},
		&carrier.Telnyx{BaseURL: url, APIKey: "k"},
	} {
		_, err := s.Send(context.Background(), msg)
		ce, ok := carrier.AsError(err)
		require.True(t, ok)
		assert.Zero(t, ce.HTTPStatus)
		assert.True(t, ce.Temporary())
		assert.NotNil(t, errors.Unwrap(ce), "the transport error is kept")
	}
}

func TestTelnyxSend(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/v2/messages", r.URL.Path)
		assert.Equal(t, "Bearer KEY123", r.Header.Get("Authorization"))
		var body map[string]string
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		if body["to"] == "+14155550199" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errors":[{"code":"40300","title":"Blocked due to STOP message","detail":"opted out"}]}`)
			return
		}
		assert.Equal(t, map[string]string{"from": msg.From, "to": msg.To, "text": msg.Body,
			"webhook_url": "https://gw.example/webhooks/telnyx/messages"}, body)
		_, _ = io.WriteString(w, `{"data":{"id":"40317f0e-2c64-4f7a-b5b5-0b6a3d1e3d2a","record_type":"message"}}`)
	}))
	defer srv.Close()

	tx := &carrier.Telnyx{BaseURL: srv.URL, APIKey: "KEY123", WebhookURL: "https://gw.example/webhooks/telnyx/messages"}
	id, err := tx.Send(context.Background(), msg)
	require.NoError(t, err)
	assert.Equal(t, "40317f0e-2c64-4f7a-b5b5-0b6a3d1e3d2a", id)

	stopped := msg
	stopped.To = "+14155550199"
	_, err = tx.Send(context.Background(), stopped)
	ce, ok := carrier.AsError(err)
	require.True(t, ok)
	assert.Equal(t, "40300", ce.Code)
	assert.False(t, ce.Temporary())
}
