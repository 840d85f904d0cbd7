package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/shared/textevents"
)

// receiveAll runs the handler for every text at once, as asynq's workers
// would, so the plain ones are stored in shared batches.
func (e *textEnv) receiveAll(t *testing.T, ins []sms.Inbound) []error {
	t.Helper()
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() { errs[i] = e.receive(t, in) })
	}
	wg.Wait()
	return errs
}

func TestPlainTextsReceivedTogether(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	var ins []sms.Inbound
	for i := range 60 {
		from := seed.DemoClientPhone
		switch i % 3 {
		case 1:
			from = "+1 (415) 555-0124" // the related contact, as typed
		case 2:
			from = fmt.Sprintf("+1212555%04d", i) // no contact
		}
		ins = append(ins, e.inbound(fmt.Sprintf("SMbatch%027d", i), from, fmt.Sprintf("text %d", i)))
	}
	ins = append(ins, ins[:10]...) // replays, some in the same batch as their first copy
	for _, err := range e.receiveAll(t, ins) {
		require.NoError(t, err)
	}

	assert.EqualValues(t, 20, e.count(t, `SELECT count(*) FROM text_messages WHERE contact_id = ?`, e.client.ID))
	assert.EqualValues(t, 20, e.count(t, `SELECT count(*) FROM text_messages WHERE contact_id = ?`, e.related.ID))
	assert.EqualValues(t, 20, e.count(t, `SELECT count(*) FROM unknown_texts`))
	assert.Zero(t, e.count(t, `SELECT count(*) FROM (SELECT 1 FROM text_messages
		GROUP BY carrier_message_id HAVING count(*) > 1) d`), "each text stored once")
	assert.Zero(t, e.count(t, `SELECT count(*) FROM text_messages
		WHERE body <> 'text ' || substr(carrier_message_id, 8)::int`), "each row holds its own text")
}

func TestTextTheTableRefusesFailsAlone(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	var ins []sms.Inbound
	for i := range 30 {
		ins = append(ins, e.inbound(fmt.Sprintf("SMalone%027d", i), seed.DemoClientPhone, "hello"))
	}
	ins[7].Dialect = "pigeon" // not a dialect text_messages allows
	errs := e.receiveAll(t, ins)
	for i, err := range errs {
		if i == 7 {
			assert.Error(t, err, "the refused text's task fails, to be retried")
		} else {
			assert.NoError(t, err, "text %d", i)
		}
	}
	assert.EqualValues(t, 29, e.count(t, `SELECT count(*) FROM text_messages`))
}

func TestFailedBatchFailsEveryTask(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	// A pool that is closed refuses every statement, as a database that is down would.
	closed := testkit.DB(t)
	sqlDB, err := closed.DB()
	require.NoError(t, err)
	require.NoError(t, sqlDB.Close())
	e.jobs = newJobs(closed, e.queue)

	var ins []sms.Inbound
	for i := range 20 {
		ins = append(ins, e.inbound(fmt.Sprintf("SMfail%028d", i), seed.DemoClientPhone, "hello"))
	}
	for _, err := range e.receiveAll(t, ins) {
		assert.Error(t, err)
	}
}

func TestReceivedTextWakesTheContactsPage(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	rdb := testkit.Redis(t)
	e.jobs.Redis = rdb
	w, err := textevents.Subscribe(context.Background(), rdb, e.firm.ID, e.client.ID)
	require.NoError(t, err)
	defer w.Close()

	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000wake01", seed.DemoClientPhone, "hi")))
	assert.True(t, w.Wait(context.Background(), 10*time.Second))
}
