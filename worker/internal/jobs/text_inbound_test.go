package jobs_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

func TestInboundStoredOnce(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)

	// The same delivery handled twice, one after the other.
	in := e.inbound("SM00000000000000000000000000000001", seed.DemoClientPhone, "Running 10 minutes late")
	require.NoError(t, e.receive(t, in))
	require.NoError(t, e.receive(t, in))
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_messages WHERE carrier_message_id = ?`, in.MessageID))

	var txt models.TextMessage
	require.NoError(t, e.db.Where("carrier_message_id = ?", in.MessageID).Take(&txt).Error)
	assert.Equal(t, e.client.ID, txt.ContactID, "joins the client's conversation")
	assert.Equal(t, "in", txt.Direction)
	assert.Equal(t, models.TextReceived, txt.Status)
	assert.Equal(t, firmNumber, txt.FirmNumber)
	assert.Equal(t, seed.DemoClientPhone, txt.ContactNumber)
	assert.Equal(t, "Running 10 minutes late", txt.Body)

	// Copies of one delivery handled at the same time.
	in2 := e.inbound("SM00000000000000000000000000000002", seed.DemoClientPhone, "Are you there?")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := tasks.NewTextInbound(in2)
			if err == nil {
				err = e.jobs.ReceiveText(t.Context(), tk)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_messages WHERE carrier_message_id = ?`, in2.MessageID))
	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM unknown_texts`))
}

func TestInboundFromRelatedContactJoinsTheirConversation(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	// Written the way a person might type it: matched after normalizing.
	in := e.inbound("SM00000000000000000000000000000003", "+1 (415) 555-0124", "I'm Casey's spouse")
	require.NoError(t, e.receive(t, in))

	var txt models.TextMessage
	require.NoError(t, e.db.Where("carrier_message_id = ?", in.MessageID).Take(&txt).Error)
	assert.Equal(t, e.related.ID, txt.ContactID)
	assert.Equal(t, "+14155550124", txt.ContactNumber)
}

func TestInboundPrefersTheTextingNumber(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	// Another contact lists the client's mobile as a plain phone number.
	other := models.Contact{FirmID: e.firm.ID, Kind: models.ContactPerson, FirstName: "Landline", LastName: "Lee",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: e.firm.ID, Number: "+14155550177", Label: "home"}}}
	require.NoError(t, e.db.Create(&other).Error)
	require.NoError(t, e.db.Create(&models.ContactPhoneNumber{FirmID: e.firm.ID, ContactID: other.ID,
		Number: seed.DemoClientPhone, Label: "work"}).Error)

	in := e.inbound("SM00000000000000000000000000000004", seed.DemoClientPhone, "hi")
	require.NoError(t, e.receive(t, in))
	assert.EqualValues(t, e.client.ID, e.count(t, `SELECT contact_id FROM text_messages WHERE carrier_message_id = ?`, in.MessageID))

	// A number that is only a plain phone of a contact still finds them.
	in = e.inbound("SM00000000000000000000000000000005", "+14155550177", "hello from home")
	require.NoError(t, e.receive(t, in))
	assert.EqualValues(t, other.ID, e.count(t, `SELECT contact_id FROM text_messages WHERE carrier_message_id = ?`, in.MessageID))
}

func TestInboundFromUnknownNumber(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	in := e.inbound("SM00000000000000000000000000000006", "+12125550199", "Is this the law office?")
	require.NoError(t, e.receive(t, in))
	require.NoError(t, e.receive(t, in))

	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM text_messages`), "kept out of every conversation")
	var u models.UnknownText
	require.NoError(t, e.db.Where("firm_id = ?", e.firm.ID).Take(&u).Error)
	assert.Equal(t, "+12125550199", u.FromNumber)
	assert.Equal(t, "Is this the law office?", u.Body)
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM unknown_texts`))

	// STOP from a number that is no contact is still honoured.
	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000007", "+12125550199", "STOP")))
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_opt_outs WHERE contact_number = '+12125550199'`))
	assert.EqualValues(t, 2, e.count(t, `SELECT count(*) FROM unknown_texts`))
	assert.EqualValues(t, 0, e.count(t, `SELECT count(*) FROM text_messages`))
}

