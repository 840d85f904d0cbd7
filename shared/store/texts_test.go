package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/stores"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/testkit"
)

var pool = []config.PoolNumber{{Dialect: "twilio", Number: "+18885550100"}, {Dialect: "telnyx", Number: "+18335550199"}}

// demo is the seeded firm as the store sees it.
type demo struct {
	db             *gorm.DB
	s              *stores.Set
	firm           models.Firm
	admin, member  store.Viewer
	client         models.Contact
	related        models.Contact
	matterID       int64
	otherFirmAdmin store.Viewer
	otherContact   models.Contact
}

func newDemo(t *testing.T) demo {
	t.Helper()
	gdb := testkit.DB(t)
	ds, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(context.Background(), gdb, ds, testkit.Logger()))
	d := demo{db: gdb, s: stores.New(gdb)}
	require.NoError(t, gdb.Where("slug = ?", seed.DemoFirmSlug).Take(&d.firm).Error)
	var admin, member models.User
	require.NoError(t, gdb.Where("email = ?", seed.DemoAdminEmail).Take(&admin).Error)
	require.NoError(t, gdb.Where("email = ?", seed.DemoMemberEmail).Take(&member).Error)
	d.admin = store.Viewer{FirmID: d.firm.ID, UserID: admin.ID, Admin: true}
	d.member = store.Viewer{FirmID: d.firm.ID, UserID: member.ID}
	require.NoError(t, gdb.Where("firm_id = ? AND first_name = ?", d.firm.ID, "Casey").Take(&d.client).Error)
	require.NoError(t, gdb.Where("firm_id = ? AND first_name = ?", d.firm.ID, "Robin").Take(&d.related).Error)
	var m models.Matter
	require.NoError(t, gdb.Where("firm_id = ?", d.firm.ID).Take(&m).Error)
	d.matterID = m.ID

	other := newFirm(t, gdb, "other")
	d.otherFirmAdmin = other
	d.otherContact = models.Contact{FirmID: other.FirmID, Kind: models.ContactPerson, FirstName: "Cy",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: other.FirmID, Number: "+14155550177", IsTexting: true}}}
	require.NoError(t, gdb.Create(&d.otherContact).Error)
	return d
}

// newFirm adds a firm with one administrator and returns the admin's view.
func newFirm(t *testing.T, gdb *gorm.DB, slug string) store.Viewer {
	t.Helper()
	f := models.Firm{Slug: slug, Name: slug, TimeZone: "UTC"}
	require.NoError(t, gdb.Create(&f).Error)
	u := models.User{FirmID: f.ID, Email: "boss@" + slug + ".test", Role: models.RoleAdmin, Active: true, TextBadge: true}
	require.NoError(t, gdb.Create(&u).Error)
	return store.Viewer{FirmID: f.ID, UserID: u.ID, Admin: true}
}

func (d demo) inbound(t *testing.T, contactID int64, body string) models.TextMessage {
	t.Helper()
	sid := fmt.Sprintf("SM%s", body)
	m := models.TextMessage{FirmID: d.firm.ID, ContactID: contactID, Direction: "in", Dialect: "twilio", CarrierMessageID: &sid,
		FirmNumber: pool[0].Number, ContactNumber: seed.DemoClientPhone, Body: body, Status: models.TextReceived}
	require.NoError(t, d.db.Omit("Media").Create(&m).Error)
	return m
}

