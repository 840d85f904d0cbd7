package models

import "time"

// FirmTexting is a firm's texting settings (columns of firms).
type FirmTexting struct {
	TextingEnabled  bool
	TextingNumber   *string
	TextingDialect  *string
	TextingAltEmail string
	TextingAltPhone string
}

// TextStatus is where a text stands. Inbound texts are "received"; an
// outbound one moves queued → sending → sent → delivered, or to failed,
// and never backwards (see sms.Advance).
type TextStatus string

const (
	TextReceived  TextStatus = "received"
	TextQueued    TextStatus = "queued"
	TextSending   TextStatus = "sending"
	TextSent      TextStatus = "sent"
	TextDelivered TextStatus = "delivered"
	TextFailed    TextStatus = "failed"
)

// TextMessage is one text, in or out, in a contact's conversation.
type TextMessage struct {
	ID               int64
	FirmID           int64
	ContactID        int64
	Direction        string // "in" or "out"
	Dialect          string
	CarrierMessageID *string
	FirmNumber       string
	ContactNumber    string
	Body             string
	Status           TextStatus
	FailureReason    string
	ErrorCode        string
	SentByUserID     *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time

	Media []TextMedia `gorm:"foreignKey:MessageID"`
}

// TextMedia is one media item of an inbound MMS.
type TextMedia struct {
	ID           int64
	FirmID       int64
	MessageID    int64
	Position     int
	URL          string `gorm:"column:url"`
	DeclaredType string
	SniffedType  string
	Status       string // pending, kept, refused
	Reason       string
	SizeBytes    int64
	SHA256       string `gorm:"column:sha256"`
	StorageKey   string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TextThreadRead is how far a firm user has read a contact's texts.
type TextThreadRead struct {
	FirmID            int64
	UserID            int64 `gorm:"primaryKey"`
	ContactID         int64 `gorm:"primaryKey"`
	LastReadMessageID int64
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TextOptOut records that a contact number sent STOP to a firm number.
type TextOptOut struct {
	FirmID        int64
	FirmNumber    string `gorm:"primaryKey"`
	ContactNumber string `gorm:"primaryKey"`
	OptedOutAt    time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// UnknownText is a text from a number that is no contact of the firm.
type UnknownText struct {
	ID               int64
	FirmID           int64
	Dialect          string
	CarrierMessageID string
	FromNumber       string
	Body             string
	MediaCount       int
	ContactID        *int64
	// DismissedAt: an administrator marked the text as no enquiry.
	DismissedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GatewaySpool is a task the gateway kept in Postgres because Redis
// refused it; the worker moves it to the queue.
type GatewaySpool struct {
	ID        int64
	FirmID    int64
	TaskType  string
	TaskID    string
	Payload   []byte `gorm:"type:jsonb"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps gorm from pluralising the spool.
func (GatewaySpool) TableName() string { return "gateway_spool" }

// TableName keeps gorm from pluralising media.
func (TextMedia) TableName() string { return "text_media" }
