package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/apitokens"
)

// apiClient calls the API with a token, as an integration would, and holds
// every answer to the OpenAPI document: its status must be one the
// document lists for the route, and its body must match that answer's
// schema.
type apiClient struct {
	t      *testing.T
	b      *browser
	token  string
	router routers.Router
}

var ulidRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func (e *env) api(email string) *apiClient {
	e.t.Helper()
	token, _, err := (&apitokens.Store{DB: e.db}).CreateForEmail(context.Background(), email, "test "+email)
	require.NoError(e.t, err)
	doc, _, err := spec.Load(context.Background())
	require.NoError(e.t, err)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(e.t, err)
	return &apiClient{t: e.t, b: e.browser(), token: token, router: router}
}

// call sends a request (body as JSON when not nil) and checks the answer
// against the document.
func (a *apiClient) call(method, path string, body any) response {
	a.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(a.t, err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	r := a.b.do(req)
	assert.Equal(a.t, "application/json", strings.Split(r.Header.Get("Content-Type"), ";")[0], "%s %s: JSON, always", method, path)

	check := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if body != nil {
		check.Header.Set("Content-Type", "application/json")
	}
	route, params, err := a.router.FindRoute(check)
	if err != nil {
		// Not a route of the document: the one error shape, and nothing
		// to hold it to.
		assert.Contains(a.t, r.body, `{"error":{`, "%s %s", method, path)
		return r
	}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route},
		Status:                 r.StatusCode, Header: r.Header, Body: io.NopCloser(strings.NewReader(r.body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	assert.NoError(a.t, err, "%s %s answered %d as the document says: %s", method, path, r.StatusCode, r.body)
	return r
}

// get calls GET path and decodes a 200's body into out.
func (a *apiClient) get(path string, out any) response {
	a.t.Helper()
	r := a.call(http.MethodGet, path, nil)
	require.Equal(a.t, http.StatusOK, r.StatusCode, "GET %s: %s", path, r.body)
	require.NoError(a.t, json.Unmarshal([]byte(r.body), out), r.body)
	return r
}

// fails calls path and expects an error of status, type and field.
func (a *apiClient) fails(method, path string, body any, status int, typ, field string) apiError {
	a.t.Helper()
	r := a.call(method, path, body)
	require.Equal(a.t, status, r.StatusCode, "%s %s: %s", method, path, r.body)
	var ae apiError
	require.NoError(a.t, json.Unmarshal([]byte(r.body), &ae), r.body)
	assert.Equal(a.t, typ, ae.Error.Type, "%s %s", method, path)
	assert.Equal(a.t, field, ae.Error.Field, "%s %s", method, path)
	assert.NotEmpty(a.t, ae.Error.Message)
	return ae
}

type apiContact struct {
	ID           int64
	GlobalID     string `json:"global_id"`
	ClioID       *int64 `json:"clio_id"`
	Name         string
	FirstName    string `json:"first_name"`
	Type         string
	Emails       []string
	PhoneNumbers []string `json:"phone_numbers"`
	Matters      []struct{ ID int64 }
	Addresses    []struct{ Street, City, Province, Country string }
}

type apiMatterContact struct {
	ID           int64
	FullName     string  `json:"full_name"`
	PhoneNumber  *string `json:"phone_number"`
	PrimaryEmail *string `json:"primary_email"`
	Address      *struct{ City string }
}

type apiMatter struct {
	ID                        int64
	DisplayNumber             string `json:"display_number"`
	GlobalID                  string `json:"global_id"`
	Type, Status              string
	StatusCategory            string            `json:"status_category"`
	FirstAppointmentCreatedAt *time.Time        `json:"first_appointment_created_at"`
	CreatedAt                 time.Time         `json:"created_at"`
	Client                    apiMatterContact  `json:"client"`
	PrimaryContact            *apiMatterContact `json:"primary_contact"`
}

type apiPage[T any] struct {
	Data []T
	Meta struct{ Paging struct{ Next *string } }
}

func ids[T any](rows []T, id func(T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out
}

func contactID(c apiContact) int64 { return c.ID }
func matterID(m apiMatter) int64   { return m.ID }

// Contacts as the reference has them; a contact's matters are only those
// the caller may view; a search finds a number typed any way; another
// firm's contact is a 404.
func TestAPIContacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member, admin := e.api(seed.DemoMemberEmail), e.api(seed.DemoAdminEmail)
	sam, secret := e.secretOnlyContact()
	casey := e.contact("Casey")
	var demo models.Matter
	require.NoError(t, e.db.Where("firm_id = ? AND number = ?", casey.FirmID, "00001").Take(&demo).Error)

	var all apiPage[apiContact]
	member.get("/api/v1/contacts", &all)
	require.Len(t, all.Data, 3, "Casey, Robin and Sam")
	assert.Nil(t, all.Meta.Paging.Next)
	c := all.Data[slices.IndexFunc(all.Data, func(c apiContact) bool { return c.ID == casey.ID })]
	assert.Regexp(t, ulidRE, c.GlobalID)
	assert.Nil(t, c.ClioID)
	assert.Equal(t, "Casey Client", c.Name)
	assert.Equal(t, "Person", c.Type)
	assert.Equal(t, []string{seed.DemoClientEmail}, c.Emails)
	assert.Equal(t, []string{seed.DemoClientPhone}, c.PhoneNumbers)
	require.Len(t, c.Addresses, 1)
	assert.Equal(t, "San Francisco", c.Addresses[0].City)
	assert.Equal(t, []int64{demo.ID}, ids(c.Matters, func(m struct{ ID int64 }) int64 { return m.ID }),
		"the member does not see the restricted matter Casey is a witness on")
	var one struct{ Data apiContact }
	admin.get(fmt.Sprintf("/api/v1/contacts/%d", casey.ID), &one)
	assert.Equal(t, []int64{demo.ID, secret.ID}, ids(one.Data.Matters, func(m struct{ ID int64 }) int64 { return m.ID }), "an admin sees both")
	assert.Equal(t, c.GlobalID, one.Data.GlobalID, "fixed")
	member.get(fmt.Sprintf("/api/v1/contacts/%d", sam.ID), &one)
	assert.Empty(t, one.Data.Matters, "Sam's one matter is hidden from the member, Sam is not")
	assert.NotEqual(t, c.GlobalID, one.Data.GlobalID)

	// Short words are read from their bucket in ID order; longer ones as a range.
	for _, q := range []string{"5550123", "(415) 555-0123", "+14155550123", "415.555.0123", "casey", "client@demo", "Client", "cas", "clie"} {
		var found apiPage[apiContact]
		member.get("/api/v1/contacts?query="+url.QueryEscape(q), &found)
		assert.Equal(t, []int64{casey.ID}, ids(found.Data, contactID), q)
	}
	var none apiPage[apiContact]
	member.get("/api/v1/contacts?query=nobody", &none)
	assert.Empty(t, none.Data)

	other := e.firm(e.newFirmAdminSlug("othercontacts"))
	stranger := models.Contact{FirmID: other.ID, Kind: models.ContactPerson, FirstName: "Casey", LastName: "Stranger"}
	require.NoError(t, e.db.Create(&stranger).Error)
	member.fails(http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", stranger.ID), nil, http.StatusNotFound, "not_found", "")
	for _, q := range []string{"casey", "case"} {
		member.get("/api/v1/contacts?query="+q, &all)
		assert.Equal(t, []int64{casey.ID}, ids(all.Data, contactID), "never another firm's: %s", q)
	}
	// A short word's search pages by ID like the rest.
	var quills []int64
	for i := range 5 {
		q := models.Contact{FirmID: casey.FirmID, Kind: models.ContactPerson, FirstName: fmt.Sprintf("Quill%d", i), LastName: "Paged"}
		require.NoError(t, e.db.Create(&q).Error)
		quills = append(quills, q.ID)
	}
	var paged []int64
	for next := "/api/v1/contacts?query=quil&limit=2"; next != ""; {
		var page apiPage[apiContact]
		member.get(next, &page)
		paged = append(paged, ids(page.Data, contactID)...)
		next = ""
		if page.Meta.Paging.Next != nil {
			next = "/api/v1/contacts?query=quil&limit=2&page_token=" + url.QueryEscape(*page.Meta.Paging.Next)
		}
	}
	assert.Equal(t, quills, paged)
	member.get(fmt.Sprintf("/api/v1/contacts?ids[]=%d&ids[]=%d", stranger.ID, sam.ID), &all)
	assert.Equal(t, []int64{sam.ID}, ids(all.Data, contactID))
	member.fails(http.MethodGet, "/api/v1/contacts/999999999", nil, http.StatusNotFound, "not_found", "")
	member.fails(http.MethodGet, "/api/v1/contacts/abc", nil, http.StatusBadRequest, "invalid_request", "id")
	member.fails(http.MethodGet, "/api/v1/contacts?query="+strings.Repeat("a", 201), nil, http.StatusBadRequest, "invalid_request", "query")
	member.fails(http.MethodDelete, fmt.Sprintf("/api/v1/contacts/%d", casey.ID), nil, http.StatusMethodNotAllowed, "method_not_allowed", "")
}

// newFirmAdminSlug adds a firm with one admin and returns its slug.
func (e *env) newFirmAdminSlug(slug string) string {
	e.newFirmAdmin(slug)
	return slug
}

// Matters: only those the caller may view, with client and primary
// contact as objects; created_since includes its own second.
func TestAPIMatters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member, admin := e.api(seed.DemoMemberEmail), e.api(seed.DemoAdminEmail)
	_, secret := e.secretOnlyContact()
	casey := e.contact("Casey")

	var list apiPage[apiMatter]
	member.get("/api/v1/matters", &list)
	require.Len(t, list.Data, 1, "the restricted matter is not the member's")
	m := list.Data[0]
	assert.Equal(t, "00001", m.DisplayNumber)
	assert.Regexp(t, ulidRE, m.GlobalID)
	assert.Equal(t, "Personal injury", m.Type)
	assert.Equal(t, "Discovery", m.Status)
	assert.Equal(t, "open", m.StatusCategory)
	assert.NotNil(t, m.FirstAppointmentCreatedAt, "the demo matter has a meeting")
	assert.Equal(t, casey.ID, m.Client.ID)
	assert.Equal(t, "Casey Client", m.Client.FullName)
	require.NotNil(t, m.Client.PhoneNumber)
	assert.Equal(t, seed.DemoClientPhone, *m.Client.PhoneNumber)
	require.NotNil(t, m.Client.PrimaryEmail)
	assert.Equal(t, seed.DemoClientEmail, *m.Client.PrimaryEmail)
	require.NotNil(t, m.Client.Address)
	assert.Equal(t, "San Francisco", m.Client.Address.City)
	require.NotNil(t, m.PrimaryContact)
	assert.Equal(t, casey.ID, m.PrimaryContact.ID)

	admin.get("/api/v1/matters", &list)
	assert.Equal(t, []int64{m.ID, secret.ID}, ids(list.Data, matterID))
	var one struct{ Data apiMatter }
	admin.get(fmt.Sprintf("/api/v1/matters/%d", secret.ID), &one)
	assert.Nil(t, one.Data.PrimaryContact)
	assert.Nil(t, one.Data.FirstAppointmentCreatedAt)
	assert.Nil(t, one.Data.Client.PhoneNumber, "Sam has no number")
	member.fails(http.MethodGet, fmt.Sprintf("/api/v1/matters/%d", secret.ID), nil, http.StatusNotFound, "not_found", "")
	member.get(fmt.Sprintf("/api/v1/matters?ids[]=%d", secret.ID), &list)
	assert.Empty(t, list.Data)

	// Another firm's matter is not found, whoever asks.
	other := e.firm(e.newFirmAdminSlug("othermatters"))
	them := models.Contact{FirmID: other.ID, Kind: models.ContactCompany, CompanyName: "Elsewhere Inc"}
	require.NoError(t, e.db.Create(&them).Error)
	theirs := models.Matter{FirmID: other.ID, Number: "X-1", Description: "Theirs", StatusCategory: models.StatusOpen,
		ClientContactID: them.ID, Permission: models.PermissionEveryone}
	require.NoError(t, e.db.Create(&theirs).Error)
	admin.fails(http.MethodGet, fmt.Sprintf("/api/v1/matters/%d", theirs.ID), nil, http.StatusNotFound, "not_found", "")

	// created_since and updated_since include the second they name.
	admin.get(fmt.Sprintf("/api/v1/matters/%d", secret.ID), &one)
	at := one.Data.CreatedAt
	for _, tt := range []struct {
		since time.Time
		want  bool
	}{{at, true}, {at.Add(time.Second), false}, {at.Add(-time.Second), true}} {
		for _, param := range []string{"created_since", "updated_since"} {
			admin.get("/api/v1/matters?"+param+"="+url.QueryEscape(tt.since.Format(time.RFC3339)), &list)
			assert.Equal(t, tt.want, slices.Contains(ids(list.Data, matterID), secret.ID), "%s=%s", param, tt.since)
		}
	}
	admin.fails(http.MethodGet, "/api/v1/matters?created_since=2024-01-15", nil, http.StatusBadRequest, "invalid_request", "created_since")

	// The intake figures the matter form edits.
	web := e.signedIn(seed.DemoMemberEmail)
	web.get(fmt.Sprintf("/staff/matters/%d/edit", m.ID))
	r := web.post(fmt.Sprintf("/staff/matters/%d", m.ID), url.Values{"description": {"Casey Client v. Acme Insurance"}, "category": {"open"},
		"status": {"Discovery"}, "permission": {"everyone"}, "opened_on": {"2026-11-01"}, "projected_value": {"$25,000.50"},
		"hired_on": {"2026-11-02"}, "first_letter_on": {"2026-11-03"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Contains(t, web.get(fmt.Sprintf("/staff/matters/%d", m.ID)).body, "$25,000.50")
	raw := member.call(http.MethodGet, fmt.Sprintf("/api/v1/matters/%d", m.ID), nil)
	assert.Contains(t, raw.body, `"projected_value":25000.5`)
	assert.Contains(t, raw.body, `"hired_date":"2026-11-02"`)
	assert.Contains(t, raw.body, `"first_letter_sent_date":"2026-11-03T00:00:00Z"`)
	admin.fails(http.MethodGet, "/api/v1/matters?updated_since=soon", nil, http.StatusBadRequest, "invalid_request", "updated_since")
}

type apiNote struct {
	ID            int64
	Subject, Body string
}

// Notes on contacts and matters: listed by ID, written as the token's
// user, checked as the staff form checks them; a matter the user may not
// view has no notes to read or write.
func TestAPINotes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.api(seed.DemoMemberEmail)
	_, secret := e.secretOnlyContact()
	casey := e.contact("Casey")
	var demo models.Matter
	require.NoError(t, e.db.Where("firm_id = ? AND number = ?", casey.FirmID, "00001").Take(&demo).Error)

	for _, on := range []string{fmt.Sprintf("/api/v1/contacts/%d/notes", casey.ID), fmt.Sprintf("/api/v1/matters/%d/notes", demo.ID)} {
		var before apiPage[apiNote]
		member.get(on, &before)
		var made []int64
		for i := range 3 {
			r := member.call(http.MethodPost, on, map[string]any{"data": map[string]any{"subject": fmt.Sprintf("Call %d", i), "body": "Discussed next steps."}})
			require.Equal(t, http.StatusCreated, r.StatusCode, r.body)
			var created struct{ Data apiNote }
			require.NoError(t, json.Unmarshal([]byte(r.body), &created))
			assert.Equal(t, fmt.Sprintf("Call %d", i), created.Data.Subject)
			made = append(made, created.Data.ID)
			var n models.Note
			require.NoError(t, e.db.Take(&n, created.Data.ID).Error)
			assert.Equal(t, e.userID(seed.DemoMemberEmail), *n.AuthorUserID, "written as the token's user")
		}
		r := member.call(http.MethodPost, on, map[string]any{"data": map[string]any{"body": "No subject is fine."}})
		assert.Equal(t, http.StatusCreated, r.StatusCode, r.body)

		var first apiPage[apiNote]
		member.get(on+"?limit=2", &first)
		require.Len(t, first.Data, 2)
		require.NotNil(t, first.Meta.Paging.Next)
		var seen []int64
		for path := on + "?limit=2"; ; {
			var page apiPage[apiNote] // fresh: a last page has no next to overwrite
			member.get(path, &page)
			seen = append(seen, ids(page.Data, func(n apiNote) int64 { return n.ID })...)
			if page.Meta.Paging.Next == nil {
				break
			}
			path = on + "?limit=2&page_token=" + url.QueryEscape(*page.Meta.Paging.Next)
		}
		assert.Len(t, seen, len(before.Data)+4)
		assert.True(t, slices.IsSorted(seen))
		assert.Subset(t, seen, made)

		member.fails(http.MethodPost, on, map[string]any{"data": map[string]any{"subject": "Empty"}}, http.StatusUnprocessableEntity, "invalid_body", "data.body")
		member.fails(http.MethodPost, on, map[string]any{"data": map[string]any{"body": "   "}}, http.StatusUnprocessableEntity, "invalid_body", "data.body")
		member.fails(http.MethodPost, on, map[string]any{"data": map[string]any{"body": "x", "subject": strings.Repeat("s", 201)}}, http.StatusUnprocessableEntity, "invalid_body", "data.subject")
		member.fails(http.MethodPost, on, map[string]any{"note": "x"}, http.StatusUnprocessableEntity, "invalid_body", "data")
		ae := member.fails(http.MethodPost, on, nil, http.StatusUnprocessableEntity, "invalid_body", "")
		t.Log(ae.Error.Message)
	}
	secretNotes := fmt.Sprintf("/api/v1/matters/%d/notes", secret.ID)
	member.fails(http.MethodGet, secretNotes, nil, http.StatusNotFound, "not_found", "")
	member.fails(http.MethodPost, secretNotes, map[string]any{"data": map[string]any{"body": "Sneaky"}}, http.StatusNotFound, "not_found", "")
	var n int64
	require.NoError(t, e.db.Model(&models.Note{}).Where("matter_id = ?", secret.ID).Count(&n).Error)
	assert.Zero(t, n, "nothing written on a matter the member may not view")
}

// Paging while contacts are added: every contact there before paging
// began is seen once, none twice, in ID order.
func TestAPIPagingUnderInserts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	member := e.api(seed.DemoMemberEmail)
	firm := e.firm(seed.DemoFirmSlug)
	add := func(n int, prefix string) {
		for i := range n {
			c := models.Contact{FirmID: firm.ID, Kind: models.ContactPerson, FirstName: fmt.Sprintf("%s%02d", prefix, i), LastName: "Paging"}
			require.NoError(t, e.db.Create(&c).Error)
		}
	}
	add(40, "Before")
	var before []int64
	require.NoError(t, e.db.Model(&models.Contact{}).Where("firm_id = ? AND archived_at IS NULL", firm.ID).Order("id").Pluck("id", &before).Error)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		add(40, "During")
	}()
	var seen []int64
	for path := "/api/v1/contacts?limit=7"; ; {
		var page apiPage[apiContact]
		member.get(path, &page)
		assert.LessOrEqual(t, len(page.Data), 7)
		seen = append(seen, ids(page.Data, contactID)...)
		if page.Meta.Paging.Next == nil {
			break
		}
		path = "/api/v1/contacts?limit=7&page_token=" + url.QueryEscape(*page.Meta.Paging.Next)
	}
	wg.Wait()
	assert.True(t, slices.IsSorted(seen), "in ID order")
	assert.Len(t, slices.Compact(slices.Clone(seen)), len(seen), "no contact twice")
	assert.Subset(t, seen, before, "no contact skipped")
}

// The document: served without a token, OpenAPI 3.1, with both security
// schemes' place; every route the router serves is in it and it names no
// route that is not served.
func TestAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	r := e.browser().get("/api/v1/openapi.json")
	require.Equal(t, http.StatusOK, r.StatusCode, r.body)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.body))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	assert.Equal(t, "3.1.0", doc.OpenAPI)
	assert.Contains(t, doc.Components.SecuritySchemes, "bearer")
	assert.Contains(t, doc.Components.SecuritySchemes, "oauth2")

	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" /api/v1"+path] = true
		}
	}
	served := map[string]bool{}
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, route := range e.app.GetRoutes(true) {
		if !strings.HasPrefix(route.Path, "/api/v1/") || route.Method == http.MethodHead || route.Method == "USE" || len(route.Handlers) == 0 {
			continue
		}
		served[route.Method+" "+param.ReplaceAllString(route.Path, "{$1}")] = true
	}
	assert.Equal(t, documented, served)
}

// The users' routes' answers, success and each error, as the document
// says: 200, 400, 401, 404 (an unknown record), 429 with Retry-After.
func TestAPIUserAnswersMatchDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, map[string]string{"API_RATE_LIMIT": "6"})
	admin := e.api(seed.DemoAdminEmail)
	admin.get("/api/v1/users/who_am_i", &struct{}{})
	admin.get("/api/v1/users?limit=1", &struct{}{})
	admin.fails(http.MethodGet, "/api/v1/users?limit=0", nil, http.StatusBadRequest, "invalid_request", "limit")
	admin.fails(http.MethodGet, "/api/v1/matters/999999", nil, http.StatusNotFound, "not_found", "")
	stranger := *admin
	stranger.token = "parley_pat_unknown"
	stranger.fails(http.MethodGet, "/api/v1/users/who_am_i", nil, http.StatusUnauthorized, "unauthorized", "")
	admin.get("/api/v1/users", &struct{}{})
	admin.get("/api/v1/users", &struct{}{})
	r := admin.call(http.MethodGet, "/api/v1/users", nil)
	require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "the seventh request of the minute")
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
}