func TestEnableTextingAssignsPoolNumbers(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()

	_, err := d.s.Firms.EnableTexting(ctx, d.member, pool)
	assert.ErrorIs(t, err, store.ErrForbidden, "members cannot turn texting on")
	_, err = d.s.Firms.EnableTexting(ctx, d.admin, nil)
	assert.ErrorIs(t, err, firms.ErrNoTextingNumber, "an empty pool")

	st, err := d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)
	assert.True(t, st.TextingEnabled)
	assert.Equal(t, "+18885550100", *st.TextingNumber)
	assert.Equal(t, "twilio", *st.TextingDialect)
	st, err = d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)
	assert.Equal(t, "+18885550100", *st.TextingNumber, "enabling again keeps the number")

	st, err = d.s.Firms.EnableTexting(ctx, d.otherFirmAdmin, pool)
	require.NoError(t, err)
	assert.Equal(t, "+18335550199", *st.TextingNumber, "the next firm gets the next number")
	assert.Equal(t, "telnyx", *st.TextingDialect)

	third := newFirm(t, d.db, "third")
	_, err = d.s.Firms.EnableTexting(ctx, third, pool)
	assert.ErrorIs(t, err, firms.ErrNoTextingNumber, "the pool is exhausted")

	require.NoError(t, d.s.Firms.DisableTexting(ctx, d.admin))
	st, err = d.s.Firms.Texting(ctx, d.admin)
	require.NoError(t, err)
	assert.False(t, st.TextingEnabled)
	assert.Nil(t, st.TextingNumber, "the number goes back to the pool")
	st, err = d.s.Firms.EnableTexting(ctx, third, pool)
	require.NoError(t, err)
	assert.Equal(t, "+18885550100", *st.TextingNumber, "a released number is reused")
}

// TestEnableTextingRace: firms turning texting on at once never share a number.
func TestEnableTextingRace(t *testing.T) {
	t.Parallel()
	gdb := testkit.DB(t)
	s := stores.New(gdb)
	var admins []store.Viewer
	for i := range 8 {
		admins = append(admins, newFirm(t, gdb, fmt.Sprintf("firm-%d", i)))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(admins))
	numbers := make([]string, len(admins))
	for i, v := range admins {
		wg.Go(func() {
			st, err := s.Firms.EnableTexting(context.Background(), v, pool)
			errs[i] = err
			if err == nil {
				numbers[i] = *st.TextingNumber
			}
		})
	}
	wg.Wait()
	got := map[string]int{}
	for i, err := range errs {
		if err != nil {
			require.ErrorIs(t, err, firms.ErrNoTextingNumber)
			continue
		}
		got[numbers[i]]++
	}
	assert.Equal(t, map[string]int{"+18885550100": 1, "+18335550199": 1}, got)
}

func TestSendTextChecks(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()

	_, err := d.s.Texting.SendText(ctx, d.member, d.client.ID, "Hi")
	assert.ErrorIs(t, err, texting.ErrTextingOff)
	_, err = d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)

	txt, err := d.s.Texting.SendText(ctx, d.member, d.client.ID, "Hi")
	require.NoError(t, err)
	assert.Equal(t, models.TextQueued, txt.Status)
	assert.Equal(t, "out", txt.Direction)
	assert.Equal(t, "twilio", txt.Dialect)
	assert.Equal(t, pool[0].Number, txt.FirmNumber)
	assert.Equal(t, seed.DemoClientPhone, txt.ContactNumber)
	assert.Equal(t, d.member.UserID, *txt.SentByUserID)

	_, err = d.s.Texting.SendText(ctx, d.otherFirmAdmin, d.client.ID, "Hi")
	assert.ErrorIs(t, err, db.ErrNotFound, "another firm's contact does not exist for you")
	_, err = d.s.Texting.SendText(ctx, store.Viewer{FirmID: d.firm.ID, ContactID: d.client.ID}, d.client.ID, "Hi")
	assert.ErrorIs(t, err, db.ErrNotFound, "clients do not text from the firm's number")

	require.NoError(t, d.db.Create(&models.TextOptOut{FirmID: d.firm.ID, FirmNumber: pool[0].Number, ContactNumber: seed.DemoClientPhone}).Error)
	_, err = d.s.Texting.SendText(ctx, d.member, d.client.ID, "Hi")
	assert.ErrorIs(t, err, texting.ErrOptedOut)

	uk := models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: "Una",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: d.firm.ID, Number: "+447700900123", Label: "mobile", IsTexting: true}}}
	require.NoError(t, d.db.Create(&uk).Error)
	_, err = d.s.Texting.SendText(ctx, d.member, uk.ID, "Hi")
	assert.ErrorIs(t, err, sms.ErrNotTextable)

	none := models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: "Nell",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: d.firm.ID, Number: "+14155550150", Label: "work"}}}
	require.NoError(t, d.db.Create(&none).Error)
	_, err = d.s.Texting.SendText(ctx, d.member, none.ID, "Hi")
	assert.ErrorIs(t, err, texting.ErrNoNumber, "a work number is not texted")

	mobile := models.Contact{FirmID: d.firm.ID, Kind: models.ContactPerson, FirstName: "Mo",
		PhoneNumbers: []models.ContactPhoneNumber{{FirmID: d.firm.ID, Number: "+14155550151", Label: "work"}, {FirmID: d.firm.ID, Number: "+14155550152", Label: "mobile"}}}
	require.NoError(t, d.db.Create(&mobile).Error)
	txt, err = d.s.Texting.SendText(ctx, d.member, mobile.ID, "Hi")
	require.NoError(t, err)
	assert.Equal(t, "+14155550152", txt.ContactNumber, "without a texting number, the mobile number")
}

