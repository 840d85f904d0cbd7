package carrier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/sms"
)

// The carriers' documented media hosts, over https only. Twilio serves media
// from its API (api.twilio.com), which redirects to its media storage;
// Telnyx links media on its media host. A configured API URL (a simulator,
// another Twilio-compatible provider) is allowed too, and operators add
// more with MEDIA_ALLOWED_ORIGINS.
var carrierMediaOrigins = map[sms.Dialect][]string{
	sms.Twilio: {"https://api.twilio.com", "https://media.twiliocdn.com", "https://mms.twiliocdn.com",
		"https://s3-external-1.amazonaws.com"},
	sms.Telnyx: {"https://api.telnyx.com", "https://media.telnyx.com"},
}

// Errors of Media.Fetch besides *FetchError.
var (
	// ErrMediaOrigin is a media URL, or a redirect, outside the carrier's
	// origins: nothing was fetched from it.
	ErrMediaOrigin = errors.New("media URL is not one of the carrier's origins")
	// ErrMediaTooLarge is media over the MMS limit.
	ErrMediaTooLarge = errors.New("media larger than the MMS limit")
)

// FetchError is a media URL that answered with an error status.
type FetchError struct{ Status int }

func (e *FetchError) Error() string { return fmt.Sprintf("media URL answered HTTP %d", e.Status) }

// Gone: the carrier deleted the file or no longer lets us have it.
func (e *FetchError) Gone() bool {
	return e.Status == http.StatusNotFound || e.Status == http.StatusForbidden || e.Status == http.StatusGone
}

// Temporary: worth asking again. 401 counts, since it means the operator's
// credentials are wrong, which they can fix while the task waits.
func (e *FetchError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests ||
		e.Status == http.StatusUnauthorized
}

// Media downloads MMS media from the carriers' own origins only, so a
// webhook cannot point the worker at the private network, and sends the
// Twilio credentials only to the exact origin of the configured API URL.
type Media struct {
	// HTTP makes the requests; nil means a client with a 20 s timeout. Its
	// redirect policy is replaced.
	HTTP   *http.Client
	Config config.Config
}

const mediaFetchLimit = 20 * time.Second

// apiOrigin is the origin of dialect d's configured API URL.
func (m Media) apiOrigin(d sms.Dialect) string {
	base := m.Config.TwilioAPIURL
	if d == sms.Telnyx {
		base = m.Config.TelnyxAPIURL
	}
	o, _ := config.Origin(base)
	return o
}

// Allowed reports whether media of dialect d may be fetched from rawURL.
func (m Media) Allowed(d sms.Dialect, rawURL string) bool {
	o, err := config.Origin(rawURL)
	if err != nil {
		return false
	}
	return o == m.apiOrigin(d) || slices.Contains(carrierMediaOrigins[d], o) || slices.Contains(m.Config.MediaAllowedOrigins, o)
}

// credentialed reports whether a request to u gets the account's credentials.
func (m Media) credentialed(d sms.Dialect, u *url.URL) bool {
	o, err := config.Origin(u.String())
	return err == nil && d == sms.Twilio && m.Config.TwilioAccountSID != "" && o == m.apiOrigin(d)
}

// Fetch downloads one media item into memory (at most the 5 MB MMS limit,
// so a handful of concurrent fetches stay small). Redirects are followed
// only within the allowed origins, and credentials never follow one to
// another origin.
func (m Media) Fetch(ctx context.Context, d sms.Dialect, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FetchError{Status: http.StatusBadRequest}
	}
	if !m.Allowed(d, rawURL) {
		return nil, fmt.Errorf("%w: %s", ErrMediaOrigin, u.Redacted())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("media request: %w", err)
	}
	if m.credentialed(d, u) {
		req.SetBasicAuth(m.Config.TwilioAccountSID, m.Config.TwilioAuthToken)
	}
	hc := http.Client{Timeout: mediaFetchLimit}
	if m.HTTP != nil {
		hc = *m.HTTP
	}
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("media: too many redirects")
		}
		if !m.Allowed(d, next.URL.String()) {
			return fmt.Errorf("%w: redirect to %s", ErrMediaOrigin, next.URL.Redacted())
		}
		if !m.credentialed(d, next.URL) {
			next.Header.Del("Authorization")
		}
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch media: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, &FetchError{Status: resp.StatusCode}
	}
	if resp.ContentLength > sms.MaxMediaBytes {
		return nil, ErrMediaTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, sms.MaxMediaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read media: %w", err)
	}
	if len(data) > sms.MaxMediaBytes {
		return nil, ErrMediaTooLarge
	}
	return data, nil
}
