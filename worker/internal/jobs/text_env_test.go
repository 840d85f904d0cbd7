package jobs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/stores"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/carrier"
	"github.com/parleyhq/parley/worker/internal/jobs"
	"github.com/parleyhq/parley/worker/internal/mail"
)

const firmNumber = "+18885550100"

// textEnv is the demo firm with texting on, the worker's handlers, and a
// fake Twilio-compatible carrier (the outside world) behind an httptest server.
type textEnv struct {
	db      *testkit.Conn
	jobs    *jobs.Jobs
	queue   *testkit.Queue
	store   *docstore.Disk
	firm    models.Firm
	client  models.Contact // the demo client, +14155550123
	related models.Contact // related contact on the demo matter, +14155550124
	matter  models.Matter
	carrier *fakeTwilio
}

func newTextEnv(t *testing.T) *textEnv {
	t.Helper()
	ctx := context.Background()
	e := &textEnv{db: testkit.DB(t), queue: &testkit.Queue{}}
	var err error
	e.store, err = docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(ctx, e.db, e.store, testkit.Logger()))
	testkit.SetUp(t, e.db, `UPDATE firms SET texting_enabled = true, texting_number = ?, texting_dialect = 'twilio'
		WHERE slug = ?`, firmNumber, seed.DemoFirmSlug)
	require.NoError(t, e.db.Where("slug = ?", seed.DemoFirmSlug).Take(&e.firm).Error)
	e.client = e.contactWithNumber(t, seed.DemoClientPhone)
	e.related = e.contactWithNumber(t, "+14155550124")
	require.NoError(t, e.db.Where("firm_id = ? AND client_contact_id = ?", e.firm.ID, e.client.ID).Take(&e.matter).Error)

	e.carrier = newFakeTwilio(t)
	e.jobs = newJobs(e.db, e.queue)
	e.jobs.Docs = e.store
	e.jobs.Carriers, e.jobs.Config = map[sms.Dialect]carrier.Sender{sms.Twilio: &carrier.Twilio{
		BaseURL: e.carrier.srv.URL, AccountSID: "AC00000000000000000000000000000001", AuthToken: "token",
		StatusCallback: "http://gateway.test/webhooks/twilio/status"}},
		config.Config{TwilioAccountSID: "AC00000000000000000000000000000001", TwilioAuthToken: "token",
			TwilioAPIURL: "https://api.twilio.com", TextSendRate: 3}
	return e
}

// newJobs is the worker's handlers over the stores of gdb, enqueuing to enq.
func newJobs(gdb *testkit.Conn, enq tasks.Enqueuer) *jobs.Jobs {
	st := stores.New(gdb)
	st.Signin.Tasks = enq
	j := &jobs.Jobs{Stores: st, Tasks: enq, Log: testkit.Logger()}
	st.Texting.Stored = j.TextsStored
	return j
}

func withMail(j *jobs.Jobs, m mail.Sender) *jobs.Jobs {
	j.Mail = m
	return j
}

func withURL(j *jobs.Jobs, publicURL string) *jobs.Jobs {
	j.PublicURL = publicURL
	return j
}

func (e *textEnv) contactWithNumber(t *testing.T, number string) models.Contact {
	t.Helper()
	var c models.Contact
	require.NoError(t, e.db.Where("firm_id = ? AND id = (SELECT contact_id FROM contact_phone_numbers WHERE number = ? LIMIT 1)",
		e.firm.ID, number).Take(&c).Error)
	return c
}

// inbound is a text as the gateway would enqueue it.
func (e *textEnv) inbound(id, from, body string, media ...sms.Media) sms.Inbound {
	return sms.Inbound{Dialect: sms.Twilio, MessageID: id, FirmID: e.firm.ID, From: from, To: firmNumber,
		Body: body, Media: sms.FilterDeclared(media), Kind: sms.Classify(body), ReceivedAt: time.Now()}
}

func (e *textEnv) receive(t *testing.T, in sms.Inbound) error {
	t.Helper()
	tk, err := tasks.NewTextInbound(in)
	require.NoError(t, err)
	return e.jobs.ReceiveText(context.Background(), tk)
}

// queueText records an outbound text the way the portal does: a row first.
func (e *textEnv) queueText(t *testing.T, to, body string) models.TextMessage {
	t.Helper()
	txt := models.TextMessage{FirmID: e.firm.ID, ContactID: e.client.ID, Direction: "out", Dialect: "twilio",
		FirmNumber: firmNumber, ContactNumber: to, Body: body, Status: models.TextQueued}
	require.NoError(t, e.db.Create(&txt).Error)
	return txt
}

func (e *textEnv) send(t *testing.T, txt models.TextMessage) error {
	t.Helper()
	tk, err := tasks.NewTextSend(txt.FirmID, txt.ID, 0)
	require.NoError(t, err)
	return e.jobs.SendText(context.Background(), tk)
}

func (e *textEnv) text(t *testing.T, id int64) models.TextMessage {
	t.Helper()
	var txt models.TextMessage
	require.NoError(t, e.db.First(&txt, id).Error)
	return txt
}

func (e *textEnv) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	testkit.Query(t, e.db, &n, q, args...)
	return n
}

// fakeTwilio answers the Messages API with what the test sets.
type fakeTwilio struct {
	srv   *httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	// answer is the status and JSON body of the next answers.
	status int
	body   string
	forms  []map[string]string
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{status: http.StatusCreated}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.calls.Add(1)
		user, pass, ok := r.BasicAuth()
		if !ok || user != "AC00000000000000000000000000000001" || pass != "token" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":20003,"message":"Authenticate"}`)
			return
		}
		if r.URL.Path != "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json" || r.ParseForm() != nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		f.forms = append(f.forms, form)
		w.WriteHeader(f.status)
		body := f.body
		if body == "" {
			body = `{"sid":"SM` + pad32(int(n)) + `","status":"queued"}`
		}
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTwilio) answer(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.body = status, body
}

func (f *fakeTwilio) lastForm() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.forms) == 0 {
		return nil
	}
	return f.forms[len(f.forms)-1]
}

func pad32(n int) string {
	s := "00000000000000000000000000000000" + strconv.Itoa(n)
	return s[len(s)-32:]
}

var errSkipRetry = asynq.SkipRetry
