package main

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/gofiber/fiber/v2"
)

// Twilio's limits on a send.
const (
	maxBodyChars = 1600
	maxMediaURLs = 10
)

// restSend is POST /2010-04-01/Accounts/{sid}/Messages.json.
func (s *server) restSend(c *fiber.Ctx) error {
	if ok, err := s.authorize(c); !ok {
		return err
	}
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return twilioError(c, fiber.StatusBadRequest, 20001, "The request body is not form-encoded.")
	}
	to, from, body := strings.TrimSpace(form.Get("To")), strings.TrimSpace(form.Get("From")), form.Get("Body")
	mediaURLs := form["MediaUrl"]
	switch {
	case to == "":
		return twilioError(c, fiber.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case !validE164(to):
		return twilioError(c, fiber.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to))
	case from == "":
		return twilioError(c, fiber.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case !validE164(from):
		return twilioError(c, fiber.StatusBadRequest, 21212, fmt.Sprintf("Invalid From Number: %s", from))
	case body == "" && len(mediaURLs) == 0:
		return twilioError(c, fiber.StatusBadRequest, 21602, "Message body is required.")
	case len([]rune(body)) > maxBodyChars:
		return twilioError(c, fiber.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	case len(mediaURLs) > maxMediaURLs:
		return twilioError(c, fiber.StatusBadRequest, 21623, "Number of media files exceeds allowed limit.")
	case s.state.isOptedOut(to, from):
		return twilioError(c, fiber.StatusBadRequest, 21610, "Attempt to send to unsubscribed recipient")
	}
	if cb := form.Get("StatusCallback"); cb != "" {
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return twilioError(c, fiber.StatusBadRequest, 21609, "Invalid StatusCallback URL")
		}
	}

	prefix := "SM"
	var media []Media
	for _, u := range mediaURLs {
		media = append(media, Media{URL: u})
		prefix = "MM"
	}
	m := &Message{
		SID: newSID(prefix), Direction: DirOutbound, From: from, To: to, Body: body,
		NumSegments: segments(body), Media: media, Status: "queued",
		DateCreated: time.Now().UTC(), StatusCallback: form.Get("StatusCallback"),
	}
	// The answer shows the message as accepted, before progress moves it on.
	answer := s.resource(m.copy())
	s.state.add(m)
	s.log.InfoContext(c.UserContext(), "text accepted", "sid", m.SID, "from", from, "to", to, "segments", m.NumSegments, "media", len(media))
	s.goPost(func() { s.progress(m.SID) })
	return c.Status(fiber.StatusCreated).JSON(answer)
}

// restFetch is GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json.
func (s *server) restFetch(c *fiber.Ctx) error {
	if ok, err := s.authorize(c); !ok {
		return err
	}
	m, ok := s.state.get(c.Params("sid"))
	if !ok || m.Direction != DirOutbound {
		return twilioError(c, fiber.StatusNotFound, 20404, "The requested resource was not found")
	}
	return c.JSON(s.resource(m))
}

