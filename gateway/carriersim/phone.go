package main

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/sms"
)

//go:embed page.html
var pageFS embed.FS

var pageTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"isImage": func(ct string) bool { return strings.HasPrefix(ct, "image/") },
}).ParseFS(pageFS, "page.html"))

// maxFiles is Twilio's limit of media items in one MMS.
const maxFiles = 10

// pageView is what page.html renders.
type pageView struct {
	Phone, Firm string
	GatewayURL  string
	AccountSID  string
	Error       string
	Thread      threadView
}

// threadView is the part of the page that polling replaces.
type threadView struct {
	Version  uint64
	Phone    string
	Firm     string
	Bubbles  []bubble
	OptedOut []string // firm numbers this phone opted out of
}

// bubble is one message as the phone shows it.
type bubble struct {
	Message
	Mine      bool   // sent by this phone
	OtherFirm bool   // the firm side used another number than the page's
	Time      string // local clock time
	Note      string // delivery state in words
	Failed    bool   // the note is bad news
	CanRetry  bool   // a webhook the gateway did not take
}

// phonePage is GET /: the simulated phone.
func (s *server) phonePage(c *fiber.Ctx) error {
	v := pageView{Phone: s.set.Phone, Firm: s.set.FirmNumber}
	var bad []string
	if raw := c.Query("phone"); raw != "" {
		if p, err := normalizePhone(raw); err == nil {
			v.Phone = p
		} else {
			bad = append(bad, "This phone: "+err.Error())
		}
	}
	if raw := c.Query("to"); raw != "" {
		if p, err := normalizePhone(raw); err == nil {
			v.Firm = p
		} else {
			bad = append(bad, "Firm number: "+err.Error())
		}
	}
	v.Error = strings.Join(bad, "; ")
	return s.renderPage(c, fiber.StatusOK, v)
}

