package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/jobs"
)

func TestSendRecordsTheCarrierID(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	txt := e.queueText(t, seed.DemoClientPhone, "Your court date is confirmed.")
	require.NoError(t, e.send(t, txt))
	require.NoError(t, e.send(t, txt), "a duplicate task sends nothing")
	assert.EqualValues(t, 1, e.carrier.calls.Load())

	form := e.carrier.lastForm()
	assert.Equal(t, map[string]string{"To": seed.DemoClientPhone, "From": firmNumber, "Body": "Your court date is confirmed.",
		"StatusCallback": "http://gateway.test/webhooks/twilio/status"}, form)
	got := e.text(t, txt.ID)
	// Accepted is not sent: the status callbacks move it on.
	assert.Equal(t, models.TextSending, got.Status)
	require.NotNil(t, got.CarrierMessageID)
	assert.Equal(t, "SM00000000000000000000000000000001", *got.CarrierMessageID)
}

func TestSendRefusals(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)

	txt := e.queueText(t, "+442071838750", "Hello London")
	assert.ErrorIs(t, e.send(t, txt), errSkipRetry)
	got := e.text(t, txt.ID)
	assert.Equal(t, models.TextFailed, got.Status)
	assert.Contains(t, got.FailureReason, "Only US and Canadian mobile numbers can be texted")

	testkit.SetUp(t, e.db, `UPDATE firms SET texting_enabled = false WHERE id = ?`, e.firm.ID)
	txt = e.queueText(t, seed.DemoClientPhone, "Anyone there?")
	assert.ErrorIs(t, e.send(t, txt), errSkipRetry)
	got = e.text(t, txt.ID)
	assert.Equal(t, models.TextFailed, got.Status)
	assert.Equal(t, texting.Words(texting.TextingOff), got.FailureReason)
	assert.Zero(t, e.carrier.calls.Load())
}