func TestUnreadTexts(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	_, err := d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)

	d.inbound(t, d.client.ID, "one")
	second := d.inbound(t, d.client.ID, "two")
	d.inbound(t, d.related.ID, "three")
	for _, v := range []store.Viewer{d.admin, d.member} {
		show, n, _, err := d.s.Texting.TextBadge(ctx, v)
		require.NoError(t, err)
		assert.True(t, show)
		assert.Equal(t, 3, n)
	}

	require.NoError(t, d.s.Texting.MarkThreadRead(ctx, d.admin, d.client.ID, second.ID))
	_, n, _, err := d.s.Texting.TextBadge(ctx, d.admin)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "read per user")
	_, n, _, err = d.s.Texting.TextBadge(ctx, d.member)
	require.NoError(t, err)
	assert.Equal(t, 3, n, "another user's reading changes nothing for the member")

	require.NoError(t, d.s.Texting.MarkThreadRead(ctx, d.admin, d.client.ID, second.ID-1))
	convs, err := conversations(d, ctx, d.admin)
	require.NoError(t, err)
	require.Len(t, convs, 2)
	assert.Equal(t, "Robin Related", convs[0].ContactName, "newest first")
	assert.Equal(t, 1, convs[0].Unread)
	assert.Equal(t, 0, convs[1].Unread, "marking read never moves backwards")
	assert.Equal(t, "two", convs[1].LastBody)

	require.NoError(t, d.s.Texting.MarkThreadRead(ctx, d.otherFirmAdmin, d.client.ID, second.ID))
	var reads int64
	require.NoError(t, d.db.Model(&models.TextThreadRead{}).Where("user_id = ?", d.otherFirmAdmin.UserID).Count(&reads).Error)
	assert.Zero(t, reads, "no read marks on another firm's contact")

	require.NoError(t, d.s.Firms.SetTextBadge(ctx, d.member, false))
	show, _, _, err := d.s.Texting.TextBadge(ctx, d.member)
	require.NoError(t, err)
	assert.False(t, show)
	require.NoError(t, d.s.Firms.DisableTexting(ctx, d.admin))
	show, _, _, err = d.s.Texting.TextBadge(ctx, d.admin)
	require.NoError(t, err)
	assert.False(t, show, "no badge while texting is off")

	threads, err := d.s.Texting.MatterThreads(ctx, d.member, d.matterID)
	require.NoError(t, err)
	require.Len(t, threads, 2)
	assert.Equal(t, "Client", threads[0].Role)
	assert.Equal(t, 2, threads[0].Texts)
	assert.Equal(t, "Spouse", threads[1].Role)
	assert.Equal(t, "three", threads[1].LastBody)
	_, err = d.s.Texting.MatterThreads(ctx, d.otherFirmAdmin, d.matterID)
	assert.ErrorIs(t, err, db.ErrNotFound)
}