func TestOptOutAndBackIn(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	optedOut := func() bool {
		return e.count(t, `SELECT count(*) FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?`,
			firmNumber, seed.DemoClientPhone) == 1
	}

	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000010", seed.DemoClientPhone, " stop ")))
	assert.True(t, optedOut())
	// The keyword itself stays in the conversation for staff to see.
	assert.EqualValues(t, 1, e.count(t, `SELECT count(*) FROM text_messages WHERE body = ' stop ' AND contact_id = ?`, e.client.ID))

	txt := e.queueText(t, seed.DemoClientPhone, "Please call us")
	err := e.send(t, txt)
	require.Error(t, err)
	assert.ErrorIs(t, err, errSkipRetry)
	got := e.text(t, txt.ID)
	assert.Equal(t, models.TextFailed, got.Status)
	assert.Equal(t, texting.Words(texting.OptedOut), got.FailureReason)
	assert.Zero(t, e.carrier.calls.Load(), "nothing reached the carrier")

	// A replay of the STOP after START must not opt the contact out again.
	stop := e.inbound("SM00000000000000000000000000000011", seed.DemoClientPhone, "UNSUBSCRIBE")
	require.NoError(t, e.receive(t, stop))
	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000012", seed.DemoClientPhone, "Start")))
	assert.False(t, optedOut())
	require.NoError(t, e.receive(t, stop))
	assert.False(t, optedOut())

	txt = e.queueText(t, seed.DemoClientPhone, "Welcome back")
	require.NoError(t, e.send(t, txt))
	assert.Equal(t, models.TextSending, e.text(t, txt.ID).Status)
	assert.EqualValues(t, 1, e.carrier.calls.Load())

	// YES from an opted-out contact opts back in; from anyone else it is a text.
	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000013", seed.DemoClientPhone, "STOP")))
	require.True(t, optedOut())
	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000014", seed.DemoClientPhone, "yes!")))
	assert.False(t, optedOut())
	require.NoError(t, e.receive(t, e.inbound("SM00000000000000000000000000000015", seed.DemoClientPhone, "Yes")))
	assert.False(t, optedOut())
	assert.EqualValues(t, 6, e.count(t, `SELECT count(*) FROM text_messages WHERE direction = 'in'`))
}

func TestHelpQueuesTheFirmsReply(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	testkit.SetUp(t, e.db, `UPDATE firms SET texting_alt_email = 'office@demo.test', texting_alt_phone = '(415) 555-0100'
		WHERE id = ?`, e.firm.ID)

	help := e.inbound("SM00000000000000000000000000000020", seed.DemoClientPhone, "HELP")
	require.NoError(t, e.receive(t, help))
	require.NoError(t, e.receive(t, help), "a replay does not answer twice")

	var replies []models.TextMessage
	require.NoError(t, e.db.Where("direction = 'out'").Find(&replies).Error)
	require.Len(t, replies, 1)
	r := replies[0]
	assert.Equal(t, "Demo Law LLP: for help, email office@demo.test or call (415) 555-0100. Reply STOP to opt out.", r.Body)
	assert.Equal(t, models.TextQueued, r.Status)
	assert.Nil(t, r.SentByUserID)
	assert.Equal(t, e.client.ID, r.ContactID)
	assert.Equal(t, seed.DemoClientPhone, r.ContactNumber)

	sends := e.queue.OfType(tasks.TypeTextSend)
	require.Len(t, sends, 1)
	p, err := tasks.Decode[tasks.TextSend](sends[0])
	require.NoError(t, err)
	assert.Equal(t, r.ID, p.TextID)

	// The reply goes out the way a user's text does.
	require.NoError(t, e.send(t, r))
	assert.Equal(t, r.Body, e.carrier.lastForm()["Body"])
}

func TestHelpReplyWording(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ email, phone, want string }{
		{"", "", "Firm: for help, reply to this number or contact your lawyer. Reply STOP to opt out."},
		{"a@b.test", "", "Firm: for help, email a@b.test. Reply STOP to opt out."},
		{"", "555-0100", "Firm: for help, call 555-0100. Reply STOP to opt out."},
	} {
		f := models.Firm{Name: "Firm"}
		f.TextingAltEmail, f.TextingAltPhone = tc.email, tc.phone
		assert.Equal(t, tc.want, texting.HelpReply(f), fmt.Sprintf("%+v", tc))
	}
}

func TestInboundForMissingFirmIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newTextEnv(t)
	in := e.inbound("SM00000000000000000000000000000030", seed.DemoClientPhone, "hi")
	in.FirmID = e.firm.ID + 1000
	assert.ErrorIs(t, e.receive(t, in), errSkipRetry)
}
