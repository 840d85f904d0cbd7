package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
)

const testPool = "twilio:+18885550100,telnyx:+18335550199"

// textingEnv is a portal with a texting pool, and the Redis its tasks go
// to, for inspecting the queue.
func textingEnv(t *testing.T, pool string) (*env, *asynq.Inspector) {
	t.Helper()
	var rdb redis.UniversalClient
	e := newEnv(t, map[string]string{
		"TEXTING_NUMBERS": pool, "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "token",
		"TELNYX_API_KEY": "KEYtest", "TELNYX_PUBLIC_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	}, func(d *web.Deps) { rdb = d.Redis })
	return e, asynq.NewInspectorFromRedisClient(rdb)
}

func (e *env) firm(slug string) models.Firm {
	e.t.Helper()
	var f models.Firm
	require.NoError(e.t, e.db.Where("slug = ?", slug).Take(&f).Error)
	return f
}

// signedIn is a browser signed in as addr.
func (e *env) signedIn(addr string) *browser {
	b := e.browser()
	b.signIn(addr)
	return b
}

// enableTexting turns texting on for the demo firm, as its admin would.
func (e *env) enableTexting() *browser {
	e.t.Helper()
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/settings/texting")
	r := admin.post("/staff/settings/texting/enable", nil)
	require.Equal(e.t, http.StatusSeeOther, r.StatusCode, r.body)
	return admin
}

func TestTextingSettings(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	w := buildWorld(t, e)

	member := e.signedIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusNotFound, member.get("/staff/settings/texting").StatusCode, "members do not see the setting")
	assert.Equal(t, http.StatusNotFound, member.post("/staff/settings/texting/enable", nil).StatusCode)
	assert.False(t, e.firm(seed.DemoFirmSlug).TextingEnabled)

	admin := e.signedIn(seed.DemoAdminEmail)
	r := admin.get("/staff/settings/texting")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "Turn on text messaging")
	r = admin.post("/staff/settings/texting/enable", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	r = admin.get(r.Header.Get("Location"))
	assert.Contains(t, r.body, "(888) 555-0100")
	f := e.firm(seed.DemoFirmSlug)
	assert.True(t, f.TextingEnabled)
	assert.Equal(t, "+18885550100", *f.TextingNumber)
	assert.Equal(t, "twilio", *f.TextingDialect)

	other := e.signedIn(w.otherFirmUser)
	r = other.get("/staff/settings/texting")
	require.Equal(t, http.StatusOK, r.StatusCode)
	r = other.post("/staff/settings/texting/enable", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, "+18335550199", *e.firm("other").TextingNumber, "the second firm gets the next number")

	third := models.Firm{Slug: "third", Name: "Third", TimeZone: "UTC"}
	require.NoError(t, e.db.Create(&third).Error)
	require.NoError(t, e.db.Create(&models.User{FirmID: third.ID, Email: "boss@third.test", Role: models.RoleAdmin, Active: true}).Error)
	thirdAdmin := e.signedIn("boss@third.test")
	thirdAdmin.get("/staff/settings/texting")
	r = thirdAdmin.post("/staff/settings/texting/enable", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "No texting number is available; the operator must add one to TEXTING_NUMBERS")
	assert.False(t, e.firm("third").TextingEnabled)

	// Turning it off releases the number for another firm; the texts stay.
	r = admin.post("/staff/settings/texting/disable", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	f = e.firm(seed.DemoFirmSlug)
	assert.False(t, f.TextingEnabled)
	assert.Nil(t, f.TextingNumber)
	r = thirdAdmin.post("/staff/settings/texting/enable", nil)
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	assert.Equal(t, "+18885550100", *e.firm("third").TextingNumber)
}

func TestTextingSettingsEmptyPool(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, "")
	admin := e.signedIn(seed.DemoAdminEmail)
	r := admin.get("/staff/settings/texting")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "No texting number is available; the operator must add one to TEXTING_NUMBERS")
	r = admin.post("/staff/settings/texting/enable", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	assert.Contains(t, r.body, "No texting number is available")
}

func TestTextingDetails(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	admin := e.signedIn(seed.DemoAdminEmail)
	admin.get("/staff/settings/texting")

	for _, tc := range []struct{ email, phone, want string }{
		{"not-an-email", "", "Enter a valid email address"},
		{"", "+44 7700 900123", "Only US and Canadian mobile numbers can be texted"},
		{"", "12", "Only US and Canadian mobile numbers can be texted"},
	} {
		r := admin.post("/staff/settings/texting/details", url.Values{"alt_email": {tc.email}, "alt_phone": {tc.phone}})
		assert.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, tc)
		assert.Contains(t, r.body, tc.want)
		assert.Contains(t, r.body, `value="`+tc.email+`"`, "what was typed stays in the form")
	}
	assert.Empty(t, e.firm(seed.DemoFirmSlug).TextingAltEmail)

	r := admin.post("/staff/settings/texting/details", url.Values{"alt_email": {" Office@Demo.Test "}, "alt_phone": {"(415) 555-0100"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	f := e.firm(seed.DemoFirmSlug)
	assert.Equal(t, "office@demo.test", f.TextingAltEmail)
	assert.Equal(t, "+14155550100", f.TextingAltPhone)

	member := e.signedIn(seed.DemoMemberEmail)
	assert.Equal(t, http.StatusNotFound, member.post("/staff/settings/texting/details", url.Values{"alt_email": {"x@y.z"}}).StatusCode)
	assert.Equal(t, http.StatusNotFound, member.post("/staff/settings/texting/disable", nil).StatusCode)
}

func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	e, _ := textingEnv(t, testPool)
	e.enableTexting()
	member := e.signedIn(seed.DemoMemberEmail)
	r := member.get("/staff/settings/notifications")
	require.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, `name="text_badge" value="1" checked`)

	r = member.post("/staff/settings/notifications", url.Values{})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	var u models.User
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&u).Error)
	assert.False(t, u.TextBadge)
	r = member.get("/staff/settings/notifications")
	assert.NotContains(t, r.body, "checked")

	r = member.post("/staff/settings/notifications", url.Values{"text_badge": {"1"}})
	require.Equal(t, http.StatusSeeOther, r.StatusCode, r.body)
	require.NoError(t, e.db.Where("email = ?", seed.DemoMemberEmail).Take(&u).Error)
	assert.True(t, u.TextBadge)
}
