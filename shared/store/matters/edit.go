package matters

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// Input is a matter as its form sends it.
type Input struct {
	Description  string
	PracticeArea string
	// Status is the firm's own name for the stage ("Discovery"); the
	// category is what Parley reasons with.
	Status   string
	Category models.StatusCategory
	// ClientID picks an existing contact; NewClient makes one when it is 0.
	ClientID  int64
	NewClient *contacts.Input
	// PrimaryContactID is optional.
	PrimaryContactID                 int64
	ResponsibleUserID, OriginatingID int64
	// Dates as the form's date inputs send them (YYYY-MM-DD; "" for none).
	OpenedOn, PendingOn, ClosedOn string
	Location                      string
	// Intake figures: the projected value as typed ("25,000" or "$25000.50";
	// "" for none), the day the client hired the firm and the day the first
	// letter went out.
	ProjectedValue, HiredOn, FirstLetterOn string
	Permission                             models.Permission
	// UserIDs are who may view a matter of permission "users".
	UserIDs []int64
}

// dateLayout is how a form sends a date.
const dateLayout = "2006-01-02"

// checked is an Input read and validated.
type checked struct {
	Input
	opened, pending, closed *time.Time
	hired, firstLetter      *time.Time
	value                   *float64
}

// Check says what is wrong with in, by field. Today fills the date of the
// category it starts in when none is given.
func Check(in Input, today time.Time) (checked, store.FieldErrors) {
	bad := store.FieldErrors{}
	in.Description = strings.Join(strings.Fields(in.Description), " ")
	switch n := utf8.RuneCountInString(in.Description); {
	case n == 0:
		bad.Add("description", "Describe the matter, like Estate of Ada Lovelace.")
	case n > 500:
		bad.Add("description", "Keep the description under 500 characters.")
	}
	in.Status = strings.Join(strings.Fields(in.Status), " ")
	if utf8.RuneCountInString(in.Status) > 50 {
		bad.Add("status", "Keep the status under 50 characters.")
	}
	switch in.Category {
	case models.StatusOpen, models.StatusPending, models.StatusClosed:
	default:
		bad.Add("category", "Choose open, pending or closed.")
	}
	if in.Status == "" && in.Category != "" {
		in.Status = strings.ToUpper(string(in.Category[:1])) + string(in.Category[1:])
	}
	in.PracticeArea = strings.Join(strings.Fields(in.PracticeArea), " ")
	if utf8.RuneCountInString(in.PracticeArea) > 100 {
		bad.Add("practice_area", "Keep the practice area under 100 characters.")
	}
	in.Location = strings.Join(strings.Fields(in.Location), " ")
	if utf8.RuneCountInString(in.Location) > 200 {
		bad.Add("location", "Keep the location under 200 characters.")
	}
	if in.ClientID == 0 && in.NewClient == nil {
		bad.Add("client", "Choose the client, or add them as a new contact.")
	}
	if in.NewClient != nil {
		nc, cbad := contacts.Check(*in.NewClient)
		for f, msg := range cbad {
			bad.Add("new_client."+f, msg)
		}
		in.NewClient = &nc
	}
	switch in.Permission {
	case models.PermissionEveryone, models.PermissionUsers:
	default:
		bad.Add("permission", "Choose who may see the matter.")
	}
	out := checked{Input: in}
	for _, d := range []struct {
		raw   string
		field string
		to    **time.Time
	}{{in.OpenedOn, "opened_on", &out.opened}, {in.PendingOn, "pending_on", &out.pending}, {in.ClosedOn, "closed_on", &out.closed},
		{in.HiredOn, "hired_on", &out.hired}, {in.FirstLetterOn, "first_letter_on", &out.firstLetter}} {
		if strings.TrimSpace(d.raw) == "" {
			continue
		}
		t, err := time.Parse(dateLayout, strings.TrimSpace(d.raw))
		if err != nil {
			bad.Add(d.field, "Give a date, like "+today.Format(dateLayout)+".")
			continue
		}
		*d.to = &t
	}
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if out.opened == nil {
		out.opened = &day
	}
	if in.Category == models.StatusPending && out.pending == nil {
		out.pending = &day
	}
	if in.Category == models.StatusClosed && out.closed == nil {
		out.closed = &day
	}
	if out.closed != nil && out.opened != nil && out.closed.Before(*out.opened) {
		bad.Add("closed_on", "A matter closes on or after the day it opens.")
	}
	if raw := strings.TrimSpace(in.ProjectedValue); raw != "" {
		v, err := strconv.ParseFloat(strings.NewReplacer("$", "", ",", "", " ", "").Replace(raw), 64)
		switch {
		case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
			bad.Add("projected_value", fmt.Sprintf("%q is not an amount: write it like 25000 or 25,000.50.", raw))
		case v < 0 || v >= 1e12:
			bad.Add("projected_value", "Give an amount from 0 to 999,999,999,999.99.")
		default:
			v = math.Round(v*100) / 100
			out.value = &v
		}
	}
	return out, bad
}

