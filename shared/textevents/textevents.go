// Package textevents tells open staff pages that a contact's texts changed
// (a text arrived, a status moved), over Redis pub/sub, so a new text shows
// within moments instead of at the next poll.
package textevents

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

func channel(firmID, contactID int64) string {
	return fmt.Sprintf("parley:texts:%d:%d", firmID, contactID)
}

// Publish announces a change to the contact's texts. It is best effort: a
// page that misses it still refreshes when its wait times out.
func Publish(ctx context.Context, rdb redis.UniversalClient, firmID, contactID int64) error {
	return PublishAll(ctx, rdb, []Contact{{FirmID: firmID, ContactID: contactID}})
}

// Contact names one contact's texts.
type Contact struct{ FirmID, ContactID int64 }

// PublishAll is Publish for several contacts, in one round trip to Redis.
func PublishAll(ctx context.Context, rdb redis.UniversalClient, contacts []Contact) error {
	if rdb == nil || len(contacts) == 0 {
		return nil
	}
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range contacts {
			p.Publish(ctx, channel(c.FirmID, c.ContactID), "1")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("textevents: publish: %w", err)
	}
	return nil
}

// Waiter is a subscription opened before the caller reads the current
// state, so a change between the read and the wait is not missed.
type Waiter struct{ ps *redis.PubSub }

// Subscribe starts listening for changes to the contact's texts.
func Subscribe(ctx context.Context, rdb redis.UniversalClient, firmID, contactID int64) (*Waiter, error) {
	ps := rdb.Subscribe(ctx, channel(firmID, contactID))
	// Receive the subscription confirmation so later publishes are seen.
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return nil, fmt.Errorf("textevents: subscribe: %w", err)
	}
	return &Waiter{ps: ps}, nil
}

// Wait returns true when a change is announced, false after timeout.
func (w *Waiter) Wait(ctx context.Context, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-w.ps.Channel():
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// Close ends the subscription.
func (w *Waiter) Close() { w.ps.Close() }
