package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/ops"
	"github.com/parleyhq/parley/shared/testkit"
)

const (
	testSID   = "ACtest0000000000000000000000000000"
	testToken = "test-auth-token"
	testPhone = "+14155550123"
	testFirm  = "+18885550100"
)

// waitLimit only stops a broken test from hanging; nothing asserts on time.
const waitLimit = 10 * time.Second

// sim is a simulator serving on a loopback port, as `make run` runs it.
type sim struct {
	t   *testing.T
	url string
	srv *server
}

// startSim runs a simulator whose webhooks go to gatewayURL.
func startSim(t *testing.T, gatewayURL string) *sim {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	set := settings{
		Addr: ln.Addr().String(), PublicURL: base, GatewayURL: gatewayURL,
		AccountSID: testSID, AuthToken: testToken, Phone: testPhone, FirmNumber: testFirm,
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := newServer(ctx, set, testkit.Logger())
	done := make(chan error, 1)
	go func() { done <- ops.Listen(ctx, srv.app(), ln, 5*time.Second, testkit.Logger()) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		srv.wait()
	})
	return &sim{t: t, url: base, srv: srv}
}

// request is one webhook a receiver got.
type request struct {
	url       string // the full URL called
	form      url.Values
	signature string
}

// receiver stands in for the gateway: it records every post and answers
// with the next status of its script (200 once the script is used up).
type receiver struct {
	*httptest.Server
	got    chan request
	mu     sync.Mutex
	script []int
}

func newReceiver(t *testing.T, script ...int) *receiver {
	t.Helper()
	r := &receiver{got: make(chan request, 32), script: script}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if err := req.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		status := http.StatusOK
		r.mu.Lock()
		if len(r.script) > 0 {
			status, r.script = r.script[0], r.script[1:]
		}
		r.mu.Unlock()
		r.got <- request{url: "http://" + req.Host + req.URL.RequestURI(), form: req.PostForm, signature: req.Header.Get("X-Twilio-Signature")}
		if status != http.StatusOK {
			http.Error(w, "refused by the test", status)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response/>`)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) next(t *testing.T) request {
	t.Helper()
	select {
	case got := <-r.got:
		return got
	case <-time.After(waitLimit):
		t.Fatal("no webhook arrived")
		return request{}
	}
}

// restSend calls the Twilio send API with the given Basic auth.
func (s *sim) restSend(user, pass string, form url.Values) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/2010-04-01/Accounts/"+testSID+"/Messages.json", strings.NewReader(form.Encode()))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return s.do(req)
}

func (s *sim) do(req *http.Request) (int, map[string]any) {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	var out map[string]any
	if len(body) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(s.t, json.Unmarshal(body, &out), string(body))
	}
	return resp.StatusCode, out
}

// file is one attachment the phone sends.
type file struct {
	name, contentType string
	data              []byte
}

// phoneSend posts the phone page's form as its script does.
func (s *sim) phoneSend(phone, to, body string, files ...file) (int, map[string]any) {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(s.t, w.WriteField("phone", phone))
	require.NoError(s.t, w.WriteField("to", to))
	require.NoError(s.t, w.WriteField("body", body))
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.contentType)
		part, err := w.CreatePart(h)
		require.NoError(s.t, err)
		_, err = part.Write(f.data)
		require.NoError(s.t, err)
	}
	require.NoError(s.t, w.Close())
	req, err := http.NewRequest(http.MethodPost, s.url+"/send", &buf)
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-Requested-With", "fetch")
	return s.do(req)
}

// conversation is GET /api/messages for phone.
func (s *sim) conversation(phone string) conversationJSON {
	s.t.Helper()
	resp, err := http.Get(s.url + "/api/messages?" + url.Values{"phone": {phone}}.Encode())
	require.NoError(s.t, err)
	defer resp.Body.Close()
	require.Equal(s.t, http.StatusOK, resp.StatusCode)
	var c conversationJSON
	require.NoError(s.t, json.NewDecoder(resp.Body).Decode(&c))
	return c
}

type conversationJSON struct {
	Phone    string    `json:"phone"`
	OptedOut []string  `json:"opted_out"`
	Messages []Message `json:"messages"`
}

// settled waits until message sid's last post has ended and returns it.
func (s *sim) settled(phone, sid string) Message {
	s.t.Helper()
	var found Message
	require.Eventually(s.t, func() bool {
		for _, m := range s.conversation(phone).Messages {
			if m.SID == sid && m.Webhook != nil && !m.Webhook.Pending {
				found = m
				return true
			}
		}
		return false
	}, waitLimit, 10*time.Millisecond)
	return found
}

func get(t *testing.T, rawURL string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(rawURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}