func TestRetryText(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	_, err := d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)
	fail := func(reason string) models.TextMessage {
		txt, err := d.s.Texting.SendText(ctx, d.member, d.client.ID, reason)
		require.NoError(t, err)
		require.NoError(t, d.db.Model(&txt).Omit("Media").Updates(map[string]any{"status": "failed", "failure_reason": reason, "error_code": "30001", "carrier_message_id": "SM" + reason}).Error)
		return txt
	}
	temp := fail(sms.ReasonTemporary)
	got, at1, err := d.s.Texting.RetryText(ctx, d.member, temp.ID)
	require.NoError(t, err)
	assert.Equal(t, models.TextQueued, got.Status)
	var row models.TextMessage
	require.NoError(t, d.db.Omit("Media").Take(&row, temp.ID).Error)
	assert.Equal(t, models.TextQueued, row.Status)
	assert.Empty(t, row.FailureReason)
	assert.Empty(t, row.ErrorCode)
	assert.Nil(t, row.CarrierMessageID, "the failed attempt's carrier ID is cleared")
	_, _, err = d.s.Texting.RetryText(ctx, d.member, temp.ID)
	assert.ErrorIs(t, err, texting.ErrNotRetryable, "a queued text is not retried again")

	require.NoError(t, d.db.Model(&row).Omit("Media").Updates(map[string]any{"status": "failed", "failure_reason": sms.ReasonCarrier}).Error)
	_, at2, err := d.s.Texting.RetryText(ctx, d.member, temp.ID)
	require.NoError(t, err)
	assert.NotEqual(t, at1.UnixMicro(), at2.UnixMicro(), "each retry has its own moment, for its task ID")

	unreachable := fail(sms.ReasonUnreachable)
	_, _, err = d.s.Texting.RetryText(ctx, d.member, unreachable.ID)
	assert.ErrorIs(t, err, texting.ErrNotRetryable)
	_, _, err = d.s.Texting.RetryText(ctx, d.otherFirmAdmin, temp.ID)
	assert.ErrorIs(t, err, db.ErrNotFound)

	unknown := fail(sms.ReasonUnknownErr)
	require.NoError(t, d.db.Create(&models.TextOptOut{FirmID: d.firm.ID, FirmNumber: pool[0].Number, ContactNumber: seed.DemoClientPhone}).Error)
	_, _, err = d.s.Texting.RetryText(ctx, d.member, unknown.ID)
	assert.ErrorIs(t, err, texting.ErrOptedOut, "a retry is a send: opted out means no")
}

func TestContactFromUnknown(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	_, err := d.s.Firms.EnableTexting(ctx, d.admin, pool)
	require.NoError(t, err)
	u1 := models.UnknownText{FirmID: d.firm.ID, Dialect: "twilio", CarrierMessageID: "SMu1", FromNumber: "+14155550190", Body: "Hello, it's Dana"}
	u2 := models.UnknownText{FirmID: d.firm.ID, Dialect: "twilio", CarrierMessageID: "SMu2", FromNumber: "+14155550190", Body: "About my case"}
	short := models.UnknownText{FirmID: d.firm.ID, Dialect: "twilio", CarrierMessageID: "SMu3", FromNumber: "22395", Body: "promo"}
	for _, u := range []*models.UnknownText{&u1, &u2, &short} {
		require.NoError(t, d.db.Create(u).Error)
	}

	_, err = d.s.Texting.UnknownTexts(ctx, d.member, "")
	assert.ErrorIs(t, err, store.ErrForbidden)
	list, err := d.s.Texting.UnknownTexts(ctx, d.admin, "")
	require.NoError(t, err)
	assert.Len(t, list.Items, 3)
	_, err = d.s.Texting.ContactFromUnknown(ctx, d.otherFirmAdmin, u1.ID, "Dana", "")
	assert.ErrorIs(t, err, db.ErrNotFound)

	c, err := d.s.Texting.ContactFromUnknown(ctx, d.admin, u1.ID, "Dana", "Doe")
	require.NoError(t, err)
	again, err := d.s.Texting.ContactFromUnknown(ctx, d.admin, u2.ID, "Dana", "Doe")
	require.NoError(t, err)
	assert.Equal(t, c.ID, again.ID, "the number's other texts were linked to the same contact")

	tc, err := d.s.Texting.TextContact(ctx, d.member, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "+14155550190", tc.Number)
	texts, err := d.s.Texting.Texts(ctx, d.member, c.ID, "")
	require.NoError(t, err)
	require.Len(t, texts.Items, 2, "the unknown texts joined the conversation")
	assert.Equal(t, "Hello, it's Dana", texts.Items[1].Body, "the oldest last: newest first")
	assert.Equal(t, "in", texts.Items[1].Direction)

	_, err = d.s.Texting.ContactFromUnknown(ctx, d.admin, short.ID, "Promo", "")
	assert.True(t, errors.Is(err, contacts.ErrNotE164), "a short code is no contact number: %v", err)
}

