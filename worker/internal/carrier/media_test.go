package carrier_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/worker/internal/carrier"
)

// capture is a listener that records every request it gets, with its
// Authorization header: where the worker must not go, it must see nothing.
type capture struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
}

func newCapture(t *testing.T, h http.HandlerFunc) *capture {
	c := &capture{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.hits = append(c.hits, r.URL.Path+" auth="+r.Header.Get("Authorization"))
		c.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		_, _ = w.Write([]byte("media bytes"))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *capture) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.hits...)
}

func mediaFor(apiURL string, extra ...string) carrier.Media {
	return carrier.Media{Config: config.Config{
		TwilioAPIURL: apiURL, TwilioAccountSID: "AC00000000000000000000000000000001", TwilioAuthToken: "secret-token",
		TelnyxAPIURL: "https://api.telnyx.com", MediaAllowedOrigins: extra,
	}}
}

func TestMediaAllowedOrigins(t *testing.T) {
	t.Parallel()
	m := mediaFor("http://127.0.0.1:8083", "https://media.example.com")
	tests := []struct {
		name string
		d    sms.Dialect
		url  string
		want bool
	}{
		{"the configured API origin", sms.Twilio, "http://127.0.0.1:8083/media/1", true},
		{"the API host on another port", sms.Twilio, "http://127.0.0.1:9082/metrics", false},
		{"the API host over https instead of http", sms.Twilio, "https://127.0.0.1:8083/media/1", false},
		{"loopback by name", sms.Twilio, "http://localhost:8083/media/1", false},
		{"loopback IPv6", sms.Twilio, "http://[::1]:8083/media/1", false},
		{"private range 10/8", sms.Twilio, "http://10.0.0.5/media/1", false},
		{"private range 192.168/16", sms.Twilio, "https://192.168.1.1/media/1", false},
		{"link-local metadata address", sms.Twilio, "http://169.254.169.254/latest/meta-data/", false},
		{"Twilio's API over https", sms.Twilio, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", true},
		{"Twilio's API with its default port spelled out", sms.Twilio, "https://api.twilio.com:443/x", true},
		{"Twilio's API over http", sms.Twilio, "http://api.twilio.com/2010-04-01/x", false},
		{"Twilio's API on another port", sms.Twilio, "https://api.twilio.com:8443/x", false},
		{"a look-alike host", sms.Twilio, "https://api.twilio.com.evil.example/x", false},
		{"a subdomain that is not documented", sms.Twilio, "https://evil.twilio.com/x", false},
		{"Twilio's media storage", sms.Twilio, "https://media.twiliocdn.com/AC1/abc", true},
		{"Telnyx media on a Twilio number", sms.Twilio, "https://media.telnyx.com/abc.jpg", false},
		{"Telnyx media", sms.Telnyx, "https://media.telnyx.com/abc.jpg", true},
		{"Twilio's API on a Telnyx number", sms.Telnyx, "https://api.twilio.com/x", false},
		{"an operator's extra origin", sms.Twilio, "https://media.example.com/a.jpg", true},
		{"an operator's extra origin over http", sms.Twilio, "http://media.example.com/a.jpg", false},
		{"not http", sms.Twilio, "file:///etc/passwd", false},
		{"credentials in the URL", sms.Twilio, "https://user:pw@api.twilio.com/x", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, m.Allowed(tt.d, tt.url), tt.name)
	}
}

func TestMediaFetchRefusesOtherOriginsWithoutAsking(t *testing.T) {
	t.Parallel()
	api := newCapture(t, nil)
	other := newCapture(t, nil) // the API's host, another port: e.g. the worker's own metrics
	m := mediaFor(api.srv.URL)

	for _, u := range []string{other.srv.URL + "/metrics", strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/x",
		strings.Replace(api.srv.URL, "http://", "https://", 1) + "/x"} {
		_, err := m.Fetch(context.Background(), sms.Twilio, u)
		require.ErrorIs(t, err, carrier.ErrMediaOrigin, u)
	}
	assert.Empty(t, other.requests(), "a URL outside the carrier's origins is never requested")

	b, err := m.Fetch(context.Background(), sms.Twilio, api.srv.URL+"/media/1")
	require.NoError(t, err)
	assert.Equal(t, "media bytes", string(b))
	assert.Equal(t, []string{"/media/1 auth=Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMTpzZWNyZXQtdG9rZW4="}, api.requests(),
		"the configured API origin gets the account's credentials")
}

func TestMediaFetchRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := newCapture(t, nil)
	extra := newCapture(t, nil)
	api := newCapture(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-elsewhere":
			http.Redirect(w, r, elsewhere.srv.URL+"/stolen", http.StatusTemporaryRedirect)
		case "/to-extra":
			http.Redirect(w, r, extra.srv.URL+"/file", http.StatusTemporaryRedirect)
		case "/to-self":
			http.Redirect(w, r, "/file", http.StatusFound)
		default:
			_, _ = w.Write([]byte("media bytes"))
		}
	})
	m := mediaFor(api.srv.URL, extra.srv.URL)

	_, err := m.Fetch(context.Background(), sms.Twilio, api.srv.URL+"/to-elsewhere")
	require.ErrorIs(t, err, carrier.ErrMediaOrigin)
	assert.Empty(t, elsewhere.requests(), "a redirect out of the allowed origins is not followed")

	_, err = m.Fetch(context.Background(), sms.Twilio, api.srv.URL+"/to-extra")
	require.NoError(t, err)
	assert.Equal(t, []string{"/file auth="}, extra.requests(), "credentials do not follow a redirect to another origin")

	_, err = m.Fetch(context.Background(), sms.Twilio, api.srv.URL+"/to-self")
	require.NoError(t, err)
	reqs := api.requests()
	require.NotEmpty(t, reqs)
	assert.True(t, strings.HasPrefix(reqs[len(reqs)-1], "/file auth=Basic "), "within the API's origin they do: %v", reqs)
}