// authorize checks HTTP Basic auth (AccountSid:AuthToken) and that the path
// names the same account. When it is not ok, the answer is already set and
// the caller returns err.
func (s *server) authorize(c *fiber.Ctx) (ok bool, err error) {
	user, pass, hasAuth := basicAuth(c.Get(fiber.HeaderAuthorization))
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.set.AccountSID)) == 1
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.set.AuthToken)) == 1
	if !hasAuth || !userOK || !passOK {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="Twilio API"`)
		return false, twilioError(c, fiber.StatusUnauthorized, 20003, "Authenticate")
	}
	if c.Params("account") != s.set.AccountSID {
		return false, twilioError(c, fiber.StatusNotFound, 20404, "The requested resource was not found")
	}
	return true, nil
}

func basicAuth(header string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(header[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// resource is a message as Twilio's REST API shows it (counts as strings,
// RFC 1123 dates, nulls where Twilio has them).
func (s *server) resource(m Message) fiber.Map {
	var errorCode, errorMessage, dateSent any
	if m.ErrorCode != "" {
		n, _ := strconv.Atoi(m.ErrorCode)
		errorCode, errorMessage = n, failureMessage(m.ErrorCode)
	}
	if m.Status == "sent" || m.Status == "delivered" || m.Status == "undelivered" {
		dateSent = m.DateCreated.Format(time.RFC1123Z)
	}
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", s.set.AccountSID, m.SID)
	return fiber.Map{
		"sid": m.SID, "account_sid": s.set.AccountSID, "api_version": "2010-04-01",
		"to": m.To, "from": m.From, "body": m.Body, "status": m.Status, "direction": m.Direction,
		"num_segments": strconv.Itoa(m.NumSegments), "num_media": strconv.Itoa(len(m.Media)),
		"error_code": errorCode, "error_message": errorMessage,
		"date_created": m.DateCreated.Format(time.RFC1123Z), "date_updated": time.Now().UTC().Format(time.RFC1123Z),
		"date_sent": dateSent, "price": nil, "price_unit": "USD", "messaging_service_sid": nil,
		"uri": uri, "subresource_uris": fiber.Map{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
	}
}

// failure is how a send to a test number ends badly.
type failure struct {
	status string // "undelivered" (sent, then not delivered) or "failed" (never sent)
	code   string
}

// failureFor picks a failure from the last four digits of To: 0001–0008 end
// with Twilio error 3000N (0003: handset unreachable), so every failure
// reason can be seen; any other number is delivered.
func failureFor(to string) (failure, bool) {
	if len(to) < 4 || !strings.HasPrefix(to[len(to)-4:], "000") {
		return failure{}, false
	}
	d := to[len(to)-1]
	if d < '1' || d > '8' {
		return failure{}, false
	}
	code := "3000" + string(d)
	if d == '1' || d == '2' {
		// Queue overflow and a suspended account stop a text before it leaves.
		return failure{status: "failed", code: code}, true
	}
	return failure{status: "undelivered", code: code}, true
}

func failureMessage(code string) string {
	switch code {
	case "30001":
		return "Queue overflow"
	case "30002":
		return "Account suspended"
	case "30003":
		return "Unreachable destination handset"
	case "30004":
		return "Message blocked"
	case "30005":
		return "Unknown destination handset"
	case "30006":
		return "Landline or unreachable carrier"
	case "30007":
		return "Message filtered"
	case "30008":
		return "Unknown error"
	}
	return "Error " + code
}

// progress moves an accepted send along and posts each status to its
// StatusCallback: sent after SentAfter, then delivered (or the test
// number's failure) at DeliveredAfter; one goroutine, so always in order.
func (s *server) progress(sid string) {
	m, ok := s.state.get(sid)
	if !ok {
		return
	}
	type step struct {
		at     time.Duration
		status string
		code   string
	}
	steps := []step{{s.set.SentAfter, "sent", ""}, {s.set.DeliveredAfter, "delivered", ""}}
	if f, bad := failureFor(m.To); bad {
		if f.status == "failed" {
			steps = []step{{s.set.SentAfter, "failed", f.code}}
		} else {
			steps[1] = step{s.set.DeliveredAfter, "undelivered", f.code}
		}
	}
	start := time.Now()
	for _, st := range steps {
		if !s.sleep(st.at - time.Since(start)) {
			return
		}
		m, _ = s.state.update(sid, func(m *Message) { m.Status, m.ErrorCode = st.status, st.code })
		if m.StatusCallback == "" {
			continue
		}
		params := url.Values{
			"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {st.status}, "SmsStatus": {st.status},
			"To": {m.To}, "From": {m.From}, "AccountSid": {s.set.AccountSID}, "ApiVersion": {"2010-04-01"},
		}
		if st.code != "" {
			params.Set("ErrorCode", st.code)
		}
		s.record(sid, st.status, s.post(s.ctx, m.StatusCallback, params))
	}
}

// segments counts SMS segments the way carriers bill them: 160 GSM-7
// characters (153 each when split), else 70 UCS-2 units (67 when split).
func segments(body string) int {
	if body == "" {
		return 1
	}
	units, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7Basic, r):
			units++
		case strings.ContainsRune(gsm7Extended, r):
			units += 2
		default:
			gsm = false
		}
	}
	single, part := 160, 153
	if !gsm {
		units = len(utf16.Encode([]rune(body)))
		single, part = 70, 67
	}
	if units <= single {
		return 1
	}
	return int(math.Ceil(float64(units) / float64(part)))
}

const (
	gsm7Basic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extended = "^{}\\[~]|€\f"
)
