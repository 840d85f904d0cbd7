package ops

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueueCollector(t *testing.T) {
	t.Parallel()
	rds := startRedis(t)
	redisOpt := asynq.RedisClientOpt{Addr: rds.Addr}

	client := asynq.NewClient(redisOpt)
	t.Cleanup(func() { _ = client.Close() })
	for range 2 {
		_, err := client.Enqueue(asynq.NewTask("mail:send", nil), asynq.Queue("mail"))
		require.NoError(t, err)
	}
	_, err := client.Enqueue(asynq.NewTask("mail:send", nil), asynq.Queue("mail"), asynq.ProcessIn(time.Hour))
	require.NoError(t, err)

	inspector := asynq.NewInspector(redisOpt)
	t.Cleanup(func() { _ = inspector.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueueCollector(inspector, []string{"mail", "sms"}))

	size := func(queue, state string) (float64, bool) {
		return metricValue(t, reg, "parley_queue_size", map[string]string{"queue": queue, "state": state})
	}
	for state, want := range map[string]float64{"pending": 2, "active": 0, "scheduled": 1, "retry": 0, "archived": 0} {
		got, ok := size("mail", state)
		assert.True(t, ok, state)
		assert.Equal(t, want, got, state)
	}
	for _, state := range []string{"pending", "active", "scheduled", "retry", "archived"} {
		got, ok := size("sms", state)
		assert.True(t, ok, "a queue not created yet reports %s=0", state)
		assert.Zero(t, got, state)
	}

	rds.Kill()
	families, err := reg.Gather()
	require.NoError(t, err, "an unreachable redis does not fail the scrape")
	for _, f := range families {
		assert.NotEqual(t, "parley_queue_size", f.GetName(), "nothing is reported when redis is down")
	}
}