func (s *server) renderPage(c *fiber.Ctx, status int, v pageView) error {
	v.GatewayURL = s.gatewayMessagesURL()
	v.AccountSID = s.set.AccountSID
	v.Thread = s.thread(v.Phone, v.Firm)
	var buf bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&buf, "page", v); err != nil {
		return fmt.Errorf("carriersim: render page: %w", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Type("html", "utf-8")
	return c.Status(status).Send(buf.Bytes())
}

// threadFragment is GET /thread?phone=&to=&v=: the conversation, or 204 if
// nothing changed since version v.
func (s *server) threadFragment(c *fiber.Ctx) error {
	phone, err1 := normalizePhone(c.Query("phone"))
	firm, err2 := normalizePhone(c.Query("to"))
	if err := errors.Join(err1, err2); err != nil {
		return c.Status(fiber.StatusBadRequest).SendString(err.Error())
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if v, err := strconv.ParseUint(c.Query("v"), 10, 64); err == nil && v == s.state.currentVersion() {
		return c.SendStatus(fiber.StatusNoContent)
	}
	var buf bytes.Buffer
	if err := pageTmpl.ExecuteTemplate(&buf, "thread", s.thread(phone, firm)); err != nil {
		return fmt.Errorf("carriersim: render thread: %w", err)
	}
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

func (s *server) thread(phone, firm string) threadView {
	msgs, version := s.state.conversation(phone)
	t := threadView{Version: version, Phone: phone, Firm: firm, OptedOut: s.state.optedOutOf(phone)}
	for _, m := range msgs {
		b := bubble{Message: m, Mine: m.Direction == DirInbound, Time: m.DateCreated.Local().Format("Jan 2 15:04:05")}
		if b.Mine {
			b.OtherFirm = m.To != firm
			b.Note, b.Failed, b.CanRetry = inboundNote(m.Webhook)
		} else {
			b.OtherFirm = m.From != firm
			b.Note, b.Failed = outboundNote(m)
		}
		t.Bubbles = append(t.Bubbles, b)
	}
	return t
}

// inboundNote says what became of the webhook for a text the phone sent.
func inboundNote(d *Delivery) (note string, failed, retry bool) {
	switch {
	case d == nil || (d.Pending && d.Attempts == 0):
		return "posting to the gateway…", false, false
	case d.Pending:
		return fmt.Sprintf("posting to the gateway again (attempt %d)…", d.Attempts+1), false, false
	case d.OK():
		note = fmt.Sprintf("gateway answered %d", d.Status)
		if d.Attempts > 1 {
			note += fmt.Sprintf(" (attempt %d)", d.Attempts)
		}
		return note, false, true // a retry sends a duplicate, which the gateway must store once
	case d.Status == 0:
		return "gateway unreachable: " + d.Error, true, true
	default:
		return fmt.Sprintf("gateway answered %d: %s", d.Status, d.Error), true, true
	}
}

// outboundNote says where a text the firm sent stands.
func outboundNote(m Message) (string, bool) {
	note := m.Status
	failed := m.Status == "failed" || m.Status == "undelivered"
	if m.ErrorCode != "" {
		note += fmt.Sprintf(" (error %s: %s)", m.ErrorCode, failureMessage(m.ErrorCode))
	}
	if d := m.Webhook; d != nil && !d.Pending && !d.OK() {
		failed = true
		if d.Status == 0 {
			note += fmt.Sprintf(" — status callback %q failed: %s", d.Event, d.Error)
		} else {
			note += fmt.Sprintf(" — status callback %q answered %d: %s", d.Event, d.Status, d.Error)
		}
	}
	return note, failed
}

// phoneSend is POST /send: the phone texts the firm (body and up to ten
// files), then the carrier posts the inbound webhook to the gateway.
func (s *server) phoneSend(c *fiber.Ctx) error {
	v := pageView{Phone: s.set.Phone, Firm: s.set.FirmNumber}
	fail := func(msg string) error {
		if wantsJSON(c) {
			return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": msg})
		}
		v.Error = msg
		return s.renderPage(c, fiber.StatusBadRequest, v)
	}
	var err error
	if v.Phone, err = normalizePhone(c.FormValue("phone", s.set.Phone)); err != nil {
		v.Phone = s.set.Phone
		return fail("This phone: " + err.Error())
	}
	if v.Firm, err = normalizePhone(c.FormValue("to", s.set.FirmNumber)); err != nil {
		v.Firm = s.set.FirmNumber
		return fail("Firm number: " + err.Error())
	}
	body := c.FormValue("body")
	var files []*multipart.FileHeader
	if form, err := c.MultipartForm(); err == nil {
		for _, fh := range form.File["files"] {
			// A file input left empty still sends one nameless, empty part.
			if fh.Filename != "" || fh.Size > 0 {
				files = append(files, fh)
			}
		}
	}
	if strings.TrimSpace(body) == "" && len(files) == 0 {
		return fail("Type a message or attach a file.")
	}
	if len([]rune(body)) > maxBodyChars {
		return fail(fmt.Sprintf("A text holds at most %d characters.", maxBodyChars))
	}
	if len(files) > maxFiles {
		return fail(fmt.Sprintf("An MMS carries at most %d files.", maxFiles))
	}
	declare := strings.TrimSpace(c.FormValue("declare"))

	var media []Media
	for _, fh := range files {
		data, err := readFile(fh)
		if err != nil {
			return fail(fmt.Sprintf("Could not read %s: %v", fh.Filename, err))
		}
		ct := declare
		if ct == "" {
			ct = fh.Header.Get(fiber.HeaderContentType)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		id := newSID("ME")
		s.state.putMedia(id, ct, data)
		media = append(media, Media{URL: s.set.PublicURL + "/media/" + id, ContentType: ct, Filename: fh.Filename})
	}

	sid := s.sendFromPhone(v.Phone, v.Firm, body, media)
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"sid": sid})
	}
	return c.Redirect(pageURL(v.Phone, v.Firm), fiber.StatusSeeOther)
}

// sendFromPhone records a text from phone to firm, applies the carrier's
// opt-out keywords, and posts the inbound webhook in the background.
func (s *server) sendFromPhone(phone, firm, body string, media []Media) string {
	prefix := "SM"
	if len(media) > 0 {
		prefix = "MM"
	}
	m := &Message{
		SID: newSID(prefix), Direction: DirInbound, From: phone, To: firm, Body: body,
		NumSegments: segments(body), Media: media, Status: "received", DateCreated: time.Now().UTC(),
	}
	m.params = url.Values{
		"MessageSid": {m.SID}, "SmsSid": {m.SID}, "SmsMessageSid": {m.SID},
		"AccountSid": {s.set.AccountSID}, "From": {phone}, "To": {firm}, "Body": {body},
		"NumMedia": {strconv.Itoa(len(media))}, "NumSegments": {strconv.Itoa(m.NumSegments)},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	for i, md := range media {
		m.params.Set(fmt.Sprintf("MediaUrl%d", i), md.URL)
		m.params.Set(fmt.Sprintf("MediaContentType%d", i), md.ContentType)
	}
	s.state.add(m)
	// The network enforces opt-out itself and still delivers the keyword to
	// the webhook. YES counts as opt-in here, as on carrier networks.
	switch sms.Classify(body) {
	case sms.KindOptOut:
		s.state.setOptOut(phone, firm, true)
	case sms.KindOptIn, sms.KindYes:
		s.state.setOptOut(phone, firm, false)
	}
	s.log.Info("text from the phone", "sid", m.SID, "from", phone, "to", firm, "media", len(media))
	s.deliverInbound(m.SID)
	return m.SID
}

// deliverInbound posts (or re-posts) a message's inbound webhook in the
// background; the outcome is kept on the message for the page to show.
func (s *server) deliverInbound(sid string) {
	target := s.gatewayMessagesURL()
	s.record(sid, "inbound", &Delivery{URL: target, Pending: true})
	s.goPost(func() {
		s.state.mu.Lock()
		params := s.state.bySID[sid].params
		s.state.mu.Unlock()
		s.record(sid, "inbound", s.post(s.ctx, target, params))
	})
}

// phoneRetry is POST /retry/{sid}: post a text's inbound webhook again, the
// same delivery with the same MessageSid, as a carrier's retry would.
func (s *server) phoneRetry(c *fiber.Ctx) error {
	m, ok := s.state.get(c.Params("sid"))
	if !ok || m.Direction != DirInbound {
		if wantsJSON(c) {
			return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "no such text"})
		}
		return c.Status(fiber.StatusNotFound).SendString("no such text")
	}
	if m.Webhook != nil && m.Webhook.Pending {
		return c.Status(fiber.StatusConflict).JSON(fiber.Map{"error": "a post is already in flight"})
	}
	s.deliverInbound(m.SID)
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"sid": m.SID})
	}
	firm := c.FormValue("to", m.To)
	return c.Redirect(pageURL(m.From, firm), fiber.StatusSeeOther)
}

