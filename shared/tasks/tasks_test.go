package tasks_test

import (
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/tasks"
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
