package main

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Directions, in Twilio's words (from the carrier account's side).
const (
	DirInbound  = "inbound"      // the phone texted the firm
	DirOutbound = "outbound-api" // the firm texted the phone through the REST API
)

// Message is one text the simulated network carried.
type Message struct {
	SID         string    `json:"sid"`
	Direction   string    `json:"direction"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Body        string    `json:"body"`
	NumSegments int       `json:"num_segments"`
	Media       []Media   `json:"media,omitempty"`
	Status      string    `json:"status"` // inbound: received; outbound: queued, sent, delivered, undelivered, failed
	ErrorCode   string    `json:"error_code,omitempty"`
	DateCreated time.Time `json:"date_created"`
	// StatusCallback is where an outbound message's status goes.
	StatusCallback string `json:"status_callback,omitempty"`
	// Webhook is the last post about this message: the inbound webhook to
	// the gateway, or an outbound message's last status callback.
	Webhook *Delivery `json:"webhook,omitempty"`

	// params is the inbound webhook as first built, so a retry sends the
	// very same delivery (same MessageSid) again, as a carrier would.
	params url.Values
}

// Media is one attachment: an upload from the phone (served by the
// simulator) or a MediaUrl the firm sent.
type Media struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type,omitempty"`
	Filename    string `json:"filename,omitempty"`
}

// Delivery is the outcome of posting a webhook or status callback.
type Delivery struct {
	Event    string    `json:"event"`             // "inbound" or the MessageStatus posted
	URL      string    `json:"url"`               // where it went
	Attempts int       `json:"attempts"`          // posts of this event so far
	Pending  bool      `json:"pending,omitempty"` // a post is in flight
	Status   int       `json:"status,omitempty"`  // the HTTP status answered; 0 if none
	Error    string    `json:"error,omitempty"`   // the network error, or the start of a non-2xx answer
	At       time.Time `json:"at"`                // when the last post ended (or began, if pending)
}

// OK reports whether the last post was answered 2xx.
func (d *Delivery) OK() bool { return d != nil && !d.Pending && d.Status >= 200 && d.Status < 300 }

type blob struct {
	contentType string
	data        []byte
}

// state is everything the simulated network remembers, in memory only.
type state struct {
	mu       sync.Mutex
	version  uint64 // bumped on every change, so pages poll cheaply
	messages []*Message
	bySID    map[string]*Message
	media    map[string]blob
	optedOut map[optKey]bool // the carrier blocks sends after STOP, per number pair
}

// optKey is (phone, firm number): opting out is per sending number.
type optKey struct{ phone, firm string }

func newState() *state {
	return &state{bySID: map[string]*Message{}, media: map[string]blob{}, optedOut: map[optKey]bool{}}
}

// newSID returns a Twilio-shaped ID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b[:])
}

func (s *state) add(m *Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	s.bySID[m.SID] = m
	s.version++
}

func (s *state) putMedia(id, contentType string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id] = blob{contentType: contentType, data: data}
}

func (s *state) getMedia(id string) (blob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.media[id]
	return b, ok
}

func (s *state) setOptOut(phone, firm string, out bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if out {
		s.optedOut[optKey{phone, firm}] = true
	} else {
		delete(s.optedOut, optKey{phone, firm})
	}
	s.version++
}

func (s *state) isOptedOut(phone, firm string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.optedOut[optKey{phone, firm}]
}

// optedOutOf lists the firm numbers phone has opted out of, sorted.
func (s *state) optedOutOf(phone string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.optedOut {
		if k.phone == phone {
			out = append(out, k.firm)
		}
	}
	slices.Sort(out)
	return out
}

// get returns a copy of the message, safe to read without the lock.
func (s *state) get(sid string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.bySID[sid]
	if !ok {
		return Message{}, false
	}
	return m.copy(), true
}

// conversation returns copies of phone's messages in order, with the
// state's version.
func (s *state) conversation(phone string) ([]Message, uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if (m.Direction == DirInbound && m.From == phone) || (m.Direction == DirOutbound && m.To == phone) {
			out = append(out, m.copy())
		}
	}
	return out, s.version
}

func (s *state) currentVersion() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// update changes a message under the lock and returns a copy of the result.
func (s *state) update(sid string, fn func(m *Message)) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.bySID[sid]
	if !ok {
		return Message{}, false
	}
	fn(m)
	s.version++
	return m.copy(), true
}

func (m *Message) copy() Message {
	c := *m
	c.Media = slices.Clone(m.Media)
	if m.Webhook != nil {
		d := *m.Webhook
		c.Webhook = &d
	}
	return c
}