// FormatNumber writes a matter's number by the firm's format: {number} is
// the sequence zero-padded to five digits, {client} the client's last name
// (a company's first word), {year} the year it opens.
func FormatNumber(format string, n int64, client models.Contact, year int) string {
	if !strings.Contains(format, "{number}") {
		format = DefaultNumberFormat
	}
	name := client.LastName
	if client.Kind == models.ContactCompany || name == "" {
		name, _, _ = strings.Cut(client.Name(), " ")
	}
	// The client's part is cut, never the number: a long name must not
	// make two numbers alike.
	var b strings.Builder
	kept := 0
	for _, r := range name {
		if kept < maxClientInNumber && (r == '-' || r == '\'' || ('a' <= r|32 && r|32 <= 'z') || r > 127 || ('0' <= r && r <= '9')) {
			b.WriteRune(r)
			kept++
		}
	}
	out := strings.NewReplacer("{number}", fmt.Sprintf("%05d", n), "{client}", b.String(),
		"{year}", strconv.Itoa(year)).Replace(format)
	return strings.Trim(strings.ReplaceAll(out, "--", "-"), "- ")
}

// maxClientInNumber is how much of the client's name a number holds.
const maxClientInNumber = 30

// DefaultNumberFormat is a firm's matter number format until it sets one.
const DefaultNumberFormat = "{number}-{client}"

// ErrNumberTaken is a number the firm already gave another matter.
var ErrNumberTaken = errors.New("store: another matter has that number")

// Create opens a matter: numbered by the firm's sequence and format,
// its client picked or made in the same transaction, the creator among
// the users who may view a restricted matter. Input to fix comes back as
// store.FieldErrors (a new client's fields as "new_client.<field>").
func (s *Store) Create(ctx context.Context, v store.Viewer, in Input, today time.Time) (Row, error) {
	if err := store.FirmUser(v); err != nil {
		return Row{}, err
	}
	c, bad := Check(in, today)
	if err := bad.Err(); err != nil {
		return Row{}, err
	}
	var id int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		id, _, err = createTx(tx, v, c, nil)
		return err
	})
	if err != nil {
		return Row{}, err
	}
	return s.Matter(ctx, v, id)
}

// CreateTx is Create in the caller's transaction, for a matter opened
// from an inbox lead (leadID): it returns the matter's and its client's
// IDs.
func CreateTx(tx *gorm.DB, v store.Viewer, in Input, today time.Time, leadID int64) (matterID, clientID int64, err error) {
	if err := store.FirmUser(v); err != nil {
		return 0, 0, err
	}
	c, bad := Check(in, today)
	if err := bad.Err(); err != nil {
		return 0, 0, err
	}
	return createTx(tx, v, c, &leadID)
}

