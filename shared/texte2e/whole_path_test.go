package texte2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

// TestTextingWholePath follows texts through Parley's real programs, the
// way `make run` wires them: the simulated phone texts the firm a photo
// (carrier → gateway → Redis → worker → Postgres, media fetched back from
// the carrier and filed), a firm admin signs in through an emailed link and
// reads it on the staff page, answers from that page (portal → Redis →
// worker → carrier, then signed status callbacks back through the gateway
// until the text is delivered), and once the phone has sent STOP the page
// refuses to text it.
func TestTextingWholePath(t *testing.T) {
	t.Parallel()
	st := startStack(t)
	gdb, smtp, firmID, clientID, matterID := st.db, st.smtp, st.firmID, st.clientID, st.matterID
	portalURL, simURL := st.portalURL, st.simURL
	start := time.Now()

	// (a) Inbound: the client texts a photo from the phone page.
	const inboundBody = "Here is a photo of the dent on the driver door"
	sid := phoneSend(t, simURL, seed.DemoClientPhone, inboundBody, pngBytes(t))
	require.True(t, strings.HasPrefix(sid, "MM"), "an MMS sid starts with MM: %q", sid)

	var textID, mediaID int64
	eventually(t, 30*time.Second, "the inbound text stored, its photo kept and filed", func() string {
		var row struct {
			ID        int64
			ContactID int64
			Body      string
		}
		if err := gdb.Raw(`SELECT id, contact_id, body FROM text_messages
			WHERE firm_id = ? AND dialect = 'twilio' AND direction = 'in' AND carrier_message_id = ?`,
			firmID, sid).Scan(&row).Error; err != nil {
			return err.Error()
		}
		if row.ID == 0 {
			return "no text_messages row for " + sid
		}
		textID = row.ID
		if row.ContactID != clientID || row.Body != inboundBody {
			return fmt.Sprintf("stored as contact %d with body %q", row.ContactID, row.Body)
		}
		var m struct {
			ID          int64
			Status      string
			SniffedType string
			Reason      string
		}
		if err := gdb.Raw(`SELECT id, status, sniffed_type, reason FROM text_media WHERE message_id = ? AND position = 0`, textID).
			Scan(&m).Error; err != nil {
			return err.Error()
		}
		if m.Status != "kept" {
			return fmt.Sprintf("media %d is %q (%s)", m.ID, m.Status, m.Reason)
		}
		mediaID = m.ID
		var docs int64
		if err := gdb.Raw(`SELECT count(*) FROM documents d JOIN folders f ON f.firm_id = d.firm_id AND f.id = d.folder_id
			WHERE d.firm_id = ? AND d.matter_id = ? AND d.text_media_id = ? AND f.name = 'Text messages' AND f.matter_id = ?`,
			firmID, matterID, m.ID, matterID).Scan(&docs).Error; err != nil {
			return err.Error()
		}
		if docs != 1 {
			return fmt.Sprintf("%d documents of media %d in the matter's \"Text messages\" folder", docs, m.ID)
		}
		return ""
	})
	t.Logf("inbound MMS stored and filed %s after it was sent", time.Since(start).Round(time.Millisecond))

	// A firm admin signs in the real way and opens the client's thread.
	staff := signIn(t, portalURL, smtp, seed.DemoAdminEmail)
	threadURL := fmt.Sprintf("%s/staff/texts/contacts/%d", portalURL, clientID)
	page := getPage(t, staff, threadURL)
	assert.Contains(t, page, inboundBody, "the thread shows the inbound text")
	assert.Contains(t, page, fmt.Sprintf(`src="/staff/texts/media/%d"`, mediaID), "the thread shows the photo inline")
	media := getBytes(t, staff, fmt.Sprintf("%s/staff/texts/media/%d", portalURL, mediaID))
	assert.Equal(t, pngBytes(t), media, "the kept photo is the one the phone sent")

	// (b) Outbound: answer from the thread's form.
	const reply = "Thanks Casey, we got the photo and will send it to the insurer today"
	resp := postForm(t, staff, threadURL, url.Values{"_csrf": {csrfOf(t, page)}, "body": {reply}})
	require.Equal(t, http.StatusOK, resp.status, "sending a text: %s", resp.body)
	require.Equal(t, threadURL, resp.url, "a sent text goes back to the thread")
	assert.Contains(t, resp.body, reply)

	eventually(t, 30*time.Second, "the firm's text on the phone", func() string {
		for _, m := range phoneMessages(t, simURL, seed.DemoClientPhone).Messages {
			if m.Direction == "outbound-api" && m.Body == reply {
				if m.From != firmNumber {
					return "the text came from " + m.From
				}
				return ""
			}
		}
		return "not on the phone yet"
	})
	eventually(t, 30*time.Second, "the firm's text delivered", func() string {
		var row struct {
			Status           string
			CarrierMessageID *string
			FailureReason    string
		}
		if err := gdb.Raw(`SELECT status, carrier_message_id, failure_reason FROM text_messages
			WHERE firm_id = ? AND contact_id = ? AND direction = 'out' AND body = ?`, firmID, clientID, reply).Scan(&row).Error; err != nil {
			return err.Error()
		}
		if row.Status != "delivered" {
			return fmt.Sprintf("status %q %s", row.Status, row.FailureReason)
		}
		if row.CarrierMessageID == nil || !strings.HasPrefix(*row.CarrierMessageID, "SM") {
			return fmt.Sprintf("carrier id %v", row.CarrierMessageID)
		}
		return ""
	})
	assert.Contains(t, getPage(t, staff, threadURL), "Delivered", "the thread shows the delivery")
	t.Logf("reply delivered %s after the inbound text was sent", time.Since(start).Round(time.Millisecond))

	// (c) STOP from the phone: Parley records the opt-out and refuses to send.
	stopSID := phoneSend(t, simURL, seed.DemoClientPhone, "Stop", nil)
	eventually(t, 30*time.Second, "the opt-out recorded", func() string {
		var n int64
		if err := gdb.Raw(`SELECT count(*) FROM text_opt_outs WHERE firm_id = ? AND firm_number = ? AND contact_number = ?`,
			firmID, firmNumber, seed.DemoClientPhone).Scan(&n).Error; err != nil {
			return err.Error()
		}
		if n != 1 {
			return "no opt-out row"
		}
		return ""
	})
	var stored int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM text_messages WHERE carrier_message_id = ?`, stopSID).Scan(&stored).Error)
	assert.EqualValues(t, 1, stored, "the STOP text itself joins the conversation")

	const optedOut = "This contact replied STOP to your firm's number, so Parley will not text them."
	page = getPage(t, staff, threadURL)
	assert.Contains(t, page, optedOut, "the thread says why it cannot text")
	assert.Regexp(t, `<textarea id="text-body"[^>]* disabled`, page, "the form is off")
	resp = postForm(t, staff, threadURL, url.Values{"_csrf": {csrfOf(t, page)}, "body": {"Are you still there?"}})
	assert.Equal(t, http.StatusUnprocessableEntity, resp.status)
	assert.Contains(t, resp.body, optedOut)
	var outs int64
	require.NoError(t, gdb.Raw(`SELECT count(*) FROM text_messages WHERE firm_id = ? AND direction = 'out'`, firmID).Scan(&outs).Error)
	assert.EqualValues(t, 1, outs, "only the delivered reply was recorded as outbound")
	for _, m := range phoneMessages(t, simURL, seed.DemoClientPhone).Messages {
		assert.NotEqual(t, "Are you still there?", m.Body, "a refused text reached the carrier")
	}
}

// eventually polls check (which returns "" when satisfied, or what it saw)
// until it is satisfied or timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		last := check()
		if last == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last: %s)", what, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pngBytes is a small, valid PNG: the worker sniffs the bytes, so it must
// really be one.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{R: uint8(x * 30), G: uint8(y * 30), B: 120, A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// phoneSend texts the firm from the simulator's phone form (POST /send, as
// the page does), with an optional PNG, and returns the message's sid.
func phoneSend(t *testing.T, simURL, phone, body string, pngFile []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	require.NoError(t, w.WriteField("phone", phone))
	require.NoError(t, w.WriteField("to", firmNumber))
	require.NoError(t, w.WriteField("body", body))
	if pngFile != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename="dent.png"`)
		h.Set("Content-Type", "image/png")
		part, err := w.CreatePart(h)
		require.NoError(t, err)
		_, err = part.Write(pngFile)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, simURL+"/send", &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "phone send: %s", b)
	var out struct{ SID string }
	require.NoError(t, json.Unmarshal(b, &out), "phone send: %s", b)
	require.NotEmpty(t, out.SID)
	return out.SID
}

