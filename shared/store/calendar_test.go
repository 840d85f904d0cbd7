package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/store"
)

func TestEventsListAndLoad(t *testing.T) {
	t.Parallel()
	d := newDemo(t)
	ctx := context.Background()
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	id, _, err := d.s.CreateEvent(ctx, d.member, store.EventInput{MatterID: d.matterID, Title: "Prep",
		Start: start, End: start.Add(time.Hour), Contacts: []store.ContactAttendee{{ContactID: d.client.ID}}})
	require.NoError(t, err)

	rows, err := d.s.Events(ctx, d.member, start.Add(-time.Hour), start.Add(2*time.Hour), 0)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, "00001 · Casey Client v. Acme Insurance (car accident claim)", rows[0].MatterName)
	assert.Equal(t, 1, rows[0].Attendees)

	after, err := d.s.Events(ctx, d.member, start.Add(time.Hour), start.Add(2*time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, after, "an event ending as the range starts is not in it")

	ev, err := d.s.Event(ctx, d.member, id)
	require.NoError(t, err)
	assert.Equal(t, rows[0].MatterName, ev.MatterName)
	require.Len(t, ev.Contacts, 1)
	assert.Equal(t, "Casey Client", ev.Contacts[0].Name)
	assert.Empty(t, ev.Contacts[0].ReminderStatus)
}