// createTx opens the checked matter c in tx.
func createTx(tx *gorm.DB, v store.Viewer, c checked, leadID *int64) (int64, int64, error) {
	s := &Store{DB: tx}
	bad := store.FieldErrors{}
	if err := s.checkPeople(tx, v, c, &bad); err != nil {
		return 0, 0, err
	}
	if err := bad.Err(); err != nil {
		return 0, 0, err
	}
	client, err := s.clientOf(tx, v, c)
	if err != nil {
		return 0, 0, err
	}
	// The firm's row is the sequence: locked, read, advanced.
	var firm models.Firm
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Select("id", "matter_number_format", "next_matter_number").
		Take(&firm, v.FirmID).Error; err != nil {
		return 0, 0, fmt.Errorf("store: number matter: %w", err)
	}
	m := models.Matter{FirmID: v.FirmID, ClientContactID: client.ID, CreatedByUserID: &v.UserID, UpdatedByUserID: &v.UserID, InboxLeadID: leadID}
	c.applyTo(&m)
	// A number given outside the sequence (an import, the demo) is
	// skipped rather than refused.
	for n := firm.NextMatterNumber; ; n++ {
		m.Number = FormatNumber(firm.MatterNumberFormat, n, client, c.opened.Year())
		var taken int64
		if err := tx.Model(&models.Matter{}).Where("firm_id = ? AND number = ?", v.FirmID, m.Number).Count(&taken).Error; err != nil {
			return 0, 0, fmt.Errorf("store: number matter: %w", err)
		}
		if taken == 0 || n > firm.NextMatterNumber+1000 {
			firm.NextMatterNumber = n
			break
		}
	}
	if err := tx.Model(&firm).Update("next_matter_number", firm.NextMatterNumber+1).Error; err != nil {
		return 0, 0, fmt.Errorf("store: advance matter number: %w", err)
	}
	if err := tx.Create(&m).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return 0, 0, ErrNumberTaken
		}
		return 0, 0, fmt.Errorf("store: create matter: %w", err)
	}
	return m.ID, client.ID, setPermitted(tx, v, m.ID, c.permitted(v.UserID))
}

// Update saves a matter's form over it; the number and client stay (a new
// client is another matter). Who may view it changes from the next request.
func (s *Store) Update(ctx context.Context, v store.Viewer, id int64, in Input, today time.Time) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	old, err := s.Matter(ctx, v, id)
	if err != nil {
		return err
	}
	in.ClientID, in.NewClient = old.ClientContactID, nil
	c, bad := Check(in, today)
	if err := bad.Err(); err != nil {
		return err
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkPeople(tx, v, c, &bad); err != nil {
			return err
		}
		if err := bad.Err(); err != nil {
			return err
		}
		var m models.Matter
		c.applyTo(&m)
		err := tx.Model(&models.Matter{}).Where("firm_id = ? AND id = ?", v.FirmID, id).Updates(map[string]any{
			"description": m.Description, "practice_area": m.PracticeArea, "status": m.Status, "status_category": m.StatusCategory,
			"primary_contact_id": m.PrimaryContactID, "responsible_user_id": m.ResponsibleUserID,
			"originating_user_id": m.OriginatingUserID, "location": m.Location, "permission": m.Permission,
			"opened_at": m.OpenedAt, "pending_at": m.PendingAt, "closed_at": m.ClosedAt,
			"projected_value": m.ProjectedValue, "hired_date": m.HiredDate, "first_letter_sent_at": m.FirstLetterSentAt,
			"updated_by_user_id": v.UserID, "updated_at": gorm.Expr("now()"),
		}).Error
		if err != nil {
			return fmt.Errorf("store: update matter: %w", err)
		}
		keep := []int64{v.UserID}
		if old.CreatedByUserID != nil {
			keep = append(keep, *old.CreatedByUserID)
		}
		return setPermitted(tx, v, id, c.permitted(keep...))
	})
}

