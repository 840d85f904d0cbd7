package sms

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors of the parse and verify functions; the gateway maps them to HTTP
// answers (malformed 400, bad or stale signature 403, missing signature 400,
// ignored 200 without enqueuing anything).
var (
	ErrMalformed        = errors.New("sms: malformed webhook")
	ErrIgnored          = errors.New("sms: webhook carries nothing Parley keeps")
	ErrBadSignature     = errors.New("sms: bad webhook signature")
	ErrStaleTimestamp   = errors.New("sms: webhook timestamp outside the accepted window")
	ErrMissingSignature = errors.New("sms: webhook signature missing")
)

// MaxMediaItems is the most media items one MMS carries (Twilio's MediaUrl0..9).
const MaxMediaItems = 10

// maxMessageIDLen bounds a carrier message ID, which becomes an asynq task ID
// and a database key (Twilio's are 34 characters, Telnyx's UUIDs 36).
const maxMessageIDLen = 128

// SignTwilio computes X-Twilio-Signature: base64(HMAC-SHA1(authToken, fullURL
// followed by every parameter name and value, names sorted, a repeated
// name's values sorted)).
func SignTwilio(authToken, fullURL string, params url.Values) string {
	return base64.StdEncoding.EncodeToString(twilioMAC(authToken, fullURL, params))
}

// VerifyTwilio checks X-Twilio-Signature in constant time. Like the official
// SDKs it also accepts the signature computed on the URL with the scheme's
// default port (:443, :80) added or removed, since Twilio signs the URL as
// configured and a proxy may show it either way.
func VerifyTwilio(authToken, fullURL string, params url.Values, signature string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha1.Size || authToken == "" {
		return false
	}
	if hmac.Equal(got, twilioMAC(authToken, fullURL, params)) {
		return true
	}
	if other, ok := togglePort(fullURL); ok {
		return hmac.Equal(got, twilioMAC(authToken, other, params))
	}
	return false
}

