// Package inboxleads owns inbox leads: people who asked the firm for help
// and are no clients yet, made by integrations through the API and by
// texts from numbers that are no contact, and triaged by the firm's users
// (converted to a contact and a matter, or ignored).
package inboxleads

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/phone"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/matters"
)

// Store reads and writes inbox leads.
type Store struct {
	DB *gorm.DB
	// LinkTexts gives a number's unknown texts to a contact in the
	// converting transaction (the texting store's; wired by stores.New).
	LinkTexts func(tx *gorm.DB, v store.Viewer, number string, contactID int64) error
}

// ErrConverted is a lead already converted: it cannot be converted,
// ignored or restored again.
var ErrConverted = errors.New("inboxleads: the lead is already converted")

// Input is a lead as an integration sends it.
type Input struct {
	FirstName, LastName, Email, PhoneNumber, FromMessage, FromSource string
}

var source = regexp.MustCompile(`^[a-z0-9_]{1,50}$`)

// Check says what is wrong with a new lead, by field (the API's names),
// and returns it tidied: the email lower-cased, the number in E.164.
func Check(in Input) (models.InboxLead, store.FieldErrors) {
	bad := store.FieldErrors{}
	l := models.InboxLead{FirstName: strings.TrimSpace(in.FirstName), LastName: strings.TrimSpace(in.LastName),
		FromMessage: strings.TrimSpace(in.FromMessage), FromSource: strings.TrimSpace(in.FromSource), State: models.LeadUntriaged}
	for field, v := range map[string]string{"first_name": l.FirstName, "last_name": l.LastName} {
		if utf8.RuneCountInString(v) > 100 {
			bad.Add(field, "Keep a name under 100 characters.")
		}
	}
	if raw := strings.TrimSpace(in.Email); raw != "" {
		if l.Email = store.NormalizeEmail(raw); l.Email == "" {
			bad.Add("email", fmt.Sprintf("%q is not an email address.", raw))
		}
	}
	if raw := strings.TrimSpace(in.PhoneNumber); raw != "" {
		n, err := phone.E164(raw, "")
		if err != nil {
			bad.Add("phone_number", fmt.Sprintf("%q is not a phone number we can read: include the area code, and the country code if it is not a US or Canadian number.", raw))
		}
		l.PhoneNumber = n
	}
	if l.FirstName == "" && l.LastName == "" && l.Email == "" && l.PhoneNumber == "" && len(bad) == 0 {
		bad.Add("first_name", "Give the lead a name, an email address or a phone number.")
	}
	if utf8.RuneCountInString(l.FromMessage) > 10000 {
		bad.Add("from_message", "Keep the message under 10,000 characters.")
	}
	switch {
	case !source.MatchString(l.FromSource):
		bad.Add("from_source", "from_source is 1 to 50 lower-case letters, digits or underscores, e.g. website_chat.")
	case l.FromSource == models.LeadFromText:
		bad.Add("from_source", "text_message is kept for leads Parley makes from texts.")
	}
	return l, bad
}

// Create records a lead an integration (owner) sent, acting as v.
func (s *Store) Create(ctx context.Context, v store.Viewer, owner store.Owner, in Input) (models.InboxLead, error) {
	if err := store.FirmUser(v); err != nil {
		return models.InboxLead{}, err
	}
	l, bad := Check(in)
	if err := bad.Err(); err != nil {
		return l, err
	}
	l.FirmID = v.FirmID
	l.APITokenID, l.OAuthAppID = owner.Columns()
	if err := s.DB.WithContext(ctx).Create(&l).Error; err != nil {
		return l, fmt.Errorf("store: create inbox lead: %w", err)
	}
	return l, nil
}

// FromTextTx records, in the caller's transaction, a text from number (a
// number no contact of firm has) as a lead: the first text opens it, later
// ones keep it (and its state) and mark it updated.
func FromTextTx(tx *gorm.DB, firmID int64, number, body string) error {
	err := tx.Exec(`INSERT INTO inbox_leads (firm_id, phone_number, from_message, from_source)
		VALUES (?, ?, left(?, 10000), ?)
		ON CONFLICT (firm_id, phone_number) WHERE from_source = 'text_message' AND state <> 'converted'
		DO UPDATE SET updated_at = now()`, firmID, number, body, models.LeadFromText).Error
	if err != nil {
		return fmt.Errorf("store: inbox lead from text: %w", err)
	}
	return nil
}

// ConvertedTx marks the open text lead of number converted to contact (and
// matter, when one was opened), in the caller's transaction: the sender
// became a contact another way (Communications' one step).
func ConvertedTx(tx *gorm.DB, v store.Viewer, number string, contactID, matterID int64) error {
	err := tx.Exec(`UPDATE inbox_leads SET state = 'converted', contact_id = ?, matter_id = nullif(?, 0),
			triaged_by_user_id = ?, triaged_at = now(), updated_at = now()
		WHERE firm_id = ? AND phone_number = ? AND from_source = 'text_message' AND state <> 'converted'`,
		contactID, matterID, v.UserID, v.FirmID, number).Error
	if err != nil {
		return fmt.Errorf("store: convert inbox lead: %w", err)
	}
	return nil
}

// IgnoredTx ignores the untriaged text lead of number, in the caller's
// transaction: an administrator dismissed the number's texts as no
// enquiry in Communications.
func IgnoredTx(tx *gorm.DB, v store.Viewer, number string) error {
	err := tx.Exec(`UPDATE inbox_leads SET state = 'ignored', triaged_by_user_id = ?, triaged_at = now(), updated_at = now()
		WHERE firm_id = ? AND phone_number = ? AND from_source = 'text_message' AND state = 'untriaged'`,
		v.UserID, v.FirmID, number).Error
	if err != nil {
		return fmt.Errorf("store: ignore inbox lead: %w", err)
	}
	return nil
}