// applyTo writes the checked input onto m.
func (c checked) applyTo(m *models.Matter) {
	m.Description, m.PracticeArea, m.Status, m.StatusCategory = c.Description, c.PracticeArea, c.Status, c.Category
	m.Location, m.Permission = c.Location, c.Permission
	m.PrimaryContactID, m.ResponsibleUserID, m.OriginatingUserID = nonZero(c.PrimaryContactID), nonZero(c.ResponsibleUserID), nonZero(c.OriginatingID)
	m.OpenedAt, m.PendingAt, m.ClosedAt = c.opened, c.pending, c.closed
	m.ProjectedValue, m.HiredDate, m.FirstLetterSentAt = c.value, c.hired, c.firstLetter
	if c.Category != models.StatusClosed {
		m.ClosedAt = nil
	}
}

// permitted is who may view the matter when only listed users may: those
// chosen, and keep (the one saving it and the creator), who keep access
// to what they restrict.
func (c checked) permitted(keep ...int64) []int64 {
	if c.Permission != models.PermissionUsers {
		return nil
	}
	ids := append(keep, c.UserIDs...)
	seen := map[int64]bool{}
	out := ids[:0]
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// checkPeople notes in bad the picked contacts and users that are not the
// firm's (active users, for attorneys and permissions).
func (s *Store) checkPeople(tx *gorm.DB, v store.Viewer, c checked, bad *store.FieldErrors) error {
	for _, p := range []struct {
		id    int64
		field string
	}{{c.ClientID, "client"}, {c.PrimaryContactID, "primary_contact"}} {
		if p.id == 0 {
			continue
		}
		var n int64
		if err := tx.Model(&models.Contact{}).Where("firm_id = ? AND id = ?", v.FirmID, p.id).Count(&n).Error; err != nil {
			return fmt.Errorf("store: check contact: %w", err)
		}
		if n == 0 {
			bad.Add(p.field, "Choose a contact from the list.")
		}
	}
	users := append([]int64{c.ResponsibleUserID, c.OriginatingID}, c.UserIDs...)
	var known []int64
	if err := tx.Model(&models.User{}).Where("firm_id = ? AND active AND id IN ?", v.FirmID, append(users, 0)).
		Pluck("id", &known).Error; err != nil {
		return fmt.Errorf("store: check users: %w", err)
	}
	ok := map[int64]bool{0: true}
	for _, id := range known {
		ok[id] = true
	}
	if !ok[c.ResponsibleUserID] {
		bad.Add("responsible", "Choose someone from the list.")
	}
	if !ok[c.OriginatingID] {
		bad.Add("originating", "Choose someone from the list.")
	}
	for _, id := range c.UserIDs {
		if !ok[id] {
			bad.Add("users", "Choose people from the list.")
		}
	}
	return nil
}

// clientOf is the matter's client: the one picked, or a new contact.
func (s *Store) clientOf(tx *gorm.DB, v store.Viewer, c checked) (models.Contact, error) {
	var client models.Contact
	if c.ClientID != 0 {
		if err := tx.Where("firm_id = ? AND id = ?", v.FirmID, c.ClientID).Take(&client).Error; err != nil {
			return client, store.NotFound(err, "load client")
		}
		return client, nil
	}
	made, _, err := (&contacts.Store{DB: tx}).Create(tx.Statement.Context, v, *c.NewClient, true)
	return made, err
}

// setPermitted makes ids the users listed on a matter.
func setPermitted(tx *gorm.DB, v store.Viewer, matterID int64, ids []int64) error {
	if err := tx.Where("firm_id = ? AND matter_id = ?", v.FirmID, matterID).Delete(&models.MatterPermittedUser{}).Error; err != nil {
		return fmt.Errorf("store: clear matter users: %w", err)
	}
	rows := make([]models.MatterPermittedUser, len(ids))
	for i, id := range ids {
		rows[i] = models.MatterPermittedUser{FirmID: v.FirmID, MatterID: matterID, UserID: id}
	}
	if len(rows) > 0 {
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("store: list matter users: %w", err)
		}
	}
	return nil
}

