package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/mail"
)

type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
}

func (r *recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.sent = append(r.sent, m)
	return nil
}

func setup(t *testing.T) (*testkit.Conn, models.OutboundEmail) {
	gdb := testkit.DB(t)
	firm := models.Firm{Slug: "jobs-test", Name: "Jobs Test", TimeZone: "UTC"}
	require.NoError(t, gdb.Create(&firm).Error)
	e := models.OutboundEmail{FirmID: firm.ID, ToAddress: "someone@example.com", Subject: "Hello", BodyText: "Body", Status: models.EmailQueued}
	require.NoError(t, gdb.Create(&e).Error)
	return gdb, e
}

func task(t *testing.T, firmID, emailID int64) *asynq.Task {
	tk, err := tasks.NewEmailSend(firmID, emailID)
	require.NoError(t, err)
	return tk
}

func TestSendEmailTwiceSendsOnce(t *testing.T) {
	t.Parallel()
	gdb, e := setup(t)
	rec := &recorder{}
	j := withMail(newJobs(gdb, nil), rec)

	require.NoError(t, j.SendEmail(context.Background(), task(t, e.FirmID, e.ID)))
	require.NoError(t, j.SendEmail(context.Background(), task(t, e.FirmID, e.ID)))
	assert.Len(t, rec.sent, 1)

	var got models.OutboundEmail
	require.NoError(t, gdb.First(&got, e.ID).Error)
	assert.Equal(t, models.EmailSent, got.Status)
	assert.NotNil(t, got.SentAt)
	assert.Equal(t, 1, got.Attempts)
}

func TestSendEmailOutcomes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		err        error
		wantStatus models.EmailStatus
		wantSkip   bool
	}{
		{"temporary failure is retried", errors.New("connection refused"), models.EmailQueued, false},
		{"refused address is final", mail.ErrPermanent, models.EmailFailed, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gdb, e := setup(t)
			j := withMail(newJobs(gdb, nil), &recorder{err: tc.err})
			err := j.SendEmail(context.Background(), task(t, e.FirmID, e.ID))
			require.Error(t, err)
			assert.Equal(t, tc.wantSkip, errors.Is(err, asynq.SkipRetry))
			var got models.OutboundEmail
			require.NoError(t, gdb.First(&got, e.ID).Error)
			assert.Equal(t, tc.wantStatus, got.Status)
			assert.Equal(t, 1, got.Attempts)
			assert.NotEmpty(t, got.LastError)
		})
	}
}

func TestSendEmailOtherFirmOrMissingIsNotRetried(t *testing.T) {
	t.Parallel()
	gdb, e := setup(t)
	rec := &recorder{}
	j := withMail(newJobs(gdb, nil), rec)
	err := j.SendEmail(context.Background(), task(t, e.FirmID+1, e.ID))
	assert.ErrorIs(t, err, asynq.SkipRetry, "an email is only found within its own firm")
	err = j.SendEmail(context.Background(), asynq.NewTask(tasks.TypeEmailSend, []byte("{not json")))
	assert.ErrorIs(t, err, asynq.SkipRetry)
	assert.Empty(t, rec.sent)
}
