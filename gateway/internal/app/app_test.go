package app_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/gateway/internal/app"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestRefusesSchemaBehind(t *testing.T) {
	t.Parallel()
	url := testkit.EmptyDatabaseURL(t)
	cfg, err := config.Parse(func(k string) (string, bool) {
		if k == "DATABASE_URL" {
			return url, true
		}
		return "", false
	})
	require.NoError(t, err)
	require.ErrorIs(t, app.Run(context.Background(), cfg, testkit.Logger()), db.ErrSchemaBehind)
}

// Run wires everything: numbers loaded from Postgres, webhooks queued in
// Redis, readiness, and a clean stop.
func TestRunServesWebhooks(t *testing.T) {
	t.Parallel()
	dbURL, redisURL := testkit.DatabaseURL(t), testkit.RedisURL(t)
	gdb := testkit.DBAt(t, dbURL)
	require.NoError(t, gdb.Exec(`INSERT INTO firms (slug, name, texting_enabled, texting_number, texting_dialect)
		VALUES ('run-firm', 'Run Firm', true, '+18885550100', 'twilio')`).Error)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	env := map[string]string{
		"DATABASE_URL": dbURL, "REDIS_URL": redisURL, "GATEWAY_ADDR": addr,
		"GATEWAY_PUBLIC_URL": "https://gw.example.test", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "secret",
	}
	cfg, err := config.Parse(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- app.Run(ctx, cfg, testkit.Logger()) }()

	form := url.Values{"MessageSid": {"SM1"}, "From": {"+14155550123"}, "To": {"+18885550100"}, "Body": {"hi"}}
	sig := sms.SignTwilio("secret", "https://gw.example.test/webhooks/twilio/messages", form)
	var res *http.Response
	require.Eventually(t, func() bool {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/twilio/messages", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", sig)
		res, err = http.DefaultClient.Do(req)
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	ready, err := http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	ready.Body.Close()
	require.Equal(t, http.StatusOK, ready.StatusCode)

	opt, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(tasks.QueueCritical, tasks.TextInboundID(sms.Twilio, "SM1"))
	require.NoError(t, err)
	require.Equal(t, tasks.TypeTextInbound, info.Type)

	cancel()
	require.NoError(t, <-stopped)
}