// Permitted lists who may view matter id when only listed users may.
func (s *Store) Permitted(ctx context.Context, v store.Viewer, id int64) ([]int64, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	if _, err := s.Matter(ctx, v, id); err != nil {
		return nil, err
	}
	var ids []int64
	err := s.DB.WithContext(ctx).Model(&models.MatterPermittedUser{}).Where("firm_id = ? AND matter_id = ?", v.FirmID, id).
		Order("user_id").Pluck("user_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("store: matter users: %w", err)
	}
	return ids, nil
}

// InputOf is a stored matter as its edit form starts.
func (s *Store) InputOf(ctx context.Context, v store.Viewer, m Row) (Input, error) {
	users, err := s.Permitted(ctx, v, m.ID)
	if err != nil {
		return Input{}, err
	}
	in := Input{Description: m.Description, PracticeArea: m.PracticeArea, Status: m.Status, Category: m.StatusCategory,
		ClientID: m.ClientContactID, Location: m.Location, Permission: m.Permission, UserIDs: users}
	deref := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	in.PrimaryContactID, in.ResponsibleUserID, in.OriginatingID = deref(m.PrimaryContactID), deref(m.ResponsibleUserID), deref(m.OriginatingUserID)
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(dateLayout)
	}
	in.OpenedOn, in.PendingOn, in.ClosedOn = date(m.OpenedAt), date(m.PendingAt), date(m.ClosedAt)
	in.HiredOn, in.FirstLetterOn = date(m.HiredDate), date(m.FirstLetterSentAt)
	if m.ProjectedValue != nil {
		in.ProjectedValue = strconv.FormatFloat(*m.ProjectedValue, 'f', -1, 64)
	}
	return in, nil
}

// ErrAlreadyRelated refuses a contact already on the matter.
var ErrAlreadyRelated = errors.New("store: the contact is already on the matter")

// Relate adds a related contact to a matter with their role ("opposing
// counsel", "spouse").
func (s *Store) Relate(ctx context.Context, v store.Viewer, id, contactID int64, role string) error {
	m, err := s.Matter(ctx, v, id)
	if err != nil {
		return err
	}
	role = strings.Join(strings.Fields(role), " ")
	bad := store.FieldErrors{}
	if role == "" || utf8.RuneCountInString(role) > 100 {
		bad.Add("role", "Give their role on the matter, like Opposing counsel, in under 100 characters.")
	}
	if contactID == 0 {
		bad.Add("contact", "Choose a contact from the search.")
	} else if contactID == m.ClientContactID {
		bad.Add("contact", "The client is on the matter already.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if _, err := (&contacts.Store{DB: s.DB}).Contact(ctx, v, contactID); err != nil {
		return err
	}
	err = s.DB.WithContext(ctx).Create(&models.MatterRelatedContact{FirmID: v.FirmID, MatterID: id, ContactID: contactID, Relationship: role}).Error
	if store.IsUniqueViolation(err) {
		return ErrAlreadyRelated
	}
	if err != nil {
		return fmt.Errorf("store: relate contact: %w", err)
	}
	return s.touch(ctx, v, id)
}

// Unrelate takes a related contact off a matter.
func (s *Store) Unrelate(ctx context.Context, v store.Viewer, id, contactID int64) error {
	if err := store.FirmUser(v); err != nil {
		return err
	}
	if _, err := s.Matter(ctx, v, id); err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Where("firm_id = ? AND matter_id = ? AND contact_id = ?", v.FirmID, id, contactID).
		Delete(&models.MatterRelatedContact{})
	if res.Error != nil {
		return fmt.Errorf("store: unrelate contact: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return store.ErrNotFound
	}
	return s.touch(ctx, v, id)
}

// touch records that v changed matter id now.
func (s *Store) touch(ctx context.Context, v store.Viewer, id int64) error {
	err := s.DB.WithContext(ctx).Model(&models.Matter{}).Where("firm_id = ? AND id = ?", v.FirmID, id).
		Updates(map[string]any{"updated_by_user_id": v.UserID, "updated_at": gorm.Expr("now()")}).Error
	if err != nil {
		return fmt.Errorf("store: touch matter: %w", err)
	}
	return nil
}
