package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/apitokens"
)

type apiCustomAction struct {
	ID          int64
	Label       string
	UIReference string `json:"ui_reference"`
	TargetURL   string `json:"target_url"`
}

// createAction makes a custom action through the API.
func (a *apiClient) createAction(label, page, target string) apiCustomAction {
	a.t.Helper()
	r := a.call(http.MethodPost, "/api/v1/custom_actions", map[string]any{"data": map[string]any{"label": label, "ui_reference": page, "target_url": target}})
	require.Equal(a.t, http.StatusCreated, r.StatusCode, r.body)
	var out struct{ Data apiCustomAction }
	require.NoError(a.t, json.Unmarshal([]byte(r.body), &out))
	return out.Data
}

// click follows a custom action's link from a staff page and returns the
// query the integration receives.
func click(t *testing.T, b *browser, actionID, subject int64) url.Values {
	t.Helper()
	r := b.get(fmt.Sprintf("/staff/custom-actions/%d?subject=%d", actionID, subject))
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	to, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err)
	return to.Query()
}

// A custom action shows on its page for every user of the firm; a click
// sends the browser to the integration with a nonce that is good once,
// for 60 seconds, with the token that made the action, as the user who
// clicked.
func TestAPICustomActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	admin, adminOther, member := e.api(seed.DemoAdminEmail), e.api(seed.DemoAdminEmail), e.api(seed.DemoMemberEmail)
	casey := e.contact("Casey")
	var demo models.Matter
	require.NoError(t, e.db.Where("firm_id = ? AND number = ?", casey.FirmID, "00001").Take(&demo).Error)
	_, secret := e.secretOnlyContact()

	draft := admin.createAction("Draft <letter>", "matters/show", "https://docs.example.com/parley?source=parley")
	assert.Equal(t, "matters/show", draft.UIReference)
	sync := admin.createAction("Sync to CRM", "contacts/show", "http://localhost:8088/hook")
	var mine apiPage[apiCustomAction]
	admin.get("/api/v1/custom_actions", &mine)
	assert.Equal(t, []int64{draft.ID, sync.ID}, ids(mine.Data, func(a apiCustomAction) int64 { return a.ID }))
	adminOther.get("/api/v1/custom_actions", &mine)
	assert.Empty(t, mine.Data, "a token lists the actions it made")

	for _, tt := range []struct {
		label, page, target, field string
	}{
		{"", "matters/show", "https://x.example", "data.label"},
		{strings.Repeat("x", 101), "matters/show", "https://x.example", "data.label"},
		{"Go", "matters/index", "https://x.example", "data.ui_reference"},
		{"Go", "matters/show", "http://x.example/plain", "data.target_url"},
		{"Go", "matters/show", "javascript:alert(1)", "data.target_url"},
		{"Go", "matters/show", "not a url", "data.target_url"},
	} {
		admin.fails(http.MethodPost, "/api/v1/custom_actions", map[string]any{"data": map[string]any{"label": tt.label, "ui_reference": tt.page, "target_url": tt.target}},
			http.StatusUnprocessableEntity, "invalid_body", tt.field)
	}

	// Every user sees the links on their pages, opening in a new tab.
	adminWeb, memberWeb := e.signedIn(seed.DemoAdminEmail), e.signedIn(seed.DemoMemberEmail)
	page := memberWeb.get(fmt.Sprintf("/staff/matters/%d", demo.ID))
	require.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, page.body, fmt.Sprintf(`href="/staff/custom-actions/%d?subject=%d" target="_blank" rel="noopener">Draft &lt;letter&gt;</a>`, draft.ID, demo.ID))
	assert.NotContains(t, page.body, "Sync to CRM", "a contacts/show action is not on a matter page")
	page = memberWeb.get(fmt.Sprintf("/staff/contacts/%d", casey.ID))
	assert.Contains(t, page.body, fmt.Sprintf(`href="/staff/custom-actions/%d?subject=%d"`, sync.ID, casey.ID))

	q := click(t, adminWeb, draft.ID, demo.ID)
	assert.Equal(t, "parley", q.Get("source"), "the target's own query is kept")
	assert.Equal(t, fmt.Sprint(draft.ID), q.Get("custom_action_id"))
	assert.Equal(t, fmt.Sprint(e.userID(seed.DemoAdminEmail)), q.Get("user_id"))
	assert.Equal(t, fmt.Sprintf("/api/v1/matters/%d", demo.ID), q.Get("subject_url"))
	nonce := q.Get("custom_action_nonce")
	require.NotEmpty(t, nonce)
	withNonce := func(path, nonce string) string { return path + "?custom_action_nonce=" + url.QueryEscape(nonce) }
	var one struct{ Data apiMatter }
	admin.get(withNonce(q.Get("subject_url"), nonce), &one)
	assert.Equal(t, demo.ID, one.Data.ID, "valid: the clicker's own token that made the action")
	admin.fails(http.MethodGet, withNonce(q.Get("subject_url"), nonce), nil, http.StatusForbidden, "forbidden", "")

	nonce = click(t, adminWeb, draft.ID, demo.ID).Get("custom_action_nonce")
	adminOther.fails(http.MethodGet, withNonce("/api/v1/users/who_am_i", nonce), nil, http.StatusForbidden, "forbidden", "")
	admin.fails(http.MethodGet, withNonce("/api/v1/users/who_am_i", nonce), nil, http.StatusForbidden, "forbidden", "")

	q = click(t, memberWeb, sync.ID, casey.ID)
	assert.Equal(t, fmt.Sprintf("/api/v1/contacts/%d", casey.ID), q.Get("subject_url"))
	admin.fails(http.MethodGet, withNonce(q.Get("subject_url"), q.Get("custom_action_nonce")), nil, http.StatusForbidden, "forbidden", "")
	q = click(t, memberWeb, sync.ID, casey.ID)
	member.fails(http.MethodGet, withNonce(q.Get("subject_url"), q.Get("custom_action_nonce")), nil, http.StatusForbidden, "forbidden", "")

	nonce = click(t, adminWeb, draft.ID, demo.ID).Get("custom_action_nonce")
	e.advance(61 * time.Second)
	admin.fails(http.MethodGet, withNonce("/api/v1/users/who_am_i", nonce), nil, http.StatusForbidden, "forbidden", "")
	nonce = click(t, adminWeb, draft.ID, demo.ID).Get("custom_action_nonce")
	e.advance(59 * time.Second)
	admin.get(withNonce("/api/v1/users/who_am_i", nonce), &struct{}{})
	admin.fails(http.MethodGet, withNonce("/api/v1/users/who_am_i", "made-up"), nil, http.StatusForbidden, "forbidden", "")

	// A click on what the user may not see, or on no action, is a 404 and
	// mints nothing.
	assert.Equal(t, http.StatusNotFound, memberWeb.get(fmt.Sprintf("/staff/custom-actions/%d?subject=%d", draft.ID, secret.ID)).StatusCode)
	assert.Equal(t, http.StatusNotFound, memberWeb.get(fmt.Sprintf("/staff/custom-actions/%d?subject=%d", draft.ID+100, demo.ID)).StatusCode)
	assert.Equal(t, http.StatusNotFound, memberWeb.get(fmt.Sprintf("/staff/custom-actions/%d", draft.ID)).StatusCode)
	other := e.signedIn(e.newFirmAdmin("otheractions"))
	assert.Equal(t, http.StatusNotFound, other.get(fmt.Sprintf("/staff/custom-actions/%d?subject=%d", draft.ID, demo.ID)).StatusCode)

	// A revoked token's actions leave the pages.
	var tok models.APIToken
	require.NoError(t, e.db.Where("token_hash IS NOT NULL AND name = ?", "test "+seed.DemoAdminEmail).Order("id").Take(&tok).Error)
	require.NoError(t, (&apitokens.Store{DB: e.db}).Revoke(context.Background(), store.Viewer{FirmID: tok.FirmID, UserID: tok.UserID, Admin: true}, tok.ID))
	page = memberWeb.get(fmt.Sprintf("/staff/matters/%d", demo.ID))
	assert.NotContains(t, page.body, "Draft &lt;letter&gt;")
	assert.Equal(t, http.StatusNotFound, adminWeb.get(fmt.Sprintf("/staff/custom-actions/%d?subject=%d", draft.ID, demo.ID)).StatusCode)
}
