package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
)

// Why a text cannot be sent. The portal turns each into a sentence; a
// number that is not North American comes back as sms.ErrNotTextable.
var (
	ErrTextingOff      = errors.New("store: texting is off for the firm")
	ErrNoTextingNumber = errors.New("store: no texting number is available in the pool")
	ErrNoContactNumber = errors.New("store: the contact has no number to text")
	ErrOptedOut        = errors.New("store: the contact opted out of texts from the firm's number")
	ErrNotRetryable    = errors.New("store: the text cannot be retried")
	ErrNotE164         = errors.New("store: the number cannot be saved on a contact")
)

// e164 is what contact_phone_numbers.number accepts.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// contactNameSQL is how a contact (aliased c) is named in lists.
const contactNameSQL = `CASE WHEN c.kind = 'company' THEN c.company_name ELSE btrim(c.first_name || ' ' || c.last_name) END`

// firmUser rejects anyone but a firm user: texts are the firm's, never a client's.
func firmUser(v Viewer) error {
	if v.IsClient() || v.UserID == 0 {
		return notFoundErr()
	}
	return nil
}

func admin(v Viewer) error {
	if err := firmUser(v); err != nil {
		return err
	}
	if !v.Admin {
		return errForbidden
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.Is(err, gorm.ErrDuplicatedKey) || errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// TextingSettings is the firm's texting state and the viewer's own badge preference.
type TextingSettings struct {
	models.FirmTexting
	TextBadge bool
}

// Texting returns the firm's texting settings as v sees them.
func (s *Store) Texting(ctx context.Context, v Viewer) (TextingSettings, error) {
	if err := firmUser(v); err != nil {
		return TextingSettings{}, err
	}
	var out TextingSettings
	err := s.DB.WithContext(ctx).Raw(`SELECT f.texting_enabled, f.texting_number, f.texting_dialect,
		f.texting_alt_email, f.texting_alt_phone, u.text_badge
		FROM firms f JOIN users u ON u.firm_id = f.id WHERE f.id = ? AND u.id = ?`, v.FirmID, v.UserID).
		Take(&out).Error
	if err != nil {
		return out, notFound(err, "load texting settings")
	}
	return out, nil
}

// EnableTexting turns texting on. A firm without a number gets the first
// number of pool no other firm holds; the unique index on firms.texting_number
// settles a race between two firms, and the loser tries the next number.
func (s *Store) EnableTexting(ctx context.Context, v Viewer, pool []config.PoolNumber) (TextingSettings, error) {
	if err := admin(v); err != nil {
		return TextingSettings{}, err
	}
	gdb := s.DB.WithContext(ctx)
	// Each lost race takes one number out of the running, so this ends.
	for range len(pool) + 2 {
		cur, err := s.Texting(ctx, v)
		if err != nil {
			return cur, err
		}
		if cur.TextingNumber != nil {
			if err := gdb.Exec(`UPDATE firms SET texting_enabled = true, updated_at = now() WHERE id = ?`, v.FirmID).Error; err != nil {
				return cur, fmt.Errorf("store: enable texting: %w", err)
			}
			cur.TextingEnabled = true
			return cur, nil
		}
		free, ok, err := s.freeNumber(ctx, pool)
		if err != nil {
			return cur, err
		}
		if !ok {
			return cur, ErrNoTextingNumber
		}
		res := gdb.Exec(`UPDATE firms SET texting_number = ?, texting_dialect = ?, texting_enabled = true, updated_at = now()
			WHERE id = ? AND texting_number IS NULL`, free.Number, free.Dialect, v.FirmID)
		if res.Error != nil && !isUniqueViolation(res.Error) {
			return cur, fmt.Errorf("store: assign texting number: %w", res.Error)
		}
		// A unique violation (another firm took it) or no row (this firm got a
		// number meanwhile, from another admin's click): look again.
		if res.Error == nil && res.RowsAffected == 1 {
			return s.Texting(ctx, v)
		}
	}
	return TextingSettings{}, ErrNoTextingNumber
}

// freeNumber is the first pool number no firm holds.
func (s *Store) freeNumber(ctx context.Context, pool []config.PoolNumber) (config.PoolNumber, bool, error) {
	if len(pool) == 0 {
		return config.PoolNumber{}, false, nil
	}
	numbers := make([]string, len(pool))
	for i, p := range pool {
		numbers[i] = p.Number
	}
	var used []string
	err := s.DB.WithContext(ctx).Raw(`SELECT texting_number FROM firms WHERE texting_number IN ?`, numbers).Scan(&used).Error
	if err != nil {
		return config.PoolNumber{}, false, fmt.Errorf("store: texting numbers in use: %w", err)
	}
	for _, p := range pool {
		if !slices.Contains(used, p.Number) {
			return p, true, nil
		}
	}
	return config.PoolNumber{}, false, nil
}

// DisableTexting turns texting off and gives the number back to the pool.
// The firm's texts stay.
func (s *Store) DisableTexting(ctx context.Context, v Viewer) error {
	if err := admin(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE firms SET texting_enabled = false, texting_number = NULL,
		texting_dialect = NULL, updated_at = now() WHERE id = ?`, v.FirmID).Error
	if err != nil {
		return fmt.Errorf("store: disable texting: %w", err)
	}
	return nil
}

// SetTextingDetails saves the alternative email and phone clients are
// given (already validated; empty clears).
func (s *Store) SetTextingDetails(ctx context.Context, v Viewer, email, phone string) error {
	if err := admin(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE firms SET texting_alt_email = ?, texting_alt_phone = ?, updated_at = now() WHERE id = ?`,
		email, phone, v.FirmID).Error
	if err != nil {
		return fmt.Errorf("store: save texting details: %w", err)
	}
	return nil
}

// SetTextBadge turns the viewer's unread-texts badge on or off.
func (s *Store) SetTextBadge(ctx context.Context, v Viewer, on bool) error {
	if err := firmUser(v); err != nil {
		return err
	}
	err := s.DB.WithContext(ctx).Exec(`UPDATE users SET text_badge = ?, updated_at = now() WHERE firm_id = ? AND id = ?`,
		on, v.FirmID, v.UserID).Error
	if err != nil {
		return fmt.Errorf("store: save badge setting: %w", err)
	}
	return nil
}

// TextBadge is the viewer's count of unread inbound texts, and whether to
// show it at all (texting on and the badge not turned off), in one query:
// the nav asks for it every few seconds.
func (s *Store) TextBadge(ctx context.Context, v Viewer) (show bool, unread int, err error) {
	if err := firmUser(v); err != nil {
		return false, 0, err
	}
	var row struct {
		Show   bool
		Unread int
	}
	err = s.DB.WithContext(ctx).Raw(`SELECT (u.text_badge AND f.texting_enabled) AS show,
		CASE WHEN u.text_badge AND f.texting_enabled THEN (
			SELECT count(*) FROM text_messages m
			LEFT JOIN text_thread_reads r ON r.user_id = u.id AND r.contact_id = m.contact_id
			WHERE m.firm_id = f.id AND m.direction = 'in' AND m.id > coalesce(r.last_read_message_id, 0))
		ELSE 0 END AS unread
		FROM users u JOIN firms f ON f.id = u.firm_id WHERE u.firm_id = ? AND u.id = ?`, v.FirmID, v.UserID).
		Take(&row).Error
	if err != nil {
		return false, 0, notFound(err, "text badge")
	}
	return row.Show, row.Unread, nil
}

// Conversation is one contact's thread as listed: the last text and how
// many inbound texts the viewer has not read.
type Conversation struct {
	ContactID     int64
	ContactName   string
	LastBody      string
	LastDirection string
	LastStatus    models.TextStatus
	LastAt        time.Time
	Unread        int
}

// Conversations lists the firm's text threads, newest activity first.
func (s *Store) Conversations(ctx context.Context, v Viewer) ([]Conversation, error) {
	if err := firmUser(v); err != nil {
		return nil, err
	}
	var out []Conversation
	err := s.DB.WithContext(ctx).Raw(`WITH last AS (
			SELECT DISTINCT ON (m.contact_id) m.contact_id, m.id, m.body, m.direction, m.status, m.created_at
			FROM text_messages m WHERE m.firm_id = @firm
			ORDER BY m.contact_id, m.created_at DESC, m.id DESC)
		SELECT last.contact_id, `+contactNameSQL+` AS contact_name, last.body AS last_body,
			last.direction AS last_direction, last.status AS last_status, last.created_at AS last_at,
			(SELECT count(*) FROM text_messages u WHERE u.firm_id = @firm AND u.contact_id = last.contact_id
				AND u.direction = 'in' AND u.id > coalesce(r.last_read_message_id, 0)) AS unread
		FROM last JOIN contacts c ON c.firm_id = @firm AND c.id = last.contact_id
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = last.contact_id
		ORDER BY last.created_at DESC, last.id DESC LIMIT 500`,
		map[string]any{"firm": v.FirmID, "user": v.UserID}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	return out, nil
}

// TextContact is a contact as the texting pages show it, with the number
// texts go to.
type TextContact struct {
	models.Contact
	// Number is the texting number, or else the first mobile number; empty
	// when the contact has neither.
	Number string
}

// TextContact returns a contact of the firm with its phone numbers.
func (s *Store) TextContact(ctx context.Context, v Viewer, contactID int64) (TextContact, error) {
	if err := firmUser(v); err != nil {
		return TextContact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).Preload("PhoneNumbers", func(q *gorm.DB) *gorm.DB { return q.Order("is_texting DESC, id") }).
		Where("firm_id = ? AND id = ?", v.FirmID, contactID).Take(&c).Error
	if err != nil {
		return TextContact{}, notFound(err, "load contact")
	}
	out := TextContact{Contact: c}
	out.Number, _ = c.TextNumber()
	return out, nil
}

// TextRow is a text as a thread shows it.
type TextRow struct {
	models.TextMessage
	SentByName string
}

// CanRetry reports whether the user may send a failed text again: only
// when the reason says a second try may work.
func (t TextRow) CanRetry() bool {
	return t.Direction == "out" && t.Status == models.TextFailed && sms.Retryable(t.FailureReason)
}

// threadLimit is how many of the latest texts a thread shows.
const threadLimit = 500

// Texts returns the contact's texts, oldest first (the latest threadLimit),
// each with its media.
func (s *Store) Texts(ctx context.Context, v Viewer, contactID int64) ([]TextRow, error) {
	if _, err := s.TextContact(ctx, v, contactID); err != nil {
		return nil, err
	}
	var out []TextRow
	err := s.DB.WithContext(ctx).Table("text_messages m").
		Select(`m.*, coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.email, '') AS sent_by_name`).
		Joins("LEFT JOIN users u ON u.id = m.sent_by_user_id").
		Where("m.firm_id = ? AND m.contact_id = ?", v.FirmID, contactID).
		Order("m.created_at DESC, m.id DESC").Limit(threadLimit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list texts: %w", err)
	}
	slices.Reverse(out)
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	var media []models.TextMedia
	err = s.DB.WithContext(ctx).Where("firm_id = ? AND message_id IN ?", v.FirmID, ids).
		Order("message_id, position").Find(&media).Error
	if err != nil {
		return nil, fmt.Errorf("store: list text media: %w", err)
	}
	byMessage := map[int64][]models.TextMedia{}
	for _, m := range media {
		byMessage[m.MessageID] = append(byMessage[m.MessageID], m)
	}
	for i := range out {
		out[i].Media = byMessage[out[i].ID]
	}
	return out, nil
}

// MarkThreadRead records that the viewer has read the contact's texts up to
// upTo (the newest one shown, so a text that arrives meanwhile stays
// unread). It never moves backwards.
func (s *Store) MarkThreadRead(ctx context.Context, v Viewer, contactID, upTo int64) error {
	if err := firmUser(v); err != nil {
		return err
	}
	if upTo <= 0 {
		return nil
	}
	err := s.DB.WithContext(ctx).Exec(`INSERT INTO text_thread_reads (firm_id, user_id, contact_id, last_read_message_id)
		SELECT ?, ?, c.id, ? FROM contacts c WHERE c.firm_id = ? AND c.id = ?
		ON CONFLICT (user_id, contact_id) DO UPDATE
		SET last_read_message_id = greatest(text_thread_reads.last_read_message_id, excluded.last_read_message_id), updated_at = now()
		WHERE text_thread_reads.last_read_message_id < excluded.last_read_message_id`,
		v.FirmID, v.UserID, upTo, v.FirmID, contactID).Error
	if err != nil {
		return fmt.Errorf("store: mark texts read: %w", err)
	}
	return nil
}

// Route is where a text to a contact would go, once every check passed.
type Route struct {
	Dialect       string
	FirmNumber    string
	ContactNumber string
}

// TextRoute checks that the firm may text the contact now and says how:
// texting on, a number to text, a US or Canadian one, and no STOP from it.
func (s *Store) TextRoute(ctx context.Context, v Viewer, contactID int64) (Route, error) {
	c, err := s.TextContact(ctx, v, contactID)
	if err != nil {
		return Route{}, err
	}
	t, err := s.Texting(ctx, v)
	if err != nil {
		return Route{}, err
	}
	if !t.TextingEnabled || t.TextingNumber == nil || t.TextingDialect == nil {
		return Route{}, ErrTextingOff
	}
	if c.Number == "" {
		return Route{}, ErrNoContactNumber
	}
	to, err := sms.NormalizeTextable(c.Number)
	if err != nil {
		return Route{}, err
	}
	var optedOut bool
	err = s.DB.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?)`,
		*t.TextingNumber, to).Scan(&optedOut).Error
	if err != nil {
		return Route{}, fmt.Errorf("store: check opt-out: %w", err)
	}
	if optedOut {
		return Route{}, ErrOptedOut
	}
	return Route{Dialect: *t.TextingDialect, FirmNumber: *t.TextingNumber, ContactNumber: to}, nil
}

// SendText records an outbound text as queued, after TextRoute's checks.
// The caller enqueues the send task once this returns: the row comes first,
// so a lost task leaves a queued row, never a text sent with no record.
func (s *Store) SendText(ctx context.Context, v Viewer, contactID int64, body string) (models.TextMessage, error) {
	r, err := s.TextRoute(ctx, v, contactID)
	if err != nil {
		return models.TextMessage{}, err
	}
	t := models.TextMessage{
		FirmID: v.FirmID, ContactID: contactID, Direction: "out", Dialect: r.Dialect,
		FirmNumber: r.FirmNumber, ContactNumber: r.ContactNumber, Body: body,
		Status: models.TextQueued, SentByUserID: &v.UserID,
	}
	if err := s.DB.WithContext(ctx).Omit("Media").Create(&t).Error; err != nil {
		return t, fmt.Errorf("store: record text: %w", err)
	}
	return t, nil
}

// RetryText puts a failed text back in the queue, if its reason allows a
// retry and the contact can be texted now. The carrier's ID of the failed attempt is cleared, so the worker
// sends it afresh and late callbacks about the old attempt match nothing.
// The returned time of the change is distinct for each retry, which makes
// it usable in the send task's ID.
func (s *Store) RetryText(ctx context.Context, v Viewer, textID int64) (models.TextMessage, time.Time, error) {
	if err := firmUser(v); err != nil {
		return models.TextMessage{}, time.Time{}, err
	}
	var t models.TextMessage
	if err := s.DB.WithContext(ctx).Omit("Media").Where("firm_id = ? AND id = ?", v.FirmID, textID).Take(&t).Error; err != nil {
		return t, time.Time{}, notFound(err, "load text")
	}
	if !(TextRow{TextMessage: t}).CanRetry() {
		return t, time.Time{}, ErrNotRetryable
	}
	// The same checks as a new text, and the same route: the firm's number
	// may have changed since, and the old one may now be another firm's.
	r, err := s.TextRoute(ctx, v, t.ContactID)
	if err != nil {
		return t, time.Time{}, err
	}
	var at time.Time
	// Conditional on the state just read: two clicks make one retry.
	res := s.DB.WithContext(ctx).Raw(`UPDATE text_messages SET status = 'queued', failure_reason = '', error_code = '',
		carrier_message_id = NULL, dialect = ?, firm_number = ?, contact_number = ?, updated_at = clock_timestamp()
		WHERE firm_id = ? AND id = ? AND status = 'failed' AND failure_reason = ? RETURNING updated_at`,
		r.Dialect, r.FirmNumber, r.ContactNumber, v.FirmID, textID, t.FailureReason).Scan(&at)
	if res.Error != nil {
		return t, time.Time{}, fmt.Errorf("store: retry text: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return t, time.Time{}, ErrNotRetryable
	}
	t.Status, t.FailureReason, t.ErrorCode, t.CarrierMessageID, t.UpdatedAt = models.TextQueued, "", "", nil, at
	t.Dialect, t.FirmNumber, t.ContactNumber = r.Dialect, r.FirmNumber, r.ContactNumber
	return t, at, nil
}

// TextMedia returns a kept media item of one of the firm's texts.
func (s *Store) TextMedia(ctx context.Context, v Viewer, id int64) (models.TextMedia, error) {
	if err := firmUser(v); err != nil {
		return models.TextMedia{}, err
	}
	var m models.TextMedia
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ? AND status = 'kept' AND storage_key <> ''", v.FirmID, id).Take(&m).Error
	if err != nil {
		return m, notFound(err, "load text media")
	}
	return m, nil
}

// ContactOption is a contact one may start a text thread with.
type ContactOption struct {
	ID     int64
	Name   string
	Number string
}

// TextableContacts lists the firm's contacts that have a phone number, by
// name, with the number texts would go to.
func (s *Store) TextableContacts(ctx context.Context, v Viewer) ([]ContactOption, error) {
	if err := firmUser(v); err != nil {
		return nil, err
	}
	var out []ContactOption
	err := s.DB.WithContext(ctx).Raw(`SELECT c.id, `+contactNameSQL+` AS name, p.number
		FROM contacts c JOIN LATERAL (
			SELECT number FROM contact_phone_numbers p WHERE p.firm_id = c.firm_id AND p.contact_id = c.id
			ORDER BY p.is_texting DESC, p.label = 'mobile' DESC, p.id LIMIT 1) p ON true
		WHERE c.firm_id = ? ORDER BY lower(`+contactNameSQL+`), c.id LIMIT 2000`, v.FirmID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list textable contacts: %w", err)
	}
	return out, nil
}

// MatterThread is the text thread of one of the people around a matter or
// a contact, as their Communications list it.
type MatterThread struct {
	ContactID   int64
	ContactName string
	Role        string // "Client", or the related contact's relationship
	Texts       int
	LastAt      *time.Time
	LastBody    string
	Unread      int
}

// relationshipSQL is a related contact's role on a matter (r is
// matter_related_contacts).
const relationshipSQL = `coalesce(nullif(r.relationship, ''), 'Related contact')`

// matterPeopleSQL lists the client and related contacts of the matters
// @matters of firm @firm (matter_id, contact_id, role, ord; clients first).
const matterPeopleSQL = `SELECT id AS matter_id, client_contact_id AS contact_id, 'Client' AS role, 0 AS ord
	FROM matters WHERE firm_id = @firm AND id IN @matters
	UNION ALL
	SELECT r.matter_id, r.contact_id, ` + relationshipSQL + `, 1 FROM matter_related_contacts r
	WHERE r.firm_id = @firm AND r.matter_id IN @matters`

// MatterThreads lists the text threads of a matter's client and related
// contacts: the same threads the Communications list shows, seen from the
// matter.
func (s *Store) MatterThreads(ctx context.Context, v Viewer, matterID int64) ([]MatterThread, error) {
	if err := firmUser(v); err != nil {
		return nil, err
	}
	if _, err := s.Matter(ctx, v, matterID); err != nil {
		return nil, err
	}
	return s.threads(ctx, v, matterPeopleSQL, map[string]any{"firm": v.FirmID, "matters": []int64{matterID}})
}

// threads summarises the text thread of each person that people (SQL with
// contact_id, role and ord, over the named args, to which firm and user
// are added) lists, by ord then name.
func (s *Store) threads(ctx context.Context, v Viewer, people string, args map[string]any) ([]MatterThread, error) {
	args["firm"], args["user"] = v.FirmID, v.UserID
	var out []MatterThread
	err := s.DB.WithContext(ctx).Raw(`WITH people AS (`+people+`)
		SELECT p.contact_id, `+contactNameSQL+` AS contact_name, p.role,
			(SELECT count(*) FROM text_messages m WHERE m.firm_id = @firm AND m.contact_id = p.contact_id) AS texts,
			l.created_at AS last_at, coalesce(l.body, '') AS last_body,
			(SELECT count(*) FROM text_messages u WHERE u.firm_id = @firm AND u.contact_id = p.contact_id
				AND u.direction = 'in' AND u.id > coalesce(r.last_read_message_id, 0)) AS unread
		FROM people p JOIN contacts c ON c.firm_id = @firm AND c.id = p.contact_id
		LEFT JOIN LATERAL (SELECT body, created_at FROM text_messages m WHERE m.firm_id = @firm AND m.contact_id = p.contact_id
			ORDER BY m.created_at DESC, m.id DESC LIMIT 1) l ON true
		LEFT JOIN text_thread_reads r ON r.user_id = @user AND r.contact_id = p.contact_id
		ORDER BY p.ord, lower(`+contactNameSQL+`)`, args).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list text threads: %w", err)
	}
	return out, nil
}

// UnknownTexts lists texts from numbers that were no contact of the firm,
// newest first. Administrators only.
func (s *Store) UnknownTexts(ctx context.Context, v Viewer) ([]models.UnknownText, error) {
	if err := admin(v); err != nil {
		return nil, err
	}
	var out []models.UnknownText
	err := s.DB.WithContext(ctx).Where("firm_id = ?", v.FirmID).Order("created_at DESC, id DESC").Limit(500).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: list unknown texts: %w", err)
	}
	return out, nil
}

// ContactFromUnknown turns the sender of an unknown text into a contact in
// one step: a person with that number as texting number. Every unknown
// text from the number is linked to the contact and joins their
// conversation, so nothing the person wrote is left behind.
func (s *Store) ContactFromUnknown(ctx context.Context, v Viewer, unknownID int64, first, last string) (models.Contact, error) {
	if err := admin(v); err != nil {
		return models.Contact{}, err
	}
	var c models.Contact
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u models.UnknownText
		// The row lock makes a double click create one contact.
		err := tx.Raw(`SELECT * FROM unknown_texts WHERE firm_id = ? AND id = ? FOR UPDATE`, v.FirmID, unknownID).Take(&u).Error
		if err != nil {
			return notFound(err, "load unknown text")
		}
		if u.ContactID != nil {
			return tx.Where("firm_id = ? AND id = ?", v.FirmID, *u.ContactID).Take(&c).Error
		}
		number := sms.NormalizeInbound(u.FromNumber)
		if !e164.MatchString(number) {
			return ErrNotE164
		}
		c = models.Contact{FirmID: v.FirmID, Kind: models.ContactPerson, FirstName: first, LastName: last, Status: "active",
			PhoneNumbers: []models.ContactPhoneNumber{{FirmID: v.FirmID, Number: number, Label: "mobile", IsTexting: true}}}
		if err := tx.Create(&c).Error; err != nil {
			return fmt.Errorf("create contact: %w", err)
		}
		var from []models.UnknownText
		err = tx.Raw(`UPDATE unknown_texts SET contact_id = ?, updated_at = now()
			WHERE firm_id = ? AND contact_id IS NULL AND (id = ? OR from_number = ?) RETURNING *`,
			c.ID, v.FirmID, u.ID, u.FromNumber).Scan(&from).Error
		if err != nil {
			return fmt.Errorf("link unknown texts: %w", err)
		}
		// The firm's current number is the best record of where they were sent.
		var firmNumber string
		if err := tx.Raw(`SELECT coalesce(texting_number, '') FROM firms WHERE id = ?`, v.FirmID).Scan(&firmNumber).Error; err != nil {
			return fmt.Errorf("firm number: %w", err)
		}
		for _, t := range from {
			carrierID := t.CarrierMessageID
			// ON CONFLICT: a redelivery the worker stored after the contact existed.
			err := tx.Exec(`INSERT INTO text_messages (firm_id, contact_id, direction, dialect, carrier_message_id,
				firm_number, contact_number, body, status, created_at, updated_at)
				VALUES (?, ?, 'in', ?, ?, ?, ?, ?, 'received', ?, now())
				ON CONFLICT (dialect, carrier_message_id) WHERE carrier_message_id IS NOT NULL DO NOTHING`,
				v.FirmID, c.ID, t.Dialect, carrierID, firmNumber, number, t.Body, t.CreatedAt).Error
			if err != nil {
				return fmt.Errorf("move unknown text %d: %w", t.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrNotE164) || errors.Is(err, notFoundErr()) {
			return c, err
		}
		return c, fmt.Errorf("store: contact from unknown text: %w", err)
	}
	return c, nil
}
