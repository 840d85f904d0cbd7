package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

func (e *env) contact(firstName string) models.Contact {
	e.t.Helper()
	var c models.Contact
	require.NoError(e.t, e.db.Where("firm_id = ? AND first_name = ?", e.firm(seed.DemoFirmSlug).ID, firstName).Take(&c).Error)
	return c
}

func (e *env) texts(contactID int64) []models.TextMessage {
	e.t.Helper()
	var out []models.TextMessage
	require.NoError(e.t, e.db.Omit("Media").Where("contact_id = ?", contactID).Order("id").Find(&out).Error)
	return out
}

// inbound stores a received text, as the worker would.
func (e *env) inbound(contactID int64, body string) models.TextMessage {
	e.t.Helper()
	f := e.firm(seed.DemoFirmSlug)
	sid := "SM" + strings.ReplaceAll(body, " ", "")
	m := models.TextMessage{FirmID: f.ID, ContactID: contactID, Direction: "in", Dialect: "twilio", CarrierMessageID: &sid,
		FirmNumber: "+18885550100", ContactNumber: seed.DemoClientPhone, Body: body, Status: models.TextReceived}
	require.NoError(e.t, e.db.Omit("Media").Create(&m).Error)
	return m
}

// sendTasks lists the text:send tasks waiting in the queue.
func sendTasks(t *testing.T, insp *asynq.Inspector) []*asynq.TaskInfo {
	t.Helper()
	pending, err := insp.ListPendingTasks(tasks.QueueCritical)
	if err != nil && !strings.Contains(err.Error(), "does not exist") {
		require.NoError(t, err)
	}
	var out []*asynq.TaskInfo
	for _, ti := range pending {
		if ti.Type == tasks.TypeTextSend {
			out = append(out, ti)
		}
	}
	return out
}

func threadURL(contactID int64) string { return "/staff/texts/contacts/" + itoa(contactID) }

