// Package models holds the gorm structs that mirror the tables created by
// the migrations in shared/db/migrations. The SQL is the source of truth;
// these structs only map rows.
package models

import (
	"strings"
	"time"
)

// Firm is one law firm: the tenant every other row belongs to.
type Firm struct {
	ID       int64
	Slug     string
	Name     string
	TimeZone string
	// ReminderDays is how many days before an event a reminder is texted (0: none).
	ReminderDays int
	FirmTexting
	// The firm's address and main phone and email.
	Street, City, Province, PostalCode, Country string
	MainPhone, MainEmail                        string
	// MatterNumberFormat writes a matter's number ({number}, {client},
	// {year}); NextMatterNumber is the next in the firm's sequence.
	MatterNumberFormat string `gorm:"default:{number}-{client}"`
	NextMatterNumber   int64  `gorm:"default:1"`
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Role is a firm user's role.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// User is a firm user (staff).
type User struct {
	ID        int64
	FirmID    int64
	Email     string
	FirstName string
	LastName  string
	Role      Role
	Active    bool
	// TextBadge shows the unread-texts badge to this user.
	TextBadge bool `gorm:"default:true"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Name is the user's display name.
func (u User) Name() string { return joinName(u.FirstName, u.LastName, u.Email) }

// ContactKind tells a person from a company.
type ContactKind string

const (
	ContactPerson  ContactKind = "person"
	ContactCompany ContactKind = "company"
)

// Contact is a person or company the firm deals with (clients among them).
type Contact struct {
	ID          int64
	FirmID      int64
	Kind        ContactKind
	FirstName   string
	MiddleName  string
	LastName    string
	Title       string
	CompanyName string
	Status      string
	// GlobalID is a ULID fixed at creation (a database default).
	GlobalID string `gorm:"->"`
	// ClioID is the contact's ID in Clio, for one brought over from Clio.
	ClioID *int64
	// PortalInvitedAt is set once a firm user invites the contact to the portal.
	PortalInvitedAt *time.Time
	// ArchivedAt hides the contact from lists, searches and pickers.
	ArchivedAt      *time.Time
	CreatedByUserID *int64
	UpdatedByUserID *int64
	CreatedAt       time.Time
	UpdatedAt       time.Time

	Emails       []ContactEmail       `gorm:"foreignKey:ContactID"`
	PhoneNumbers []ContactPhoneNumber `gorm:"foreignKey:ContactID"`
	Addresses    []ContactAddress     `gorm:"foreignKey:ContactID"`
}

// Name is how the contact is shown.
func (c Contact) Name() string {
	if c.Kind == ContactCompany {
		return c.CompanyName
	}
	return joinName(c.FirstName, c.LastName, c.CompanyName)
}

// FullName is the name with the middle name, as the contact's own page
// shows it.
func (c Contact) FullName() string {
	if c.Kind == ContactCompany || c.MiddleName == "" {
		return c.Name()
	}
	return joinName(c.FirstName+" "+c.MiddleName, c.LastName, c.CompanyName)
}

// TextingNumber returns the number marked for texting, if any.
func (c Contact) TextingNumber() (ContactPhoneNumber, bool) {
	for _, p := range c.PhoneNumbers {
		if p.IsTexting {
			return p, true
		}
	}
	return ContactPhoneNumber{}, false
}

// TextNumber is where texts to the contact go: the number marked for
// texting, else the first mobile number; ok is false when there is neither.
func (c Contact) TextNumber() (string, bool) {
	if p, ok := c.TextingNumber(); ok {
		return p.Number, true
	}
	for _, p := range c.PhoneNumbers {
		if p.Label == "mobile" {
			return p.Number, true
		}
	}
	return "", false
}

// ContactEmail is one of a contact's email addresses (stored lower-case).
type ContactEmail struct {
	ID        int64
	FirmID    int64
	ContactID int64
	Address   string
	Label     string
	IsPrimary bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactPhoneNumber is one of a contact's numbers, in E.164.
type ContactPhoneNumber struct {
	ID        int64
	FirmID    int64
	ContactID int64
	Number    string
	Label     string
	IsPrimary bool
	IsTexting bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactRelationship links two contacts ("spouse", "employer"); it shows
// on both contacts' pages.
type ContactRelationship struct {
	ID               int64
	FirmID           int64
	ContactID        int64
	RelatedContactID int64
	Label            string
	CreatedByUserID  *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ContactAddress is a postal address of a contact.
type ContactAddress struct {
	ID         int64
	FirmID     int64
	ContactID  int64
	Label      string
	Street     string
	City       string
	Province   string
	PostalCode string
	Country    string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// StatusCategory is the system's reading of a matter's firm-defined status.
type StatusCategory string

const (
	StatusOpen    StatusCategory = "open"
	StatusPending StatusCategory = "pending"
	StatusClosed  StatusCategory = "closed"
)

// Permission says who in the firm may view a matter.
type Permission string

const (
	PermissionEveryone Permission = "everyone"
	PermissionUsers    Permission = "users" // only MatterPermittedUser rows (and admins)
)

// Matter is a case the firm handles for a client.
type Matter struct {
	ID                int64
	FirmID            int64
	Number            string
	Description       string
	PracticeArea      string
	Status            string
	StatusCategory    StatusCategory
	ClientContactID   int64
	PrimaryContactID  *int64
	ResponsibleUserID *int64
	// OriginatingUserID is the attorney who brought the matter in.
	OriginatingUserID *int64
	Location          string
	Permission        Permission
	// ClientStatus and NextSteps are the only matter fields a client sees.
	ClientStatus string
	NextSteps    string
	// GlobalID is a ULID fixed at creation (a database default).
	GlobalID string `gorm:"->"`
	// ClioID is the matter's ID in Clio, for one brought over from Clio.
	ClioID *int64
	// ProjectedValue, HiredDate and FirstLetterSentAt are intake figures.
	ProjectedValue    *float64
	HiredDate         *time.Time
	FirstLetterSentAt *time.Time
	// InboxLeadID is the lead the matter was opened from.
	InboxLeadID     *int64
	OpenedAt        *time.Time
	PendingAt       *time.Time
	ClosedAt        *time.Time
	CreatedByUserID *int64
	UpdatedByUserID *int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// StatusText is the firm's stage with the category when they differ:
// "Discovery (open)", or just "Open".
func (m Matter) StatusText() string {
	if m.Status == "" || strings.EqualFold(m.Status, string(m.StatusCategory)) {
		if m.Status != "" {
			return m.Status
		}
		return string(m.StatusCategory)
	}
	return m.Status + " (" + string(m.StatusCategory) + ")"
}

// PracticeArea is one of the practice areas a firm offers on its matters.
type PracticeArea struct {
	ID        int64
	FirmID    int64
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MatterRelatedContact links a contact other than the client to a matter.
type MatterRelatedContact struct {
	FirmID       int64
	MatterID     int64 `gorm:"primaryKey"`
	ContactID    int64 `gorm:"primaryKey"`
	Relationship string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// MatterPermittedUser grants one user access to a matter whose permission is "users".
type MatterPermittedUser struct {
	FirmID    int64
	MatterID  int64 `gorm:"primaryKey"`
	UserID    int64 `gorm:"primaryKey"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Folder groups documents of a matter (or of a contact without matters).
// Sharing a folder shares everything in it, including what is added later.
type Folder struct {
	ID               int64
	FirmID           int64
	MatterID         *int64
	ContactID        *int64
	ParentID         *int64
	Name             string
	SharedWithClient bool
	SharedAt         *time.Time
	CreatedByUserID  *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Document is a file kept in the document store; the row holds its metadata.
type Document struct {
	ID                  int64
	FirmID              int64
	MatterID            *int64
	ContactID           *int64
	FolderID            *int64
	Name                string
	SizeBytes           int64
	SHA256              string `gorm:"column:sha256"`
	MIMEType            string `gorm:"column:mime_type"`
	StorageKey          string
	UploadedByUserID    *int64
	UploadedByContactID *int64
	SharedWithClient    bool
	SharedAt            *time.Time
	// FirstViewedByClientAt is the read receipt firm users see.
	FirstViewedByClientAt *time.Time
	// PortalMessageID links a document sent together with a message.
	PortalMessageID *int64
	// TextMediaID links a document saved from an MMS item.
	TextMediaID *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Note is a staff note on a contact or a matter.
type Note struct {
	ID           int64
	FirmID       int64
	MatterID     *int64
	ContactID    *int64
	AuthorUserID *int64
	Subject      string
	Body         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// EmailStatus is where an outbound email stands.
type EmailStatus string

const (
	EmailQueued EmailStatus = "queued"
	EmailSent   EmailStatus = "sent"
	EmailFailed EmailStatus = "failed"
)

// OutboundEmail is an email recorded before the worker sends it.
type OutboundEmail struct {
	ID        int64
	FirmID    int64
	ToAddress string
	Subject   string
	BodyText  string
	Kind      string
	Status    EmailStatus
	Attempts  int
	LastError string
	SentAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TokenPurpose says why a sign-in link was made.
type TokenPurpose string

const (
	PurposeLogin  TokenPurpose = "login"
	PurposeInvite TokenPurpose = "invite"
)

// LoginToken is a single-use sign-in link; only its hash is stored.
type LoginToken struct {
	ID        int64
	FirmID    int64
	TokenHash []byte
	Email     string
	UserID    *int64
	ContactID *int64
	Purpose   TokenPurpose
	// RequestID is the request for a link that made this one, so a
	// redelivered task makes no second link.
	RequestID *string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PortalMessage is a secure message on a matter, between client and firm.
type PortalMessage struct {
	ID              int64
	FirmID          int64
	MatterID        int64
	AuthorUserID    *int64
	AuthorContactID *int64
	Body            string
	// ReadAt is when the other side first opened it.
	ReadAt       *time.Time
	ReadByUserID *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// FromClient reports whether the client wrote the message.
func (m PortalMessage) FromClient() bool { return m.AuthorContactID != nil }

// ClientNotice is an item a client will be told about in the next email.
type ClientNotice struct {
	ID        int64
	FirmID    int64
	ContactID int64
	MatterID  int64
	Kind      string
	Summary   string
	// The item announced (one of them): the email leaves it out once the
	// client has opened it or the firm has stopped sharing it.
	DocumentID *int64
	MessageID  *int64
	FolderID   *int64
	NotifiedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func joinName(first, last, fallback string) string {
	if n := strings.TrimSpace(first + " " + last); n != "" {
		return n
	}
	return fallback
}

// APIToken is a personal API token of a firm user: their scripts call the
// API as them. Only the SHA-256 of the token is kept.
type APIToken struct {
	ID         int64
	FirmID     int64
	UserID     int64
	Name       string
	TokenHash  []byte
	LastUsedAt *time.Time
	RevokedAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// UIReference is the staff page a custom action's link appears on.
type UIReference string

const (
	UIContactsShow   UIReference = "contacts/show"
	UIMattersShow    UIReference = "matters/show"
	UIInboxLeadsShow UIReference = "inbox_leads/show"
)

// CustomAction is a link an integration put in a page's actions menu.
type CustomAction struct {
	ID          int64
	FirmID      int64
	Label       string
	UIReference UIReference
	TargetURL   string
	// APITokenID is the personal token, or OAuthAppID the application,
	// that made it; nonces its clicks mint are good only with its tokens.
	APITokenID      *int64
	OAuthAppID      *int64 `gorm:"column:oauth_app_id"`
	CreatedByUserID int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// LeadState is where an inbox lead stands.
type LeadState string

const (
	LeadUntriaged LeadState = "untriaged"
	LeadIgnored   LeadState = "ignored"
	LeadConverted LeadState = "converted"
)

// LeadFromText is the source of a lead made by a text from an unknown
// number.
const LeadFromText = "text_message"

// InboxLead is someone who asked the firm for help and is no client yet.
type InboxLead struct {
	ID          int64
	FirmID      int64
	FirstName   string
	LastName    string
	Email       string
	PhoneNumber string
	FromMessage string
	FromSource  string
	State       LeadState
	// APITokenID is the personal token, or OAuthAppID the application,
	// that created it through the API.
	APITokenID      *int64
	OAuthAppID      *int64 `gorm:"column:oauth_app_id"`
	ContactID       *int64
	MatterID        *int64
	TriagedByUserID *int64
	TriagedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Name is the lead's name, else how to reach them.
func (l InboxLead) Name() string {
	if n := joinName(l.FirstName, l.LastName, ""); n != "" {
		return n
	}
	if l.Email != "" {
		return l.Email
	}
	return l.PhoneNumber
}

// OAuthApp is an integration a firm's administrator registered: it asks
// the firm's users for access through OAuth 2.0.
type OAuthApp struct {
	ID       int64
	FirmID   int64
	Name     string
	ClientID string
	// SecretHash is the SHA-256 of the client secret, shown once.
	SecretHash []byte
	// RedirectURIs are the exact addresses codes may be sent to, one per
	// line.
	RedirectURIs    string
	CreatedByUserID int64
	RevokedAt       *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// TableName is gorm's name for the table.
func (OAuthApp) TableName() string { return "oauth_apps" }

// URIs are the app's redirect URIs.
func (a OAuthApp) URIs() []string { return strings.Split(a.RedirectURIs, "\n") }