// media is GET /media/{id}: an upload from the phone, with the type it was
// declared as (which may lie, as a phone's may).
func (s *server) media(c *fiber.Ctx) error {
	b, ok := s.state.getMedia(c.Params("id"))
	if !ok {
		return c.Status(fiber.StatusNotFound).SendString("no such media")
	}
	c.Set(fiber.HeaderContentType, b.contentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(b.data)
}

// apiMessages is GET /api/messages?phone=+1…: the phone's conversation.
func (s *server) apiMessages(c *fiber.Ctx) error {
	phone, err := normalizePhone(c.Query("phone"))
	if err != nil {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "phone: " + err.Error()})
	}
	msgs, _ := s.state.conversation(phone)
	if msgs == nil {
		msgs = []Message{}
	}
	optedOut := s.state.optedOutOf(phone)
	if optedOut == nil {
		optedOut = []string{}
	}
	return c.JSON(fiber.Map{"phone": phone, "opted_out": optedOut, "messages": msgs})
}

func (s *server) gatewayMessagesURL() string {
	return strings.TrimRight(s.set.GatewayURL, "/") + sms.PathTwilioMessages
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// wantsJSON tells the page's script (which asks for JSON) from a plain form post.
func wantsJSON(c *fiber.Ctx) bool {
	return c.Get("X-Requested-With") == "fetch" || strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

func pageURL(phone, firm string) string {
	return "/?" + url.Values{"phone": {phone}, "to": {firm}}.Encode()
}