func TestSendText(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	w := buildWorld(t, e)
	e.enableTexting()
	client := e.contact("Casey")
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get(threadURL(client.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `id="send-text"`)
	assert.NotContains(t, r.body, `id="text-blocked"`)

	r = member.post(threadURL(client.ID), url.Values{"body": {"  Your hearing moved to Tuesday.  "}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, threadURL(client.ID), r.Header.Get("Location"))
	texts := e.texts(client.ID)
	require.Len(t, texts, 1)
	txt := texts[0]
	var u models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&u).Error)
	assert.Equal(t, models.TextQueued, txt.Status)
	assert.Equal(t, "out", txt.Direction)
	assert.Equal(t, "Your hearing moved to Tuesday.", txt.Body)
	assert.Equal(t, "twilio", txt.Dialect)
	assert.Equal(t, "+18885550100", txt.FirmNumber)
	assert.Equal(t, seed.DemoClientPhone, txt.ContactNumber)
	assert.Equal(t, u.ID, *txt.SentByUserID)
	assert.Nil(t, txt.CarrierMessageID)

	queued := sendTasks(t, insp)
	require.Len(t, queued, 1, "the row is followed by its send task")
	assert.Equal(t, fmt.Sprintf("text:send:%d:0", txt.ID), queued[0].ID)
	var p tasks.TextSend
	require.NoError(t, json.Unmarshal(queued[0].Payload, &p))
	assert.Equal(t, tasks.TextSend{FirmID: txt.FirmID, TextID: txt.ID}, p)

	// From the page, htmx swaps the thread with the new text in it.
	r = member.post(threadURL(client.ID), url.Values{"body": {"Second text"}}, "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(r.body), `<section class="card thread" id="thread">`), r.body)
	assert.Contains(t, r.body, "Second text")
	assert.Contains(t, r.body, "Queued")
	assert.Len(t, sendTasks(t, insp), 2)

	for _, body := range []string{"", "   ", strings.Repeat("é", 1601)} {
		r = member.post(threadURL(client.ID), url.Values{"body": {body}}, "HX-Request", "true")
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		assert.Contains(t, r.body, `role="alert"`)
	}
	r = member.post(threadURL(client.ID), url.Values{"body": {strings.Repeat("é", 1600)}})
	assert.Equal(t, http.StatusSeeOther, r.StatusCode, "1,600 characters is the limit, not 1,600 bytes")
	assert.Len(t, e.texts(client.ID), 3)

	other := w.otherFirmUser
	otherBrowser := e.signedIn(other)
	assert.Equal(t, http.StatusNotFound, otherBrowser.get(threadURL(client.ID)).StatusCode, "another firm's contact")
	assert.Equal(t, http.StatusNotFound, otherBrowser.get(threadURL(client.ID)+"/messages").StatusCode)
	assert.Equal(t, http.StatusNotFound, otherBrowser.post(threadURL(client.ID), url.Values{"body": {"hi"}}).StatusCode)
	assert.Len(t, e.texts(client.ID), 3)
}

func TestSendTextRefusals(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	client := e.contact("Casey")
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get(threadURL(client.ID))
	assert.Contains(t, r.body, "Texting is off for your firm")
	r = member.post(threadURL(client.ID), url.Values{"body": {"Hi"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "Texting is off for your firm")
	r = member.get("/staff/texts")
	assert.Contains(t, r.body, `id="texting-off"`)
	assert.Contains(t, r.body, "An administrator of your firm can turn it on")

	e.enableTexting()
	f := e.firm(seed.DemoFirmSlug)
	require.NoError(t, e.db.Create(&models.TextOptOut{FirmID: f.ID, FirmNumber: *f.TextingNumber, ContactNumber: seed.DemoClientPhone}).Error)
	r = member.post(threadURL(client.ID), url.Values{"body": {"Hi"}}, "HX-Request", "true")
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "replied STOP")
	assert.Contains(t, r.body, "Hi</textarea>", "the text typed is kept")

	uk := models.Contact{FirmID: f.ID, Kind: models.ContactPerson, FirstName: "Una", LastName: "Abroad",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: f.ID, Number: "+447700900123", Label: "mobile", IsTexting: true}}}
	require.NoError(t, e.db.Create(&uk).Error)
	r = member.post(threadURL(uk.ID), url.Values{"body": {"Hi"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "Only US and Canadian mobile numbers can be texted")

	nobody := models.Contact{FirmID: f.ID, Kind: models.ContactPerson, FirstName: "Nell"}
	require.NoError(t, e.db.Create(&nobody).Error)
	r = member.post(threadURL(nobody.ID), url.Values{"body": {"Hi"}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "Nell has no mobile number to text")

	assert.Empty(t, e.texts(client.ID))
	assert.Empty(t, e.texts(uk.ID))
	assert.Empty(t, sendTasks(t, insp), "nothing refused reaches the queue")
}

var unreadRE = regexp.MustCompile(`<span class="badge" aria-label="(\d+) unread texts">`)

// badge is the unread count the nav shows, or -1 for no badge.
func badge(b *browser) int {
	r := b.get("/staff/texts/badge", "HX-Request", "true")
	require.Equal(b.e.t, http.StatusOK, r.StatusCode, r.body)
	m := unreadRE.FindStringSubmatch(r.body)
	if m == nil {
		require.Empty(b.e.t, strings.TrimSpace(r.body))
		return -1
	}
	n := 0
	fmt.Sscan(m[1], &n)
	return n
}

func TestUnreadTexts(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	admin := e.enableTexting()
	member := e.signedIn(seed.DemoMemberEmail)
	client, related := e.contact("Casey"), e.contact("Robin")
	assert.Equal(t, -1, badge(admin), "nothing unread, no badge")

	e.inbound(client.ID, "photos coming")
	e.inbound(client.ID, "here they are")
	e.inbound(related.ID, "hello from Robin")
	assert.Equal(t, 3, badge(admin))
	assert.Equal(t, 3, badge(member))

	r := member.get("/staff/texts")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `<span class="badge" aria-label="2 unread">2</span>`)
	assert.Less(t, strings.Index(r.body, "Robin Related"), strings.Index(r.body, "Casey Client"), "newest conversation first")

	r = admin.get(threadURL(client.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "here they are")
	assert.Less(t, strings.Index(r.body, "photos coming"), strings.Index(r.body, "here they are"), "oldest first")
	assert.Equal(t, 1, badge(admin), "opening the thread marked it read")
	assert.Equal(t, 3, badge(member), "for that user only")

	// A text arriving while the thread is open shows on the next poll.
	e.inbound(client.ID, "one more")
	assert.Equal(t, 2, badge(admin))
	r = admin.get(threadURL(client.ID)+"/messages", "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(r.body), `<ol class="messages texts" id="texts"`), r.body)
	assert.Contains(t, r.body, "one more")
	assert.Equal(t, 1, badge(admin))

	r = member.post("/staff/settings/notifications", url.Values{})
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, -1, badge(member), "the member turned the badge off")

	r = admin.post("/staff/settings/texting/disable", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode)
	assert.Equal(t, -1, badge(admin), "no badge while texting is off")
	r = admin.get(threadURL(client.ID))
	assert.Contains(t, r.body, "one more", "history stays after texting is turned off")
}

func TestRetryText(t *testing.T) {
	t.Parallel()
	e, insp := textingEnv(t, testPool)
	e.enableTexting()
	client := e.contact("Casey")
	member := e.signedIn(seed.DemoMemberEmail)
	send := func(body, reason string) models.TextMessage {
		r := member.post(threadURL(client.ID), url.Values{"body": {body}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
		texts := e.texts(client.ID)
		txt := texts[len(texts)-1]
		require.NoError(t, e.db.Model(&txt).Omit("Media").Updates(map[string]any{"status": "failed", "failure_reason": reason, "carrier_message_id": "SM" + body}).Error)
		return txt
	}
	temp := send("first", sms.ReasonTemporary)
	dead := send("second", sms.ReasonUnreachable)

	r := member.get(threadURL(client.ID))
	assert.Contains(t, r.body, "Not delivered: Temporary error")
	assert.Contains(t, r.body, "Not delivered: Unreachable number")
	assert.Contains(t, r.body, fmt.Sprintf(`/staff/texts/%d/retry`, temp.ID))
	assert.NotContains(t, r.body, fmt.Sprintf(`/staff/texts/%d/retry`, dead.ID), "no retry for an unreachable number")

	r = member.post(fmt.Sprintf("/staff/texts/%d/retry", dead.ID), nil)
	assert.Equal(t, http.StatusConflict, r.StatusCode)
	r = member.post(fmt.Sprintf("/staff/texts/%d/retry", temp.ID), nil, "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	assert.Contains(t, r.body, `id="texts"`)
	var row models.TextMessage
	require.NoError(t, e.db.Omit("Media").Take(&row, temp.ID).Error)
	assert.Equal(t, models.TextQueued, row.Status)
	assert.Empty(t, row.FailureReason)
	assert.Nil(t, row.CarrierMessageID)
	r = member.post(fmt.Sprintf("/staff/texts/%d/retry", temp.ID), nil)
	assert.Equal(t, http.StatusConflict, r.StatusCode, "a second click finds it queued")

	ids := map[string]bool{}
	for _, ti := range sendTasks(t, insp) {
		ids[ti.ID] = true
	}
	assert.Len(t, ids, 3, "two first attempts and one retry: %v", ids)
	assert.True(t, ids[fmt.Sprintf("text:send:%d:0", temp.ID)])
	assert.True(t, ids[fmt.Sprintf("text:send:%d:0", dead.ID)])

	w := buildWorld(t, e)
	other := e.signedIn(w.otherFirmUser)
	assert.Equal(t, http.StatusNotFound, other.post(fmt.Sprintf("/staff/texts/%d/retry", temp.ID), nil).StatusCode)
}

func TestNewTextPicksContact(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	e.enableTexting()
	client := e.contact("Casey")
	e.inbound(client.ID, "my earlier message")
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get("/staff/texts/new")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.NotContains(t, r.body, "Casey Client", "no list of every contact: a search finds them")
	assert.NotContains(t, r.body, "my earlier message")
	for _, q := range []string{"casey", "Cli", "5550123", "(415) 555-0123", "+14155550123"} {
		r = member.get("/staff/texts/new?q="+url.QueryEscape(q), "HX-Request", "true")
		assert.Contains(t, r.body, fmt.Sprintf(`href="/staff/texts/new?contact=%d"`, client.ID), "typing %q finds Casey", q)
		assert.NotContains(t, r.body, "<html", "a fragment")
	}
	r = member.get("/staff/texts/new?q=robin", "HX-Request", "true")
	assert.Contains(t, r.body, "Robin Related")
	assert.NotContains(t, r.body, "Casey Client")
	r = member.get("/staff/texts/new?q=casey")
	assert.Contains(t, r.body, fmt.Sprintf(`href="/staff/texts/new?contact=%d"`, client.ID), "without JavaScript the search is a page")

	r = member.get(fmt.Sprintf("/staff/texts/new?contact=%d", client.ID), "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(r.body), `<section class="card thread" id="thread">`))
	assert.Contains(t, r.body, "my earlier message", "earlier correspondence shows at once")

	r = member.get(fmt.Sprintf("/staff/texts/new?contact=%d", client.ID))
	assert.Contains(t, r.body, "my earlier message")
	assert.Contains(t, r.body, "Text to Casey Client")
	assert.Equal(t, http.StatusNotFound, member.get("/staff/texts/new?contact=999999").StatusCode)
}

func TestTextMedia(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	e.enableTexting()
	client := e.contact("Casey")
	msg := e.inbound(client.ID, "a picture and a pdf")
	png := []byte("\x89PNG\r\n\x1a\n fake picture bytes")
	obj, err := e.store.Put(context.Background(), bytes.NewReader(png), 0)
	require.NoError(t, err)
	kept := models.TextMedia{FirmID: msg.FirmID, MessageID: msg.ID, Position: 0, URL: "https://carrier/1", DeclaredType: "image/png",
		SniffedType: "image/png", Status: "kept", SizeBytes: obj.Size, SHA256: obj.SHA256, StorageKey: obj.Key}
	refused := models.TextMedia{FirmID: msg.FirmID, MessageID: msg.ID, Position: 1, URL: "https://carrier/2", DeclaredType: "application/pdf",
		Status: "refused", Reason: "PDF files can't be received by text; ask the client to use the portal."}
	require.NoError(t, e.db.Create(&[]*models.TextMedia{&kept, &refused}).Error)

	member := e.signedIn(seed.DemoMemberEmail)
	r := member.get(threadURL(client.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`<img src="/staff/texts/media/%d"`, kept.ID))
	assert.Contains(t, r.body, "PDF files can&#39;t be received by text")

	r = member.get(fmt.Sprintf("/staff/texts/media/%d", kept.ID))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Equal(t, string(png), r.body)
	assert.Equal(t, "image/png", r.Header.Get("Content-Type"))
	assert.Contains(t, r.Header.Get("Content-Disposition"), "inline")
	assert.Equal(t, http.StatusNotFound, member.get(fmt.Sprintf("/staff/texts/media/%d", refused.ID)).StatusCode, "a refused item was never kept")

	w := buildWorld(t, e)
	other := e.signedIn(w.otherFirmUser)
	assert.Equal(t, http.StatusNotFound, other.get(fmt.Sprintf("/staff/texts/media/%d", kept.ID)).StatusCode)
	clientBrowser := e.signedIn(seed.DemoClientEmail)
	r = clientBrowser.get(fmt.Sprintf("/staff/texts/media/%d", kept.ID))
	assert.Equal(t, http.StatusSeeOther, r.StatusCode, "clients never reach staff pages")
}

func TestUnknownTextBecomesContact(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	admin := e.enableTexting()
	f := e.firm(seed.DemoFirmSlug)
	u := models.UnknownText{FirmID: f.ID, Dialect: "twilio", CarrierMessageID: "SMunknown1", FromNumber: "+14155550190", Body: "Hi, this is Dana <Doe>", MediaCount: 1}
	require.NoError(t, e.db.Create(&u).Error)

	member := e.signedIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusNotFound, member.get("/staff/texts/unknown").StatusCode, "administrators only")
	assert.Equal(t, http.StatusNotFound, member.post(fmt.Sprintf("/staff/texts/unknown/%d/contact", u.ID), url.Values{"first_name": {"Dana"}}).StatusCode)

	r := admin.get("/staff/texts/unknown")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "(415) 555-0190")
	assert.Contains(t, r.body, "Hi, this is Dana &lt;Doe&gt;")
	comms := admin.get("/staff/texts").body
	_, conversations, _ := strings.Cut(comms, `id="conversations"`)
	assert.NotContains(t, conversations, "Dana", "unknown texts stay out of conversations")

	r = admin.post(fmt.Sprintf("/staff/texts/unknown/%d/contact", u.ID), url.Values{"first_name": {" "}})
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)

	r = admin.post(fmt.Sprintf("/staff/texts/unknown/%d/contact", u.ID), url.Values{"first_name": {"Dana"}, "last_name": {"Doe"}}, "HX-Request", "true")
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	target := r.Header.Get("HX-Redirect")
	require.True(t, strings.HasPrefix(target, "/staff/texts/contacts/"), target)

	dana := e.contact("Dana")
	assert.Equal(t, threadURL(dana.ID), target)
	var phone models.ContactPhoneNumber
	require.NoError(t, e.db.Where("contact_id = ?", dana.ID).Take(&phone).Error)
	assert.Equal(t, "+14155550190", phone.Number)
	assert.True(t, phone.IsTexting)
	require.NoError(t, e.db.Take(&u, u.ID).Error)
	assert.Equal(t, dana.ID, *u.ContactID)

	r = admin.get(target)
	assert.Contains(t, r.body, "Hi, this is Dana &lt;Doe&gt;", "the text joined the new contact's conversation")
	assert.Contains(t, admin.get("/staff/texts/unknown").body, "Now a contact")
}

// A text from an unknown number is an enquiry: the administrators' badge
// counts it and Communications shows it on top until the sender is made a
// contact or the text dismissed. Members see neither.
func TestEnquiries(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	admin := e.enableTexting()
	member := e.signedIn(seed.DemoMemberEmail)
	f := e.firm(seed.DemoFirmSlug)
	badge := func(b *browser) string {
		r := b.get("/staff/texts/badge")
		require.Equal(t, http.StatusOK, r.StatusCode)
		return strings.TrimSpace(r.body)
	}
	assert.Empty(t, badge(admin))
	assert.NotContains(t, admin.get("/staff/texts").body, `id="enquiries"`)

	unknown := func(sid, from, body string) models.UnknownText {
		u := models.UnknownText{FirmID: f.ID, Dialect: "twilio", CarrierMessageID: sid, FromNumber: from, Body: body}
		require.NoError(t, e.db.Create(&u).Error)
		return u
	}
	dana := unknown("SMenq1", "+14155550190", "Do you take new clients?")
	unknown("SMenq2", "+14155550190", "It is about a car accident.")
	spam := unknown("SMenq3", "+14155550191", "You won a cruise")

	assert.Contains(t, badge(admin), `aria-label="0 unread texts and 3 texts from unknown numbers">3<`)
	assert.Empty(t, badge(member), "members cannot answer enquiries")
	r := admin.get("/staff/texts")
	_, top, _ := strings.Cut(r.body, `id="enquiries"`)
	top, _, _ = strings.Cut(top, `id="conversations"`)
	assert.Contains(t, top, "(415) 555-0190")
	assert.Contains(t, top, "Do you take new clients?")
	assert.Contains(t, top, "Answer or dismiss all 3")
	assert.NotContains(t, member.get("/staff/texts").body, `id="enquiries"`)

	// Dismissing the spam takes it out of the badge; another firm or a
	// member cannot dismiss anything.
	assert.Equal(t, http.StatusNotFound, member.post(fmt.Sprintf("/staff/texts/unknown/%d/dismiss", spam.ID), nil).StatusCode)
	other := e.newFirmAdmin("enquiries")
	assert.Equal(t, http.StatusNotFound, e.signedIn(other).post(fmt.Sprintf("/staff/texts/unknown/%d/dismiss", spam.ID), nil).StatusCode)
	later := unknown("SMenq4", "+14155550191", "Sorry, wrong number. Actually I do need a lawyer.")
	require.Equal(t, http.StatusSeeOther, admin.post(fmt.Sprintf("/staff/texts/unknown/%d/dismiss", spam.ID), nil).StatusCode)
	assert.Contains(t, badge(admin), ">3<", "a text after the dismissed one stays open")
	assert.Contains(t, admin.get("/staff/texts/unknown").body, "Dismissed")
	require.Equal(t, http.StatusSeeOther, admin.post(fmt.Sprintf("/staff/texts/unknown/%d/dismiss", later.ID), nil).StatusCode)
	assert.Contains(t, badge(admin), ">2<")

	// Making Dana a contact answers both of her texts: they are now unread
	// texts of her conversation.
	r = admin.post(fmt.Sprintf("/staff/texts/unknown/%d/contact", dana.ID), url.Values{"first_name": {"Dana"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, `<span class="badge" aria-label="2 unread texts">2</span>`, badge(admin))
	assert.NotContains(t, admin.get("/staff/texts").body, `id="enquiries"`)
}

func TestMatterTexts(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	w := buildWorld(t, e)
	e.enableTexting()
	client, related := e.contact("Casey"), e.contact("Robin")
	e.inbound(client.ID, "from the client")
	e.inbound(related.ID, "from the spouse")
	member := e.signedIn(seed.DemoMemberEmail)

	r := member.get(fmt.Sprintf("/staff/matters/%d/texts", w.m1))
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, fmt.Sprintf(`href="/staff/texts/contacts/%d">Casey Client`, client.ID))
	assert.Contains(t, r.body, fmt.Sprintf(`href="/staff/texts/contacts/%d">Robin Related`, related.ID))
	assert.Contains(t, r.body, "Spouse")
	assert.Contains(t, r.body, "from the spouse")

	assert.Equal(t, http.StatusNotFound, member.get(fmt.Sprintf("/staff/matters/%d/texts", w.m3)).StatusCode, "a matter the member may not see")
	assert.Equal(t, http.StatusNotFound, member.get(fmt.Sprintf("/staff/matters/%d/texts", w.m4)).StatusCode, "another firm's matter")
}