func TestSendCarrierRejects(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	e.carrier.answer(http.StatusBadRequest, `{"code":30007,"message":"Message filtered","status":400}`)
	txt := e.queueText(t, seed.DemoClientPhone, "Limited time offer!!!")
	assert.ErrorIs(t, e.send(t, txt), errSkipRetry)
	got := e.text(t, txt.ID)
	assert.Equal(t, models.TextFailed, got.Status)
	assert.Equal(t, sms.ReasonRejected, got.FailureReason)
	assert.Equal(t, "30007", got.ErrorCode)
	assert.Nil(t, got.CarrierMessageID)

	// The carrier knows of a STOP we never saw: the contact is opted out.
	e.carrier.answer(http.StatusBadRequest, `{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}`)
	txt = e.queueText(t, seed.DemoClientPhone, "Hello?")
	assert.ErrorIs(t, e.send(t, txt), errSkipRetry)
	got = e.text(t, txt.ID)
	assert.Equal(t, texting.Words(texting.OptedOut), got.FailureReason)
	assert.Equal(t, "21610", got.ErrorCode)
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?`,
		firmNumber, seed.DemoClientPhone))
}

func TestSendServerErrorIsRetriedAndUserRetryWorks(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	e.carrier.answer(http.StatusServiceUnavailable, `{"message":"down for maintenance"}`)
	txt := e.queueText(t, seed.DemoClientPhone, "Try me")
	err := e.send(t, txt)
	require.Error(t, err)
	assert.NotErrorIs(t, err, errSkipRetry)
	got := e.text(t, txt.ID)
	assert.Equal(t, models.TextQueued, got.Status, "back in the queue for asynq's retry")

	// The retry, once the carrier is back, sends it.
	e.carrier.answer(http.StatusCreated, "")
	require.NoError(t, e.send(t, txt))
	assert.Equal(t, models.TextSending, e.text(t, txt.ID).Status)

	// A user's one-click retry of a failed text: the portal sets it back to
	// queued and enqueues a new attempt.
	failed := e.queueText(t, seed.DemoClientPhone, "Second try")
	testkit.SetUp(t, e.db, `UPDATE text_messages SET status = 'failed', failure_reason = ? WHERE id = ?`,
		sms.ReasonTemporary, failed.ID)
	require.NoError(t, e.send(t, failed), "a stale task for a failed text does nothing")
	assert.Equal(t, models.TextFailed, e.text(t, failed.ID).Status)
	testkit.SetUp(t, e.db, `UPDATE text_messages SET status = 'queued' WHERE id = ?`, failed.ID)
	tk, err := tasks.NewTextSend(failed.FirmID, failed.ID, 1)
	require.NoError(t, err)
	require.NoError(t, e.jobs.SendText(context.Background(), tk))
	got = e.text(t, failed.ID)
	assert.Equal(t, models.TextSending, got.Status)
	assert.Empty(t, got.FailureReason, "the old reason is cleared")
}

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	e.jobs.Limiter = redis_rate.NewLimiter(testkit.Redis(t))
	e.jobs.Config.TextSendRate = 1

	first := e.queueText(t, seed.DemoClientPhone, "one")
	second := e.queueText(t, seed.DemoClientPhone, "two")
	require.NoError(t, e.send(t, first))
	err := e.send(t, second)
	var ra *jobs.RetryAfter
	require.ErrorAs(t, err, &ra)
	assert.ErrorIs(t, err, jobs.ErrRateLimited)
	assert.Greater(t, ra.After, time.Duration(0))
	assert.LessOrEqual(t, ra.After, time.Second)
	assert.False(t, jobs.IsFailure(err), "waiting for the rate does not use up a retry")
	assert.True(t, jobs.IsFailure(errors.New("carrier down")))
	assert.Equal(t, models.TextQueued, e.text(t, second.ID).Status)
	assert.EqualValues(t, 1, e.carrier.calls.Load())
}

func TestRequeueTextsFindsLostTasks(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	lost := e.queueText(t, seed.DemoClientPhone, "lost")
	e.queueText(t, seed.DemoClientPhone, "fresh")
	testkit.SetUp(t, e.db, `UPDATE text_messages SET updated_at = now() - interval '5 minutes' WHERE id = ?`, lost.ID)

	n, err := e.jobs.RequeueTexts(context.Background(), 2*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	sends := e.queue.OfType(tasks.TypeTextSend)
	require.Len(t, sends, 1)
	p, err := tasks.Decode[tasks.TextSend](sends[0])
	require.NoError(t, err)
	assert.Equal(t, lost.ID, p.TextID)

	require.NoError(t, e.jobs.SendText(context.Background(), sends[0]))
	assert.Equal(t, models.TextSending, e.text(t, lost.ID).Status)

	// Against real Redis, sweeping again names the same task: one is queued.
	lost2 := e.queueText(t, seed.DemoClientPhone, "lost too")
	testkit.SetUp(t, e.db, `UPDATE text_messages SET updated_at = now() - interval '5 minutes' WHERE id = ?`, lost2.ID)
	redisOpt, err := asynq.ParseRedisURI(testkit.RedisURL(t))
	require.NoError(t, err)
	client := asynq.NewClient(redisOpt)
	defer client.Close()
	insp := asynq.NewInspector(redisOpt)
	defer insp.Close()
	for range 2 {
		_, err = newJobs(e.db, tasks.NewClient(client)).RequeueTexts(context.Background(), 2*time.Minute)
		require.NoError(t, err)
	}
	pending, err := insp.ListPendingTasks(tasks.QueueCritical)
	require.NoError(t, err)
	assert.Len(t, pending, 1)
}

func TestFailStuckTexts(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	stuck := e.queueText(t, seed.DemoClientPhone, "stuck")
	accepted := e.queueText(t, seed.DemoClientPhone, "accepted")
	testkit.SetUp(t, e.db, `UPDATE text_messages SET status = 'sending', updated_at = now() - interval '1 hour' WHERE id IN ?`,
		[]int64{stuck.ID, accepted.ID})
	testkit.SetUp(t, e.db, `UPDATE text_messages SET carrier_message_id = 'SMaccepted' WHERE id = ?`, accepted.ID)

	n, err := e.jobs.FailStuckTexts(context.Background(), 10*time.Minute)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, sms.ReasonUnknownErr, e.text(t, stuck.ID).FailureReason)
	assert.Equal(t, models.TextSending, e.text(t, accepted.ID).Status, "the carrier took it; its callbacks decide")
}
