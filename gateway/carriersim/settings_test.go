package main

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/config"
)

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+14155550123":     "+14155550123",
		"(415) 555-0123":   "+14155550123",
		"415.555.0123":     "+14155550123",
		" 14155550123":     "+14155550123", // a "+" that a query string turned into a space
		"+44 20 7946 0958": "+442079460958",
	} {
		got, err := normalizePhone(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "hello", "+1415555012", "+141555501234", "415-CALL-NOW", "+0123456789"} {
		_, err := normalizePhone(in)
		assert.Error(t, err, in)
	}
}

func TestLoadSettings(t *testing.T) {
	t.Parallel()
	none := func(string) (string, bool) { return "", false }
	cfg, err := config.Parse(none)
	require.NoError(t, err)
	s, err := loadSettings(cfg, none)
	require.NoError(t, err)
	assert.Equal(t, ":8083", s.Addr)
	assert.Equal(t, "http://localhost:8083", s.PublicURL)
	assert.Equal(t, "http://localhost:8081", s.GatewayURL)
	assert.Equal(t, DefaultAccountSID, s.AccountSID)
	assert.Len(t, s.AccountSID, 34)
	assert.Equal(t, DefaultAuthToken, s.AuthToken)
	assert.Equal(t, "+14155550123", s.Phone)
	assert.Equal(t, "+18885550100", s.FirmNumber)

	env := map[string]string{
		"TWILIO_ACCOUNT_SID": "ACabc", "TWILIO_AUTH_TOKEN": "tok", "TEXTING_NUMBERS": "telnyx:+18335550199,twilio:+18775550111",
		"TELNYX_API_KEY": "k", "TELNYX_PUBLIC_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"CARRIERSIM_PUBLIC_URL": "http://sim.test:9000/", "CARRIERSIM_PHONE": "4155550199",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err = config.Parse(lookup)
	require.NoError(t, err)
	s, err = loadSettings(cfg, lookup)
	require.NoError(t, err)
	assert.Equal(t, "ACabc", s.AccountSID)
	assert.Equal(t, "tok", s.AuthToken)
	assert.Equal(t, "http://sim.test:9000", s.PublicURL)
	assert.Equal(t, "+14155550199", s.Phone)
	assert.Equal(t, "+18775550111", s.FirmNumber, "the pool's first twilio number")

	env["CARRIERSIM_PHONE"] = "call me"
	_, err = loadSettings(cfg, lookup)
	assert.ErrorContains(t, err, "CARRIERSIM_PHONE")
}
