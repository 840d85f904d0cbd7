package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/portal/internal/web"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/textevents"
)

var afterRE = regexp.MustCompile(`messages\?after=([0-9-]+)`)

// An open thread waits for news instead of polling: the answer comes when
// the worker announces a new text.
func TestThreadWaitsForANewText(t *testing.T) {
	t.Parallel()
	var rdb redis.UniversalClient
	e := newEnv(t, map[string]string{
		"TEXTING_NUMBERS": "twilio:+18885550100", "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "token",
	}, func(d *web.Deps) { rdb = d.Redis })
	admin := e.enableTexting()
	var client models.Contact
	require.NoError(t, e.db.Joins("JOIN contact_emails ce ON ce.contact_id = contacts.id AND ce.address = ?", seed.DemoClientEmail).Take(&client).Error)

	page := admin.get(fmt.Sprintf("/staff/texts/contacts/%d", client.ID))
	require.Equal(t, http.StatusOK, page.StatusCode)
	m := afterRE.FindStringSubmatch(page.body)
	require.NotNil(t, m, "the list asks for news with its version")

	done := make(chan response, 1)
	go func() {
		done <- admin.get(fmt.Sprintf("/staff/texts/contacts/%d/messages?after=%s", client.ID, m[1]), "HX-Request", "true", "X-Parley-Poll", "1")
	}()
	// The worker's side: store a text, then announce it.
	firm := e.firm(seed.DemoFirmSlug)
	sid := "SMlive0001"
	require.NoError(t, e.db.Create(&models.TextMessage{FirmID: firm.ID, ContactID: client.ID, Direction: "in", Dialect: "twilio",
		CarrierMessageID: &sid, FirmNumber: "+18885550100", ContactNumber: seed.DemoClientPhone, Body: "On my way", Status: models.TextReceived}).Error)
	// Publish until the waiting request has subscribed and answered.
	var r response
	for r.Response == nil {
		require.NoError(t, textevents.Publish(context.Background(), rdb, firm.ID, client.ID))
		select {
		case r = <-done:
		case <-afterTick():
		}
	}
	assert.Equal(t, http.StatusOK, r.StatusCode)
	assert.Contains(t, r.body, "On my way")
	assert.NotContains(t, r.body, "<html", "a fragment")
	assert.NotContains(t, r.body, "after="+m[1], "the next wait carries the new version")
}

// A waiting thread answers as soon as the portal starts shutting down, so
// an open page does not hold the shutdown up for the rest of its wait.
func TestThreadWaitEndsAtShutdown(t *testing.T) {
	t.Parallel()
	stopping, stop := context.WithCancel(context.Background())
	defer stop()
	e := newEnv(t, map[string]string{
		"TEXTING_NUMBERS": "twilio:+18885550100", "TWILIO_ACCOUNT_SID": "ACtest", "TWILIO_AUTH_TOKEN": "token",
	}, func(d *web.Deps) { d.Stopping = stopping })
	admin := e.enableTexting()
	var client models.Contact
	require.NoError(t, e.db.Joins("JOIN contact_emails ce ON ce.contact_id = contacts.id AND ce.address = ?", seed.DemoClientEmail).Take(&client).Error)
	m := afterRE.FindStringSubmatch(admin.get(fmt.Sprintf("/staff/texts/contacts/%d", client.ID)).body)
	require.NotNil(t, m)

	done := make(chan response, 1)
	go func() {
		done <- admin.get(fmt.Sprintf("/staff/texts/contacts/%d/messages?after=%s", client.ID, m[1]), "HX-Request", "true", "X-Parley-Poll", "1")
	}()
	stop()
	select {
	case r := <-done:
		assert.Equal(t, http.StatusOK, r.StatusCode)
		assert.Contains(t, r.body, "after="+m[1], "nothing changed: the same version, asked again later")
	case <-time.After(web.LongPollWait / 2):
		t.Fatal("the wait outlived the shutdown")
	}
}
