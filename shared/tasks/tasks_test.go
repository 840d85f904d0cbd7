package tasks_test

import (
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestEmailSendRoundTrip(t *testing.T) {
	t.Parallel()
	tk, err := tasks.NewEmailSend(3, 42)
	require.NoError(t, err)
	assert.Equal(t, tasks.TypeEmailSend, tk.Type())
	p, err := tasks.Decode[tasks.EmailSend](tk)
	require.NoError(t, err)
	assert.Equal(t, tasks.EmailSend{FirmID: 3, EmailID: 42}, p)
}

func TestDecodeBadPayloadSkipsRetry(t *testing.T) {
	t.Parallel()
	_, err := tasks.Decode[tasks.EmailSend](asynq.NewTask(tasks.TypeEmailSend, []byte("nope")))
	assert.ErrorIs(t, err, asynq.SkipRetry)
}

func TestEveryQueueIsServed(t *testing.T) {
	t.Parallel()
	for _, q := range tasks.QueueNames {
		assert.Positive(t, tasks.QueueWeights[q], q)
	}
	assert.Len(t, tasks.QueueWeights, len(tasks.QueueNames))
}

func TestClientNotifyWindows(t *testing.T) {
	t.Parallel()
	opt, err := asynq.ParseRedisURI(testkit.RedisURL(t))
	require.NoError(t, err)
	client := asynq.NewClient(opt)
	defer client.Close()
	base := time.Now().Truncate(2 * time.Minute)
	enqueue := func(at time.Time) error {
		tk, err := tasks.NewClientNotify(1, 9, at, 2*time.Minute)
		require.NoError(t, err)
		_, err = client.Enqueue(tk)
		return err
	}
	require.NoError(t, enqueue(base.Add(5*time.Second)))
	assert.ErrorIs(t, enqueue(base.Add(110*time.Second)), asynq.ErrTaskIDConflict, "one task for a burst within a window")
	assert.NoError(t, enqueue(base.Add(125*time.Second)), "the next window gets its own")

	insp := asynq.NewInspector(opt)
	defer insp.Close()
	scheduled, err := insp.ListScheduledTasks(tasks.QueueDefault)
	require.NoError(t, err)
	require.Len(t, scheduled, 2)
	assert.WithinDuration(t, base.Add(2*time.Minute), scheduled[0].NextProcessAt, time.Second, "it runs when the window closes")
}
