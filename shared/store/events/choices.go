package events

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

// EventChoices is who may be invited to an event and on which matters.
type EventChoices struct {
	Users    []UserChoice
	Contacts []ContactChoice
	Matters  []matters.Row
}

// EventChoices lists the firm's active users, the contacts to choose from
// (the matter's client and related contacts first when matterID is set,
// then the rest of the firm's) and the matters v may put an event on.
func (s *Store) EventChoices(ctx context.Context, v store.Viewer, matterID int64) (EventChoices, error) {
	if err := store.FirmUser(v); err != nil {
		return EventChoices{}, err
	}
	var out EventChoices
	db := s.DB.WithContext(ctx)
	var users []models.User
	if err := db.Where("firm_id = ? AND active", v.FirmID).Order("first_name, last_name, id").Find(&users).Error; err != nil {
		return out, fmt.Errorf("store: list users: %w", err)
	}
	for _, u := range users {
		out.Users = append(out.Users, UserChoice{ID: u.ID, Name: u.Name()})
	}
	var err error
	if out.Matters, err = (&matters.Store{DB: s.DB}).Matters(ctx, v); err != nil {
		return out, err
	}
	var people []models.Contact
	err = db.Preload("PhoneNumbers", contacts.TextingFirst).
		Where("firm_id = ?", v.FirmID).
		Order(clause.Expr{SQL: `(id = (SELECT client_contact_id FROM matters WHERE firm_id = ? AND id = ?)
			OR id IN (SELECT contact_id FROM matter_related_contacts WHERE firm_id = ? AND matter_id = ?)) DESC,
			last_name, first_name, company_name, id`, Vars: []any{v.FirmID, matterID, v.FirmID, matterID}}).
		Limit(500).Find(&people).Error
	if err != nil {
		return out, fmt.Errorf("store: list contacts: %w", err)
	}
	why, err := whyNotTextable(db, v.FirmID, people)
	if err != nil {
		return out, err
	}
	for _, c := range people {
		out.Contacts = append(out.Contacts, ContactChoice{ID: c.ID, Name: c.Name(), Textable: why[c.ID] == "", Why: why[c.ID]})
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