// VerifyTwilioJSON checks a Twilio request with a JSON body: the URL carries
// bodySHA256 (hex SHA-256 of the raw body), the signature covers the URL alone
// (no parameters), and then the body must hash to that value.
func VerifyTwilioJSON(authToken, fullURL string, body []byte, signature string) bool {
	if !VerifyTwilio(authToken, fullURL, nil, signature) {
		return false
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(u.Query().Get("bodySHA256"))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	sum := sha256.Sum256(body)
	return subtle.ConstantTimeCompare(sum[:], want) == 1
}

// twilioMAC builds the signed string in one buffer: the gateway checks every
// webhook, so this is on the hot path.
func twilioMAC(authToken, fullURL string, params url.Values) []byte {
	var keysBuf [48]string // a webhook has about 25 parameters: no allocation
	keys := keysBuf[:0]
	size := len(fullURL)
	for k, vs := range params {
		keys = append(keys, k)
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	slices.Sort(keys)
	bp := macBufs.Get().(*[]byte)
	defer macBufs.Put(bp)
	buf := slices.Grow((*bp)[:0], size)
	buf = append(buf, fullURL...)
	for _, k := range keys {
		vs := params[k]
		if len(vs) > 1 && !slices.IsSorted(vs) {
			vs = slices.Sorted(slices.Values(vs))
		}
		for _, v := range vs {
			buf = append(buf, k...)
			buf = append(buf, v...)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write(buf)
	if cap(buf) <= maxPooledBuf {
		*bp = buf
	}
	return mac.Sum(nil)
}

// macBufs reuses the signed-string buffers across requests; an unusually
// large one is not kept, so one big webhook does not pin memory.
var macBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledBuf = 64 << 10

// togglePort returns fullURL with the scheme's default port removed if it is
// there, or added if no port is there. Other ports are left alone (ok false):
// only the default port is ambiguous. The URL is edited as a string so the
// rest of it stays byte for byte what was signed.
func togglePort(fullURL string) (string, bool) {
	var port string
	switch {
	case len(fullURL) >= 8 && strings.EqualFold(fullURL[:8], "https://"):
		port = "443"
	case len(fullURL) >= 7 && strings.EqualFold(fullURL[:7], "http://"):
		port = "80"
	default:
		return "", false
	}
	start := strings.Index(fullURL, "://") + 3
	end := len(fullURL)
	if i := strings.IndexAny(fullURL[start:], "/?#"); i >= 0 {
		end = start + i
	}
	host := fullURL[start:end]
	hostStart := start
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		hostStart += at + 1
		host = host[at+1:]
	}
	colon := strings.LastIndexByte(host, ':')
	if colon >= 0 && strings.IndexByte(host[colon:], ']') >= 0 {
		colon = -1 // the colon belongs to an IPv6 literal
	}
	if colon < 0 {
		return fullURL[:end] + ":" + port + fullURL[end:], true
	}
	if host[colon+1:] == port {
		return fullURL[:hostStart+colon] + fullURL[end:], true
	}
	return "", false
}

// mediaURLKeys and mediaTypeKeys avoid building "MediaUrl"+N per request.
var (
	mediaURLKeys  = [MaxMediaItems]string{"MediaUrl0", "MediaUrl1", "MediaUrl2", "MediaUrl3", "MediaUrl4", "MediaUrl5", "MediaUrl6", "MediaUrl7", "MediaUrl8", "MediaUrl9"}
	mediaTypeKeys = [MaxMediaItems]string{"MediaContentType0", "MediaContentType1", "MediaContentType2", "MediaContentType3", "MediaContentType4", "MediaContentType5", "MediaContentType6", "MediaContentType7", "MediaContentType8", "MediaContentType9"}
)

// ParseTwilioInbound normalizes an inbound-message webhook. MessageSid, From
// and To are required; every media item present (MediaUrl0..9) is taken,
// whatever NumMedia says, so none is lost to a miscounting provider; items are
// filtered by declared type and the body is classified.
func ParseTwilioInbound(form url.Values, now time.Time) (Inbound, error) {
	id, err := messageID(form.Get("MessageSid"))
	if err != nil {
		return Inbound{}, err
	}
	from := NormalizeInbound(form.Get("From"))
	to := NormalizeInbound(form.Get("To"))
	if from == "" || to == "" {
		return Inbound{}, fmt.Errorf("%w: From and To are required", ErrMalformed)
	}
	var media []Media
	for i := range MaxMediaItems {
		u := strings.TrimSpace(form.Get(mediaURLKeys[i]))
		if u == "" {
			continue
		}
		media = append(media, Media{URL: u, DeclaredType: strings.TrimSpace(form.Get(mediaTypeKeys[i]))})
	}
	body := cleanBody(form.Get("Body"))
	return Inbound{
		Dialect:    Twilio,
		MessageID:  id,
		From:       from,
		To:         to,
		Body:       body,
		Media:      FilterDeclared(media),
		Kind:       Classify(body),
		ReceivedAt: now,
	}, nil
}

// twilioStatuses maps MessageStatus to Parley's statuses. receiving/received
// describe inbound messages and partially_delivered is undocumented: they
// are ignored rather than guessed at.
var twilioStatuses = map[string]Status{
	"accepted":    StatusQueued,
	"scheduled":   StatusQueued,
	"queued":      StatusQueued,
	"sending":     StatusSending,
	"sent":        StatusSent,
	"delivered":   StatusDelivered,
	"read":        StatusDelivered,
	"undelivered": StatusFailed,
	"failed":      StatusFailed,
	"canceled":    StatusFailed,
}

// ParseTwilioStatus normalizes a status callback. A status Parley does not
// track gives ErrIgnored (answer 200, keep nothing): the carrier adds values
// without notice and must not be told its callback is malformed.
func ParseTwilioStatus(form url.Values, now time.Time) (StatusUpdate, error) {
	id, err := messageID(form.Get("MessageSid"))
	if err != nil {
		return StatusUpdate{}, err
	}
	raw := form.Get("MessageStatus")
	if raw == "" {
		raw = form.Get("SmsStatus") // older callbacks carry only this copy
	}
	raw = strings.ToLower(strings.TrimSpace(raw))
	if raw == "" {
		return StatusUpdate{}, fmt.Errorf("%w: MessageStatus is required", ErrMalformed)
	}
	st, ok := twilioStatuses[raw]
	if !ok {
		return StatusUpdate{}, fmt.Errorf("%w: status %q", ErrIgnored, raw)
	}
	return StatusUpdate{
		Dialect:   Twilio,
		MessageID: id,
		Status:    st,
		ErrorCode: cleanBody(strings.TrimSpace(form.Get("ErrorCode"))),
		At:        now,
	}, nil
}

// messageID checks a carrier message ID before it becomes a task ID and a
// database key: present, bounded, and made of characters IDs use.
func messageID(raw string) (string, error) {
	id := strings.TrimSpace(raw)
	if id == "" {
		return "", fmt.Errorf("%w: message ID is required", ErrMalformed)
	}
	if len(id) > maxMessageIDLen {
		return "", fmt.Errorf("%w: message ID is %d characters long", ErrMalformed, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return "", fmt.Errorf("%w: message ID %q has a character IDs do not use", ErrMalformed, id)
		}
	}
	return id, nil
}

// cleanBody makes a body storable: Postgres text refuses NUL bytes and
// invalid UTF-8, and a body it refuses would fail its task forever.
func cleanBody(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}
