package jobs_test

import (
	"context"
	"testing"
	"time"

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

func (e *textEnv) status(t *testing.T, carrierID string, s sms.Status, code string) error {
	t.Helper()
	tk, err := tasks.NewTextStatus(sms.StatusUpdate{Dialect: sms.Twilio, MessageID: carrierID, FirmID: e.firm.ID,
		Status: s, ErrorCode: code, At: time.Now()})
	require.NoError(t, err)
	return e.jobs.UpdateTextStatus(context.Background(), tk)
}

// sentText is an outbound text the carrier accepted under carrierID.
func (e *textEnv) sentText(t *testing.T, carrierID string) models.TextMessage {
	t.Helper()
	txt := e.queueText(t, seed.DemoClientPhone, "hello")
	testkit.SetUp(t, e.db, `UPDATE text_messages SET status = 'sending', carrier_message_id = ? WHERE id = ?`,
		carrierID, txt.ID)
	return e.text(t, txt.ID)
}

func TestStatusCallbacksOutOfOrder(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)

	a := e.sentText(t, "SMa")
	require.NoError(t, e.status(t, "SMa", sms.StatusDelivered, ""))
	require.NoError(t, e.status(t, "SMa", sms.StatusSent, ""))
	require.NoError(t, e.status(t, "SMa", sms.StatusFailed, "30003"))
	got := e.text(t, a.ID)
	assert.Equal(t, models.TextDelivered, got.Status, "never backwards, and delivered is final")
	assert.Empty(t, got.FailureReason)

	b := e.sentText(t, "SMb")
	require.NoError(t, e.status(t, "SMb", sms.StatusSent, ""))
	assert.Equal(t, models.TextSent, e.text(t, b.ID).Status)
	require.NoError(t, e.status(t, "SMb", sms.StatusFailed, "30003"))
	require.NoError(t, e.status(t, "SMb", sms.StatusDelivered, ""))
	got = e.text(t, b.ID)
	assert.Equal(t, models.TextFailed, got.Status)
	assert.Equal(t, "Unreachable number", got.FailureReason)
	assert.Equal(t, "30003", got.ErrorCode)

	c := e.sentText(t, "SMc")
	require.NoError(t, e.status(t, "SMc", sms.StatusFailed, "21610"))
	got = e.text(t, c.ID)
	assert.Equal(t, texting.Words(texting.OptedOut), got.FailureReason)
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_opt_outs WHERE contact_number = ?`, seed.DemoClientPhone))
}

func TestStatusBeforeTheSendRecordedItsID(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	err := e.status(t, "SMearly", sms.StatusSent, "")
	var ra *jobs.RetryAfter
	require.ErrorAs(t, err, &ra, "retried soon: the send may not have recorded the ID yet")
	assert.NotErrorIs(t, err, errSkipRetry)
	assert.True(t, jobs.IsFailure(err), "counts against the retries, so it ends")

	// Another firm's callback never touches this firm's text.
	e.sentText(t, "SMmine")
	tk, err := tasks.NewTextStatus(sms.StatusUpdate{Dialect: sms.Twilio, MessageID: "SMmine", FirmID: e.firm.ID + 1000,
		Status: sms.StatusDelivered})
	require.NoError(t, err)
	require.Error(t, e.jobs.UpdateTextStatus(context.Background(), tk))
	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM text_messages WHERE status = 'delivered'`))
}
