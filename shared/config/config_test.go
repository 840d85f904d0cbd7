package config_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/config"
)

func env(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(env(nil))
	require.NoError(t, err)
	assert.Equal(t, "postgres://postgres@127.0.0.1:5432/parley?sslmode=disable", c.DatabaseURL)
	assert.Equal(t, "redis://127.0.0.1:6379/0", c.RedisURL)
	assert.Equal(t, ":8080", c.PortalAddr)
	assert.Equal(t, ":8081", c.GatewayAddr)
	assert.Equal(t, ":8082", c.WorkerAddr)
	assert.Equal(t, "./data/documents", c.DocumentsDir)
	assert.Equal(t, "", c.SMTPURL)
	assert.Equal(t, config.EnvDev, c.Env)
	assert.True(t, c.Dev())
	assert.Equal(t, 25*time.Second, c.ShutdownTimeout)
	assert.Equal(t, 15*time.Minute, c.SessionIdleTimeout)
	assert.Equal(t, 12*time.Hour, c.SessionMaxAge)
	assert.Equal(t, int64(100<<20), c.UploadMaxBytes)
	assert.Equal(t, "json", c.LogFormat)
	assert.Equal(t, 600, c.APIRateLimit)
	assert.Equal(t, "info", c.LogLevel)
	assert.Equal(t, 2*time.Minute, c.NoticeBatchWindow)
}

func TestValues(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(env(map[string]string{
		"PUBLIC_URL": "https://portal.example.com/", "PARLEY_ENV": "prod",
		"SMTP_URL": "smtp://u:p@mail.example.com:587", "PORTAL_ADDR": "127.0.0.1:9000",
	}))
	require.NoError(t, err)
	assert.Equal(t, "https://portal.example.com", c.PublicURL, "trailing slash trimmed")
	assert.Equal(t, config.EnvProd, c.Env)
	assert.Equal(t, "127.0.0.1:9000", c.PortalAddr)
}

func TestErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key, value, want string
	}{
		{"DATABASE_URL", "mysql://x/y", "DATABASE_URL"},
		{"DATABASE_URL", "::not a url", "DATABASE_URL"},
		{"REDIS_URL", "http://localhost:6379", "REDIS_URL"},
		{"PORTAL_ADDR", "8080", "PORTAL_ADDR"},
		{"GATEWAY_ADDR", ":http", "GATEWAY_ADDR"},
		{"WORKER_ADDR", ":99999", "WORKER_ADDR"},
		{"PUBLIC_URL", "portal.example.com", "PUBLIC_URL"},
		{"GATEWAY_PUBLIC_URL", "ftp://x", "GATEWAY_PUBLIC_URL"},
		{"DOCUMENTS_DIR", "   ", "DOCUMENTS_DIR"},
		{"SMTP_URL", "mail.example.com:25", "SMTP_URL"},
		{"MAIL_FROM", "nobody", "MAIL_FROM"},
		{"PARLEY_ENV", "staging", "PARLEY_ENV"},
		{"LOG_LEVEL", "loud", "LOG_LEVEL"},
		{"LOG_FORMAT", "yaml", "LOG_FORMAT"},
		{"API_RATE_LIMIT", "0", "API_RATE_LIMIT"},
		{"API_RATE_LIMIT", "lots", "API_RATE_LIMIT"},
		{"SHUTDOWN_TIMEOUT", "soon", "SHUTDOWN_TIMEOUT"},
		{"SHUTDOWN_TIMEOUT", "-1s", "SHUTDOWN_TIMEOUT"},
		{"SESSION_IDLE_TIMEOUT", "15", "SESSION_IDLE_TIMEOUT"},
		{"SESSION_MAX_AGE", "1m", "SESSION_MAX_AGE"},
		{"UPLOAD_MAX_BYTES", "100MB", "UPLOAD_MAX_BYTES"},
		{"NOTICE_BATCH_WINDOW", "0s", "NOTICE_BATCH_WINDOW"},
		{"TEXTING_NUMBERS", "twilio:18885550100", "TEXTING_NUMBERS"},
		{"TEXTING_NUMBERS", "sinch:+18885550100", "TEXTING_NUMBERS"},
		{"TEXTING_NUMBERS", "twilio:+18885550100", "TEXTING_NUMBERS"}, // no Twilio credentials
		{"TELNYX_PUBLIC_KEY", "short", "TELNYX_PUBLIC_KEY"},
		{"TWILIO_API_URL", "api.twilio.com", "TWILIO_API_URL"},
		{"TEXT_SEND_RATE", "0", "TEXT_SEND_RATE"},
		{"TRUSTED_PROXIES", "10.0.0.0/8, proxy.local", "TRUSTED_PROXIES"},
	}
	for _, tc := range cases {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Parallel()
			_, err := config.Parse(env(map[string]string{tc.key: tc.value}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestProdNeedsPublicURL(t *testing.T) {
	t.Parallel()
	_, err := config.Parse(env(map[string]string{"PARLEY_ENV": "prod"}))
	require.ErrorContains(t, err, "PUBLIC_URL")
}

func TestTextingPool(t *testing.T) {
	t.Parallel()
	c, err := config.Parse(env(map[string]string{
		"TEXTING_NUMBERS":    " twilio:+18885550100 , telnyx:+18335550199",
		"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "tok",
		"TELNYX_API_KEY": "KEY", "TELNYX_PUBLIC_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", // 32 bytes
	}))
	require.NoError(t, err)
	assert.Equal(t, []config.PoolNumber{{Dialect: "twilio", Number: "+18885550100"}, {Dialect: "telnyx", Number: "+18335550199"}}, c.TextingNumbers)
	assert.Equal(t, 3, c.TextSendRate)
}
