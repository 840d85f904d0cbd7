package models

import "time"

// Event is a calendar event of a firm, on a matter or not.
type Event struct {
	ID              int64
	FirmID          int64
	MatterID        *int64
	Title           string
	StartsAt        time.Time
	EndsAt          time.Time
	Location        string
	Description     string
	CancelledAt     *time.Time
	CreatedByUserID *int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Answer is an attendee's reply to a texted invitation.
type Answer string

const (
	AnswerNone      Answer = ""
	AnswerConfirmed Answer = "confirmed"
	AnswerDeclined  Answer = "declined"
)

// EventAttendee is a firm user or a contact invited to an event.
type EventAttendee struct {
	ID           int64
	FirmID       int64
	EventID      int64
	UserID       *int64
	ContactID    *int64
	NotifyText   bool
	Answer       Answer
	AnsweredAt   *time.Time
	AnswerTextID *int64
	// AskedAt is when a text asking for Y or N was last sent.
	AskedAt   *time.Time
	RemovedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Notification states.
const (
	NotificationPlanned   = "planned"
	NotificationSent      = "sent"
	NotificationCancelled = "cancelled"
	NotificationSkipped   = "skipped"
)

// EventNotification is one calendar text, planned or sent.
type EventNotification struct {
	ID            int64
	FirmID        int64
	EventID       int64
	AttendeeID    int64
	Kind          string
	Status        string
	SendAt        time.Time
	ReminderFor   *time.Time
	Reason        string
	TextMessageID *int64
	SentAt        *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}
