package events

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/texting"
)

// ContactChoice is a contact a firm user may invite, and whether (or why
// not) the contact can be notified by text.
type ContactChoice struct {
	ID       int64
	Name     string
	Textable bool
	Why      string // when not textable
}

// UserChoice is a firm user who may be invited.
type UserChoice struct {
	ID   int64
	Name string
}

// EventChoices is what the event form offers: the firm's users, the
// contacts already on it or around its matter, and matters to put it on.
// Other contacts and matters are found by searching (ContactChoices,
// matters.Store.List), so the form stays small in a firm of any size.
type EventChoices struct {
	Users    []UserChoice
	Contacts []ContactChoice
	Matters  []matters.ListRow
}

// recentMatters is how many of the matters with the latest activity the
// form offers before a search.
const recentMatters = 20

// EventChoices lists the firm's active users; the contacts of contactIDs
// (those already invited) and, when matterID is set, that matter's client
// and related contacts first; and the matter itself with the matters of
// latest activity v may see.
func (s *Store) EventChoices(ctx context.Context, v store.Viewer, matterID int64, contactIDs []int64) (EventChoices, error) {
	if err := store.FirmUser(v); err != nil {
		return EventChoices{}, err
	}
	var out EventChoices
	db := s.DB.WithContext(ctx)
	var err error
	if out.Users, err = s.UserChoices(ctx, v); err != nil {
		return out, err
	}
	ms := &matters.Store{DB: s.DB}
	if matterID != 0 {
		m, err := ms.Matter(ctx, v, matterID)
		if err != nil {
			return out, err
		}
		out.Matters = append(out.Matters, m.List())
		var around []int64
		err = db.Raw(matters.PeopleIDsSQL, map[string]any{"firm": v.FirmID, "matters": []int64{matterID}}).Scan(&around).Error
		if err != nil {
			return out, fmt.Errorf("store: matter contacts: %w", err)
		}
		contactIDs = append(around, contactIDs...)
	}
	recent, err := ms.List(ctx, v, matters.Filter{}, "")
	if err != nil {
		return out, err
	}
	for _, m := range recent.Items[:min(len(recent.Items), recentMatters)] {
		if m.ID != matterID {
			out.Matters = append(out.Matters, m)
		}
	}
	out.Contacts, err = s.contactChoices(db, v, uniqueIDs(contactIDs), contactIDs)
	return out, err
}

// UserChoices lists the firm's active users by name, for the pickers of
// attendees, attorneys and who may see a matter.
func (s *Store) UserChoices(ctx context.Context, v store.Viewer) ([]UserChoice, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var users []models.User
	if err := s.DB.WithContext(ctx).Where("firm_id = ? AND active", v.FirmID).Order("first_name, last_name, id").Find(&users).Error; err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	out := make([]UserChoice, len(users))
	for i, u := range users {
		out[i] = UserChoice{ID: u.ID, Name: u.Name()}
	}
	return out, nil
}

// pickerSize is how many contacts the event form's search offers.
const pickerSize = 10

// ContactChoices is the contacts a search in the event form finds, each
// with whether it can be notified by text.
func (s *Store) ContactChoices(ctx context.Context, v store.Viewer, query string) ([]ContactChoice, error) {
	found, err := (&contacts.Store{DB: s.DB}).Search(ctx, v, query, pickerSize)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(found))
	for i, c := range found {
		ids[i] = c.ID
	}
	return s.contactChoices(s.DB.WithContext(ctx), v, ids, ids)
}

// contactChoices loads the contacts ids, in the order of order.
func (s *Store) contactChoices(db *gorm.DB, v store.Viewer, ids, order []int64) ([]ContactChoice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var people []models.Contact
	if err := db.Preload("PhoneNumbers", contacts.TextingFirst).Where("firm_id = ? AND id IN ?", v.FirmID, ids).
		Find(&people).Error; err != nil {
		return nil, fmt.Errorf("store: load contacts: %w", err)
	}
	why, err := whyNotTextable(db, v.FirmID, people)
	if err != nil {
		return nil, err
	}
	byID := map[int64]models.Contact{}
	for _, c := range people {
		byID[c.ID] = c
	}
	var out []ContactChoice
	seen := map[int64]bool{}
	for _, id := range order {
		c, ok := byID[id]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, ContactChoice{ID: c.ID, Name: c.Name(), Textable: why[c.ID] == "", Why: why[c.ID]})
	}
	return out, nil
}

// whyNotTextable says, for each contact that cannot be notified by text
// now, why not (texting.Target's words); contacts that can are absent from
// the map.
func whyNotTextable(db *gorm.DB, firmID int64, people []models.Contact) (map[int64]string, error) {
	f, err := firms.Load(db, firmID)
	if err != nil {
		return nil, err
	}
	var optedOut map[string]bool
	if f.TextingNumber != nil {
		numbers := make([]string, 0, len(people))
		for _, c := range people {
			if n, ok := c.TextNumber(); ok {
				if to, err := sms.NormalizeTextable(n); err == nil {
					numbers = append(numbers, to)
				}
			}
		}
		if optedOut, err = texting.OptedOutOf(db, *f.TextingNumber, numbers...); err != nil {
			return nil, err
		}
	}
	why := make(map[int64]string)
	for _, c := range people {
		number, _ := c.TextNumber()
		_, err := texting.Target(f, c.Name(), number, func(to string) (bool, error) { return optedOut[to], nil })
		if err != nil {
			why[c.ID] = err.Error()
		}
	}
	return why, nil
}
