// Package tasks declares every asynq task Parley runs: its type name, its
// queue, its payload and a constructor. portal and gateway enqueue through
// these constructors; the worker registers a handler per type.
package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/sms"
)

// Queues, most urgent first. Weights give the worker's share of attention.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// QueueWeights is what the worker serves.
var QueueWeights = map[string]int{QueueCritical: 6, QueueDefault: 3, QueueLow: 1}

// QueueNames lists the queues in priority order.
var QueueNames = []string{QueueCritical, QueueDefault, QueueLow}

// Task type names, "domain:action".
const (
	TypeEmailSend     = "email:send"
	TypeClientNotify  = "portal:notify_client"
	TypeTextInbound   = "text:inbound"
	TypeTextStatus    = "text:status"
	TypeTextSend      = "text:send"
	TypeTextMedia     = "text:media"
	TypeEventNotify   = "calendar:notify"
	TypeSignInLink    = "signin:link"
	TypeContactImport = "contacts:import"
)

// ContactImport asks the worker to save a confirmed contact import.
type ContactImport struct {
	FirmID   int64 `json:"firm_id"`
	ImportID int64 `json:"import_id"`
}

// NewContactImport builds the task of an import confirmed at the time
// given. Its ID names the import and that confirmation: a confirmation
// taken back (its task could not be queued) and made again queues anew,
// while one confirmation delivered twice is saved once by the store.
func NewContactImport(firmID, importID int64, confirmed time.Time) (*asynq.Task, error) {
	return newTask(TypeContactImport, ContactImport{FirmID: firmID, ImportID: importID},
		asynq.Queue(QueueDefault), asynq.MaxRetry(10), asynq.Timeout(30*time.Minute),
		asynq.TaskID(fmt.Sprintf("%s:%d:%d", TypeContactImport, importID, confirmed.UnixNano())), asynq.Retention(24*time.Hour))
}

// EmailSend asks the worker to send one recorded outbound email.
type EmailSend struct {
	FirmID  int64 `json:"firm_id"`
	EmailID int64 `json:"email_id"`
}

// NewEmailSend builds the task for a row of outbound_emails. The task ID is
// the row's, so enqueuing it twice while it is pending does nothing.
func NewEmailSend(firmID, emailID int64) (*asynq.Task, error) {
	return newTask(TypeEmailSend, EmailSend{FirmID: firmID, EmailID: emailID},
		asynq.Queue(QueueCritical), asynq.MaxRetry(12), asynq.Timeout(time.Minute),
		asynq.TaskID(fmt.Sprintf("%s:%d", TypeEmailSend, emailID)),
		asynq.Retention(24*time.Hour))
}

// SignInLink asks the worker to email a sign-in link to every account of
// an address (none if it has none). RequestID names the request, so a
// redelivered task sends nothing twice.
type SignInLink struct {
	Email     string `json:"email"`
	RequestID string `json:"request_id"`
}

// NewSignInLink builds the task for one request for a link. Each request is
// its own task: asking twice sends two links, as the person asked.
func NewSignInLink(email string) (*asynq.Task, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("tasks: request id: %w", err)
	}
	id := hex.EncodeToString(b)
	return newTask(TypeSignInLink, SignInLink{Email: email, RequestID: id},
		asynq.Queue(QueueCritical), asynq.MaxRetry(12), asynq.Timeout(time.Minute),
		asynq.TaskID(TypeSignInLink+":"+id), asynq.Retention(time.Hour))
}

// ClientNotify asks the worker to email a client about what the firm shared
// or sent since the last such email.
type ClientNotify struct {
	FirmID    int64 `json:"firm_id"`
	ContactID int64 `json:"contact_id"`
}

// NewClientNotify builds the task for items recorded at now. Items are
// gathered in windows of the given length: every item of one window shares
// one task (its ID names the contact and the window's end), which runs when
// the window closes, so a burst of items makes one email.
func NewClientNotify(firmID, contactID int64, now time.Time, window time.Duration) (*asynq.Task, error) {
	end := now.Truncate(window).Add(window)
	return newTask(TypeClientNotify, ClientNotify{FirmID: firmID, ContactID: contactID},
		asynq.Queue(QueueDefault), asynq.MaxRetry(10), asynq.ProcessAt(end),
		asynq.TaskID(fmt.Sprintf("%s:%d:%d", TypeClientNotify, contactID, end.Unix())),
		asynq.Retention(time.Hour))
}

// NewTextInbound carries a received text from the gateway to the worker.
// The task ID is the carrier's message ID, so a carrier's retry while the
// first task exists does no work; the unique key on text_messages is what
// keeps a later replay from being stored twice.
func NewTextInbound(in sms.Inbound) (*asynq.Task, error) {
	return newTask(TypeTextInbound, in, asynq.Queue(QueueCritical), asynq.MaxRetry(25),
		asynq.TaskID(TextInboundID(in.Dialect, in.MessageID)), asynq.Retention(time.Hour))
}

