package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/stores"
)

type apiLead struct {
	ID          int64
	FirstName   string  `json:"first_name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
	State       string
	FromSource  string `json:"from_source"`
	FromMessage string `json:"from_message"`
}

func leadID(l apiLead) int64 { return l.ID }

// receive hands a text to the texting store as the worker does.
func (e *env) receive(sid, from, body string, kind sms.Kind) {
	e.t.Helper()
	f := e.firm(seed.DemoFirmSlug)
	_, err := stores.New(e.db).Texting.Receive(context.Background(), sms.Inbound{Dialect: "twilio", MessageID: sid, FirmID: f.ID,
		From: from, To: "+18885550100", Body: body, Kind: kind})
	require.NoError(e.t, err)
}

// Inbox leads through the API: created with a name, an email or a number
// (kept in E.164), listed by state and search, read one at a time; each
// field refused by name.
func TestAPIInboxLeads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	api := e.api(seed.DemoMemberEmail)
	r := api.call(http.MethodPost, "/api/v1/inbox_leads", map[string]any{"data": map[string]any{
		"first_name": "Jane", "last_name": "Smith", "email": "Jane@Example.com", "phone_number": "(415) 555-0199",
		"from_message": "I'm interested in your services", "from_source": "website_chat"}})
	require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
	var made struct{ Data apiLead }
	require.NoError(t, json.Unmarshal([]byte(r.body), &made))
	jane := made.Data
	assert.Equal(t, "untriaged", jane.State)
	require.NotNil(t, jane.Email)
	assert.Equal(t, "jane@example.com", *jane.Email)
	require.NotNil(t, jane.PhoneNumber)
	assert.Equal(t, "+14155550199", *jane.PhoneNumber)

	r = api.call(http.MethodPost, "/api/v1/inbox_leads", map[string]any{"data": map[string]any{"email": "only@example.com", "from_source": "intake_form"}})
	require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
	var onlyEmail struct{ Data apiLead }
	require.NoError(t, json.Unmarshal([]byte(r.body), &onlyEmail))
	assert.Nil(t, onlyEmail.Data.PhoneNumber, "null when not given")

	for _, tt := range []struct {
		data  map[string]any
		field string
	}{
		{map[string]any{"from_source": "website_chat"}, "data.first_name"},
		{map[string]any{"first_name": "Jo", "phone_number": "12", "from_source": "website_chat"}, "data.phone_number"},
		{map[string]any{"first_name": "Jo", "email": "not-an-address", "from_source": "website_chat"}, "data.email"},
		{map[string]any{"first_name": "Jo", "from_source": "Website Chat"}, "data.from_source"},
		{map[string]any{"first_name": "Jo", "from_source": "text_message"}, "data.from_source"},
		{map[string]any{"first_name": "Jo"}, "data.from_source"},
		{map[string]any{"first_name": strings.Repeat("J", 101), "from_source": "x"}, "data.first_name"},
	} {
		api.fails(http.MethodPost, "/api/v1/inbox_leads", map[string]any{"data": tt.data}, http.StatusUnprocessableEntity, "invalid_body", tt.field)
	}

	var list apiPage[apiLead]
	api.get("/api/v1/inbox_leads?state=untriaged", &list)
	require.Len(t, list.Data, 3, "the demo firm's website lead and these two")
	assert.Equal(t, []int64{jane.ID, onlyEmail.Data.ID}, ids(list.Data[1:], leadID))
	for _, q := range []string{"jane", "SMITH", "example.com", "5550199", "415-555-0199"} {
		api.get("/api/v1/inbox_leads?state=untriaged&query="+url.QueryEscape(q), &list)
		assert.Contains(t, ids(list.Data, leadID), jane.ID, q)
	}
	api.get("/api/v1/inbox_leads?state=untriaged&query=nobody", &list)
	assert.Empty(t, list.Data)
	api.get("/api/v1/inbox_leads?state=ignored", &list)
	assert.Empty(t, list.Data)
	api.fails(http.MethodGet, "/api/v1/inbox_leads", nil, http.StatusBadRequest, "invalid_request", "state")
	api.fails(http.MethodGet, "/api/v1/inbox_leads?state=converted", nil, http.StatusBadRequest, "invalid_request", "state")

	var one struct{ Data apiLead }
	api.get(fmt.Sprintf("/api/v1/inbox_leads/%d", jane.ID), &one)
	assert.Equal(t, "I'm interested in your services", one.Data.FromMessage)
	assert.Equal(t, "website_chat", one.Data.FromSource)
	elsewhere := e.api(e.newFirmAdmin("otherleads"))
	elsewhere.fails(http.MethodGet, fmt.Sprintf("/api/v1/inbox_leads/%d", jane.ID), nil, http.StatusNotFound, "not_found", "")
	elsewhere.get("/api/v1/inbox_leads?state=untriaged", &list)
	assert.Empty(t, list.Data, "another firm's Inbox is its own")
}

// A number that is no contact texting the firm becomes one untriaged lead
// (STOP and HELP do not); a user ignores and restores it, then opens a
// matter for it: the texter becomes the client, their texts join the
// client's conversation, and the matter answers to inbox_lead_id.
func TestInboxTriage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const dana = "+14155550190"
	e.receive("SMlead1", dana, "Hello, I was in a car accident <help>", sms.KindText)
	e.receive("SMlead2", dana, "Can someone call me?", sms.KindText)
	e.receive("SMstop", "+14155550191", "STOP", sms.KindOptOut)
	e.receive("SMhelp", "+14155550192", "HELP", sms.KindHelp)
	api := e.api(seed.DemoMemberEmail)
	var list apiPage[apiLead]
	api.get("/api/v1/inbox_leads?state=untriaged&query=55501", &list)
	require.Len(t, list.Data, 2, "the demo lead (…0142) and one lead for Dana's number; opting out or asking for help is no enquiry")
	lead := list.Data[1]
	assert.Equal(t, "text_message", lead.FromSource)
	assert.Equal(t, "Hello, I was in a car accident <help>", lead.FromMessage, "the first text")
	require.NotNil(t, lead.PhoneNumber)
	assert.Equal(t, dana, *lead.PhoneNumber)

	member := e.signedIn(seed.DemoMemberEmail)
	page := member.get("/staff/inbox")
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.body, `<a href="/staff/inbox" aria-current="page">Inbox</a>`)
	assert.Contains(t, page.body, fmt.Sprintf(`href="/staff/inbox/%d"`, lead.ID))
	page = member.get(fmt.Sprintf("/staff/inbox/%d", lead.ID))
	assert.Contains(t, page.body, "Can someone call me?", "the lead's texts")
	assert.Contains(t, page.body, "car accident &lt;help&gt;")

	r := member.post(fmt.Sprintf("/staff/inbox/%d/ignore", lead.ID), nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	api.get("/api/v1/inbox_leads?state=ignored", &list)
	assert.Equal(t, []int64{lead.ID}, ids(list.Data, leadID))
	assert.NotContains(t, member.get("/staff/inbox").body, fmt.Sprintf(`href="/staff/inbox/%d"`, lead.ID))
	assert.Contains(t, member.get("/staff/inbox?state=ignored").body, fmt.Sprintf(`href="/staff/inbox/%d"`, lead.ID))
	e.receive("SMlead3", dana, "Hello?", sms.KindText)
	api.get("/api/v1/inbox_leads?state=ignored", &list)
	assert.Equal(t, []int64{lead.ID}, ids(list.Data, leadID), "a later text attaches to the ignored lead")
	member.get(fmt.Sprintf("/staff/inbox/%d", lead.ID))
	r = member.post(fmt.Sprintf("/staff/inbox/%d/restore", lead.ID), nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)

	form := member.get(fmt.Sprintf("/staff/inbox/%d/convert", lead.ID))
	require.Equal(t, http.StatusOK, form.StatusCode)
	assert.Contains(t, form.body, fmt.Sprintf(`action="/staff/inbox/%d/convert"`, lead.ID))
	assert.Contains(t, form.body, `value="(415) 555-0190"`, "the new client's number comes from the lead")
	fields := url.Values{"description": {"Dana v. Acme (car accident)"}, "category": {"open"}, "permission": {"everyone"},
		"opened_on": {"2026-12-01"}, "new_client": {"1"}, "new_client_kind": {"person"}, "new_client_first_name": {"Dana"},
		"new_client_last_name": {"Doe"}, "new_client_phone": {dana}, "new_client_texting": {"1"}}
	bad := url.Values{}
	for k, v := range fields {
		bad[k] = v
	}
	bad.Set("description", "")
	r = member.post(fmt.Sprintf("/staff/inbox/%d/convert", lead.ID), bad)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "nothing saved on a field error")
	r = member.post(fmt.Sprintf("/staff/inbox/%d/convert", lead.ID), fields)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)

	var m models.Matter
	require.NoError(t, e.db.Where("inbox_lead_id = ?", lead.ID).Take(&m).Error)
	assert.Equal(t, "Dana v. Acme (car accident)", m.Description)
	assert.Equal(t, fmt.Sprintf("/staff/matters/%d", m.ID), r.Header.Get("Location"))
	var l models.InboxLead
	require.NoError(t, e.db.Take(&l, lead.ID).Error)
	assert.Equal(t, models.LeadConverted, l.State)
	assert.Equal(t, m.ID, *l.MatterID)
	assert.Equal(t, m.ClientContactID, *l.ContactID)
	assert.Len(t, e.texts(m.ClientContactID), 3, "the texts joined the client's conversation")

	var matters apiPage[apiMatter]
	api.get(fmt.Sprintf("/api/v1/matters?inbox_lead_id=%d", lead.ID), &matters)
	assert.Equal(t, []int64{m.ID}, ids(matters.Data, matterID))
	api.get("/api/v1/matters?submitted_only=true", &matters)
	assert.Empty(t, matters.Data, "no lead of this token's")
	var conv struct{ Data apiLead }
	api.get(fmt.Sprintf("/api/v1/inbox_leads/%d", lead.ID), &conv)
	assert.Equal(t, "converted", conv.Data.State)

	assert.Equal(t, http.StatusConflict, member.post(fmt.Sprintf("/staff/inbox/%d/convert", lead.ID), fields).StatusCode, "converted once")
	assert.Equal(t, http.StatusConflict, member.post(fmt.Sprintf("/staff/inbox/%d/ignore", lead.ID), nil).StatusCode)
	e.receive("SMlead4", dana, "Thanks!", sms.KindText)
	api.get("/api/v1/inbox_leads?state=untriaged&query=5550190", &list)
	assert.Empty(t, list.Data, "the client's texts are a conversation now, not a lead")
	assert.Len(t, e.texts(m.ClientContactID), 4)

	// Dismissing a number's texts in Communications ignores its lead.
	e.receive("SMspam", "+14155550193", "You won a prize", sms.KindText)
	var spam models.UnknownText
	require.NoError(t, e.db.Where("carrier_message_id = ?", "SMspam").Take(&spam).Error)
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/texts/unknown")
	require.Equal(t, http.StatusSeeOther, admin.post(fmt.Sprintf("/staff/texts/unknown/%d/dismiss", spam.ID), nil).StatusCode)
	api.get("/api/v1/inbox_leads?state=ignored&query=5550193", &list)
	assert.Len(t, list.Data, 1)
}

// submitted_only keeps the matters opened from the calling token's leads.
func TestAPISubmittedOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	mine, other := e.api(seed.DemoAdminEmail), e.api(seed.DemoAdminEmail)
	made := func(a *apiClient, name string) int64 {
		r := a.call(http.MethodPost, "/api/v1/inbox_leads", map[string]any{"data": map[string]any{"first_name": name, "from_source": "intake_form"}})
		require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
		var out struct{ Data apiLead }
		require.NoError(t, json.Unmarshal([]byte(r.body), &out))
		return out.Data.ID
	}
	admin := e.signedIn(seed.DemoAdminEmail)
	convert := func(lead int64, name string) {
		admin.get(fmt.Sprintf("/staff/inbox/%d/convert", lead))
		r := admin.post(fmt.Sprintf("/staff/inbox/%d/convert", lead), url.Values{"description": {name + "'s matter"}, "category": {"open"},
			"permission": {"everyone"}, "opened_on": {"2026-12-01"}, "new_client": {"1"}, "new_client_kind": {"person"}, "new_client_first_name": {name}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	}
	a, b := made(mine, "Ann"), made(other, "Ben")
	convert(a, "Ann")
	convert(b, "Ben")
	var list apiPage[apiMatter]
	mine.get("/api/v1/matters?submitted_only=true", &list)
	require.Len(t, list.Data, 1)
	var ann models.Matter
	require.NoError(t, e.db.Where("inbox_lead_id = ?", a).Take(&ann).Error)
	assert.Equal(t, ann.ID, list.Data[0].ID)
	mine.get("/api/v1/matters?submitted_only=false", &list)
	assert.Len(t, list.Data, 3, "the demo matter and both")
}