// simConversation is the simulator's GET /api/messages answer.
type simConversation struct {
	OptedOut []string `json:"opted_out"`
	Messages []struct {
		SID       string `json:"sid"`
		Direction string `json:"direction"`
		From      string `json:"from"`
		Body      string `json:"body"`
		Status    string `json:"status"`
	} `json:"messages"`
}

func phoneMessages(t *testing.T, simURL, phone string) simConversation {
	t.Helper()
	resp, err := http.Get(simURL + "/api/messages?phone=" + url.QueryEscape(phone))
	require.NoError(t, err)
	defer resp.Body.Close()
	var c simConversation
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&c))
	return c
}

var (
	csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	linkRe = regexp.MustCompile(`/login/link/[A-Za-z0-9_-]+`)
)

// csrfOf is the form token a page carries.
func csrfOf(t testing.TB, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	require.NotNil(t, m, "no _csrf field on the page")
	return html.UnescapeString(m[1])
}

// signIn signs in as a browser would: ask for a link (with the form's
// token and its cookie), read it from the email, open it and continue.
// The returned client carries the session cookie.
func signIn(t testing.TB, portalURL string, smtp *testkit.SMTPServer, email string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}

	login := getPage(t, c, portalURL+"/login")
	resp := postForm(t, c, portalURL+"/login", url.Values{"_csrf": {csrfOf(t, login)}, "email": {email}})
	require.Equal(t, http.StatusOK, resp.status, "asking for a link: %s", resp.body)
	require.True(t, strings.HasPrefix(resp.url, portalURL+"/login/sent"), "asked for a link, landed on %s", resp.url)

	mail := smtp.WaitFor(t, email, 30*time.Second)
	path := linkRe.FindString(mail.Body)
	require.NotEmpty(t, path, "no sign-in link in the email:\n%s", mail.Body)
	require.Contains(t, mail.Body, portalURL+path, "the link points at PUBLIC_URL")

	link := getPage(t, c, portalURL+path)
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(link)
	require.NotNil(t, token, "no Continue form on the link page:\n%s", link)
	resp = postForm(t, c, portalURL+"/login/link", url.Values{"_csrf": {csrfOf(t, link)}, "token": {html.UnescapeString(token[1])}})
	require.Equal(t, http.StatusOK, resp.status, "continuing: %s", resp.body)
	require.True(t, strings.HasPrefix(resp.url, portalURL+"/staff"), "signed in, landed on %s", resp.url)
	return c
}

// getPage GETs a page that must answer 200 and returns it, HTML entities
// decoded so assertions can use plain text.
func getPage(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	return html.UnescapeString(string(getBytes(t, c, u)))
}

func getBytes(t testing.TB, c *http.Client, u string) []byte {
	t.Helper()
	resp, err := c.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", u, b)
	return b
}

// answer is where a form post ended up, after redirects.
type answer struct {
	status int
	url    string
	body   string // HTML entities decoded
}

func postForm(t testing.TB, c *http.Client, u string, form url.Values) answer {
	t.Helper()
	resp, err := c.PostForm(u, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{status: resp.StatusCode, url: resp.Request.URL.String(), body: html.UnescapeString(string(b))}
}