func TestTextsAreFirmScoped(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	m := d.inbound(t, d.client.ID, "secret")
	media := models.TextMedia{FirmID: d.firm.ID, MessageID: m.ID, URL: "https://x/1", Status: "kept", StorageKey: "k", SniffedType: "image/png"}
	require.NoError(t, d.db.Create(&media).Error)

	_, err := d.s.Texting.TextContact(ctx, d.otherFirmAdmin, d.client.ID)
	assert.ErrorIs(t, err, db.ErrNotFound)
	_, err = d.s.Texting.Texts(ctx, d.otherFirmAdmin, d.client.ID, "")
	assert.ErrorIs(t, err, db.ErrNotFound)
	_, err = d.s.Texting.TextMedia(ctx, d.otherFirmAdmin, media.ID)
	assert.ErrorIs(t, err, db.ErrNotFound)
	convs, err := conversations(d, ctx, d.otherFirmAdmin)
	require.NoError(t, err)
	assert.Empty(t, convs)
	opts, err := d.s.Contacts.List(ctx, d.otherFirmAdmin, contacts.Filter{}, "")
	require.NoError(t, err)
	require.Len(t, opts.Items, 1)
	assert.Equal(t, d.otherContact.ID, opts.Items[0].ID)

	got, err := d.s.Texting.TextMedia(ctx, d.member, media.ID)
	require.NoError(t, err)
	assert.Equal(t, "k", got.StorageKey)
	texts, err := d.s.Texting.Texts(ctx, d.member, d.client.ID, "")
	require.NoError(t, err)
	require.Len(t, texts.Items, 1)
	assert.Len(t, texts.Items[0].Media, 1)
}

// conversations is the first page of Communications.
func conversations(d demo, ctx context.Context, v store.Viewer) ([]texting.Conversation, error) {
	p, err := d.s.Texting.Conversations(ctx, v, "")
	return p.Items, err
}

// A batch numbered out of time order (received texts are stored in
// batches) still shows its latest text as the thread's last.
func TestConversationLastTextIsTheLatest(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	testkit.SetUp(t, d.db, `INSERT INTO text_messages (firm_id, contact_id, direction, dialect, firm_number, contact_number, body, status, created_at)
		VALUES (?, ?, 'in', 'twilio', ?, ?, 'later', 'received', now()),
		       (?, ?, 'in', 'twilio', ?, ?, 'earlier', 'received', now() - interval '1 hour')`,
		d.firm.ID, d.client.ID, pool[0].Number, seed.DemoClientPhone, d.firm.ID, d.client.ID, pool[0].Number, seed.DemoClientPhone)
	p, err := d.s.Texting.Conversations(ctx, d.admin, "")
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	assert.Equal(t, "later", p.Items[0].LastBody)
	assert.Equal(t, 2, p.Items[0].Unread)
}