// Lead is one of the firm's leads.
func (s *Store) Lead(ctx context.Context, v store.Viewer, id int64) (models.InboxLead, error) {
	var l models.InboxLead
	if err := store.FirmUser(v); err != nil {
		return l, err
	}
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&l).Error; err != nil {
		return l, store.NotFound(err, "load inbox lead")
	}
	return l, nil
}

// searchSQL narrows leads to those whose name, email or number holds
// query (digits typed any way find a number), adding its arguments.
func searchSQL(query string, args map[string]any) string {
	query = strings.TrimSpace(query)
	if query == "" {
		return ""
	}
	args["like"] = "%" + store.EscapeLike(strings.ToLower(query)) + "%"
	cond := "lower(first_name || ' ' || last_name || ' ' || email) LIKE @like"
	if d := store.OnlyDigits(query); len(d) >= 3 {
		args["digits"] = "%" + d + "%"
		cond += " OR phone_number LIKE @digits"
	}
	return " AND (" + cond + ")"
}

// Records is a page of the firm's leads in a state, in ID order (the
// API's list), those query finds when there is one; tokenID keeps only
// those that token created (0 for all).
func (s *Store) Records(ctx context.Context, v store.Viewer, state models.LeadState, query string, q store.IDQuery) ([]models.InboxLead, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	args := map[string]any{"firm": v.FirmID, "state": state}
	db := s.DB.WithContext(ctx).Where("firm_id = @firm AND state = @state"+searchSQL(query, args), args)
	var out []models.InboxLead
	if err := db.Scopes(q.Scope).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: list inbox leads: %w", err)
	}
	return out, nil
}

// Page is a page of the Inbox: the firm's leads in a state, newest first
// (after is the cursor of the page before), those query finds.
func (s *Store) Page(ctx context.Context, v store.Viewer, state models.LeadState, query, after string) (store.Page[models.InboxLead], error) {
	if err := store.FirmUser(v); err != nil {
		return store.Page[models.InboxLead]{}, err
	}
	before := int64(1<<63 - 1)
	if _, err := store.ReadCursor(after, &before); err != nil {
		return store.Page[models.InboxLead]{}, err
	}
	args := map[string]any{"firm": v.FirmID, "state": state, "before": before}
	var out []models.InboxLead
	err := s.DB.WithContext(ctx).Where("firm_id = @firm AND state = @state AND id < @before"+searchSQL(query, args), args).
		Order("id DESC").Limit(store.PageSize + 1).Find(&out).Error
	if err != nil {
		return store.Page[models.InboxLead]{}, fmt.Errorf("store: inbox: %w", err)
	}
	return store.Trim(out, func(l models.InboxLead) string { return store.Cursor(l.ID) }), nil
}

// Untriaged counts the firm's untriaged leads, up to limit.
func (s *Store) Untriaged(ctx context.Context, v store.Viewer, limit int) (int, error) {
	if err := store.FirmUser(v); err != nil {
		return 0, err
	}
	var n int
	err := s.DB.WithContext(ctx).Raw(`SELECT count(*) FROM (SELECT 1 FROM inbox_leads
		WHERE firm_id = ? AND state = 'untriaged' LIMIT ?) l`, v.FirmID, limit).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count untriaged leads: %w", err)
	}
	return n, nil
}

// SetState ignores a lead (LeadIgnored) or restores it (LeadUntriaged).
func (s *Store) SetState(ctx context.Context, v store.Viewer, id int64, state models.LeadState) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	if state != models.LeadIgnored && state != models.LeadUntriaged {
		return fmt.Errorf("store: a lead is not set %q by hand", state)
	}
	l, err := s.Lead(ctx, v, id)
	if err != nil {
		return err
	}
	if l.State == models.LeadConverted {
		return ErrConverted
	}
	err = s.DB.WithContext(ctx).Exec(`UPDATE inbox_leads SET state = ?, triaged_by_user_id = ?, triaged_at = now(), updated_at = now()
		WHERE firm_id = ? AND id = ? AND state <> 'converted'`, state, v.UserID, v.FirmID, id).Error
	if err != nil {
		return fmt.Errorf("store: set inbox lead state: %w", err)
	}
	return nil
}

// Convert opens a matter from lead id, in one transaction: its client
// picked or made (matters.Input), the lead's texts given to that client,
// the lead marked converted with both. It returns the matter's ID.
func (s *Store) Convert(ctx context.Context, v store.Viewer, id int64, in matters.Input, today time.Time) (int64, error) {
	if err := store.FirmUser(v); err != nil {
		return 0, err
	}
	var matterID int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var l models.InboxLead
		// The row lock makes a double click open one matter.
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&l).Error
		if err != nil {
			return store.NotFound(err, "load inbox lead")
		}
		if l.State == models.LeadConverted {
			return ErrConverted
		}
		var clientID int64
		if matterID, clientID, err = matters.CreateTx(tx, v, in, today, l.ID); err != nil {
			return err
		}
		if l.FromSource == models.LeadFromText && l.PhoneNumber != "" && s.LinkTexts != nil {
			if err := s.LinkTexts(tx, v, l.PhoneNumber, clientID); err != nil {
				return err
			}
		}
		return tx.Exec(`UPDATE inbox_leads SET state = 'converted', contact_id = ?, matter_id = ?,
				triaged_by_user_id = ?, triaged_at = now(), updated_at = now()
			WHERE firm_id = ? AND id = ?`, clientID, matterID, v.UserID, v.FirmID, l.ID).Error
	})
	return matterID, err
}