// TextInboundID is the task ID of an inbound message.
func TextInboundID(d sms.Dialect, messageID string) string {
	return fmt.Sprintf("%s:%s:%s", TypeTextInbound, d, messageID)
}

// NewTextStatus carries a delivery-status callback. Each status of a
// message is its own task, so "sent" and "delivered" do not collide.
func NewTextStatus(u sms.StatusUpdate) (*asynq.Task, error) {
	return newTask(TypeTextStatus, u, asynq.Queue(QueueDefault), asynq.MaxRetry(25),
		asynq.TaskID(TextStatusID(u)), asynq.Retention(time.Hour))
}

// TextStatusID is the task ID of a status callback.
func TextStatusID(u sms.StatusUpdate) string {
	return fmt.Sprintf("%s:%s:%s:%s", TypeTextStatus, u.Dialect, u.MessageID, u.Status)
}

// TextSend asks the worker to send one recorded outbound text.
type TextSend struct {
	FirmID int64 `json:"firm_id"`
	TextID int64 `json:"text_id"`
}

// NewTextSend builds the task for a queued row of text_messages. retry
// distinguishes a user's "try again" from the first attempt.
func NewTextSend(firmID, textID int64, retry int) (*asynq.Task, error) {
	return newTask(TypeTextSend, TextSend{FirmID: firmID, TextID: textID}, asynq.Queue(QueueCritical),
		asynq.MaxRetry(8), asynq.Timeout(30*time.Second), asynq.Retention(time.Hour),
		asynq.TaskID(fmt.Sprintf("%s:%d:%d", TypeTextSend, textID, retry)))
}

// TextMediaFetch asks the worker to fetch, check and file one MMS item.
type TextMediaFetch struct {
	FirmID  int64 `json:"firm_id"`
	MediaID int64 `json:"media_id"`
}

// NewTextMedia builds the task for a row of text_media.
func NewTextMedia(firmID, mediaID int64) (*asynq.Task, error) {
	return newTask(TypeTextMedia, TextMediaFetch{FirmID: firmID, MediaID: mediaID}, asynq.Queue(QueueDefault),
		asynq.MaxRetry(10), asynq.Timeout(time.Minute), asynq.Retention(time.Hour),
		asynq.TaskID(fmt.Sprintf("%s:%d", TypeTextMedia, mediaID)))
}

// EventNotify asks the worker to send one planned calendar text.
type EventNotify struct {
	FirmID         int64 `json:"firm_id"`
	NotificationID int64 `json:"notification_id"`
}

// NewEventNotify builds the task for a planned row of event_notifications,
// to run at sendAt. The ID names the row and the time, so a row the worker
// holds back for quiet hours can be queued again for the morning.
func NewEventNotify(firmID, notificationID int64, sendAt time.Time) (*asynq.Task, error) {
	return newTask(TypeEventNotify, EventNotify{FirmID: firmID, NotificationID: notificationID},
		asynq.Queue(QueueDefault), asynq.MaxRetry(10), asynq.Timeout(30*time.Second), asynq.ProcessAt(sendAt),
		asynq.TaskID(fmt.Sprintf("%s:%d:%d", TypeEventNotify, notificationID, sendAt.Unix())),
		asynq.Retention(time.Hour))
}

func newTask(typ string, payload any, opts ...asynq.Option) (*asynq.Task, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("tasks: encode %s: %w", typ, err)
	}
	return asynq.NewTask(typ, b, opts...), nil
}

// Decode reads a task's payload; a payload that does not decode can never
// succeed, so the error wraps asynq.SkipRetry.
func Decode[T any](t *asynq.Task) (T, error) {
	var v T
	if err := json.Unmarshal(t.Payload(), &v); err != nil {
		return v, fmt.Errorf("tasks: decode %s: %v: %w", t.Type(), err, asynq.SkipRetry)
	}
	return v, nil
}

// Enqueuer puts tasks on the queue.
type Enqueuer interface {
	Enqueue(ctx context.Context, t *asynq.Task) error
}

// Client enqueues through asynq.
type Client struct{ c *asynq.Client }

// NewClient wraps an asynq client.
func NewClient(c *asynq.Client) *Client { return &Client{c: c} }

// Enqueue adds t. A task whose ID is already queued counts as enqueued:
// that is the point of business-key task IDs.
func (c *Client) Enqueue(ctx context.Context, t *asynq.Task) error {
	_, err := c.c.EnqueueContext(ctx, t)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("tasks: enqueue %s: %w", t.Type(), err)
	}
	return nil
}
