package events

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
)

// calendarFirm is what planning needs of the firm.
type calendarFirm struct {
	Zone         *time.Location
	ReminderDays int
}

func loadCalendarFirm(tx *gorm.DB, firmID int64) (calendarFirm, error) {
	f, err := firms.Load(tx, firmID)
	if err != nil {
		return calendarFirm{}, err
	}
	return calendarFirm{Zone: calendar.Location(f.TimeZone), ReminderDays: f.ReminderDays}, nil
}

// planner records calendar texts within one transaction.
type planner struct {
	tx      *gorm.DB
	firmID  int64
	firm    calendarFirm
	now     time.Time
	planned []Planned
}

// add plans a text of kind to an attendee, as soon as quiet hours allow.
func (p *planner) add(ev models.Event, attendeeID int64, kind calendar.Kind) error {
	n := models.EventNotification{FirmID: p.firmID, EventID: ev.ID, AttendeeID: attendeeID, Kind: string(kind),
		Status: models.NotificationPlanned, SendAt: calendar.SendAt(p.now, p.firm.Zone)}
	if err := p.tx.Create(&n).Error; err != nil {
		return fmt.Errorf("store: plan %s text: %w", kind, err)
	}
	p.planned = append(p.planned, Planned{ID: n.ID, SendAt: n.SendAt})
	return nil
}

// cancel drops the attendee's planned texts of the given kinds (all when none).
func (p *planner) cancel(attendeeID int64, reason string, kinds ...calendar.Kind) error {
	q := p.tx.Model(&models.EventNotification{}).
		Where("firm_id = ? AND attendee_id = ? AND status = ?", p.firmID, attendeeID, models.NotificationPlanned)
	if len(kinds) > 0 {
		q = q.Where("kind IN ?", kinds)
	}
	err := q.Updates(map[string]any{"status": models.NotificationCancelled, "reason": reason, "updated_at": p.now}).Error
	if err != nil {
		return fmt.Errorf("store: cancel planned texts: %w", err)
	}
	return nil
}

// remind (re)plans the attendee's reminder for the event's current start.
// A reminder already sent for that start stops a second one: the unique
// index on (attendee, start) is what makes reminders at most once.
func (p *planner) remind(ev models.Event, attendeeID int64) error {
	if err := p.cancel(attendeeID, "Re-planned.", calendar.KindReminder); err != nil {
		return err
	}
	at, ok := calendar.ReminderAt(ev.StartsAt, p.firm.ReminderDays, p.firm.Zone, p.now)
	if !ok {
		return nil
	}
	start := ev.StartsAt
	n := models.EventNotification{FirmID: p.firmID, EventID: ev.ID, AttendeeID: attendeeID,
		Kind: string(calendar.KindReminder), Status: models.NotificationPlanned, SendAt: at, ReminderFor: &start}
	res := p.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&n)
	if res.Error != nil {
		return fmt.Errorf("store: plan reminder: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		p.planned = append(p.planned, Planned{ID: n.ID, SendAt: n.SendAt})
	}
	return nil
}

// invite plans the invitation and the reminder of a contact who is to be
// notified by text, for an event that has not started.
func (p *planner) invite(ev models.Event, attendeeID int64) error {
	if !ev.StartsAt.After(p.now) {
		return nil
	}
	if err := p.add(ev, attendeeID, calendar.KindCreated); err != nil {
		return err
	}
	return p.remind(ev, attendeeID)
}

// addContact puts a contact on the event, inviting them by text if asked.
func (p *planner) addContact(ev models.Event, c ContactAttendee) error {
	a := models.EventAttendee{FirmID: p.firmID, EventID: ev.ID, ContactID: &c.ContactID, NotifyText: c.NotifyText}
	if err := p.tx.Create(&a).Error; err != nil {
		return fmt.Errorf("store: add contact attendee: %w", err)
	}
	if c.NotifyText {
		return p.invite(ev, a.ID)
	}
	return nil
}

// CreateEvent records an event with its attendees and plans the texts to
// the contacts to be notified.
func (s *Store) CreateEvent(ctx context.Context, v store.Viewer, in EventInput) (int64, []Planned, error) {
	if err := store.FirmUser(v); err != nil {
		return 0, nil, err
	}
	if err := in.validate(); err != nil {
		return 0, nil, err
	}
	var (
		id      int64
		planned []Planned
	)
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.checkEventRefs(tx, v, in); err != nil {
			return err
		}
		p, err := s.newPlanner(tx, v.FirmID)
		if err != nil {
			return err
		}
		ev := models.Event{FirmID: v.FirmID, Title: in.Title, StartsAt: in.Start, EndsAt: in.End,
			Location: in.Location, Description: in.Description, CreatedByUserID: &v.UserID}
		if in.MatterID != 0 {
			ev.MatterID = &in.MatterID
		}
		if err := tx.Create(&ev).Error; err != nil {
			return fmt.Errorf("store: create event: %w", err)
		}
		id = ev.ID
		for _, uid := range in.UserIDs {
			if err := tx.Create(&models.EventAttendee{FirmID: v.FirmID, EventID: ev.ID, UserID: &uid}).Error; err != nil {
				return fmt.Errorf("store: add user attendee: %w", err)
			}
		}
		for _, c := range in.Contacts {
			if err := p.addContact(ev, c); err != nil {
				return err
			}
		}
		planned = p.planned
		return nil
	})
	if err != nil {
		return 0, nil, err // the event was rolled back; its ID names nothing
	}
	return id, planned, nil
}

func (s *Store) newPlanner(tx *gorm.DB, firmID int64) (*planner, error) {
	f, err := loadCalendarFirm(tx, firmID)
	if err != nil {
		return nil, err
	}
	return &planner{tx: tx, firmID: firmID, firm: f, now: s.now()}, nil
}

// checkEventRefs makes sure the matter, users and contacts named are the
// firm's and the viewer's to use, so no ID from elsewhere lands on an event.
func (s *Store) checkEventRefs(tx *gorm.DB, v store.Viewer, in EventInput) error {
	if in.MatterID != 0 {
		ok, err := matters.Visible(tx, v, in.MatterID)
		if err != nil {
			return err
		}
		if !ok {
			return store.ErrNotFound
		}
	}
	count := func(table string, ids []int64) error {
		ids = uniqueIDs(ids)
		if len(ids) == 0 {
			return nil
		}
		var n int64
		if err := tx.Table(table).Where("firm_id = ? AND id IN ?", v.FirmID, ids).Count(&n).Error; err != nil {
			return fmt.Errorf("store: check %s: %w", table, err)
		}
		if int(n) != len(ids) {
			return store.ErrNotFound
		}
		return nil
	}
	contactIDs := make([]int64, len(in.Contacts))
	for i, c := range in.Contacts {
		contactIDs[i] = c.ContactID
	}
	if len(uniqueIDs(contactIDs)) != len(contactIDs) || len(uniqueIDs(in.UserIDs)) != len(in.UserIDs) {
		return store.Invalid("Each attendee can be invited once.")
	}
	if err := errors.Join(count("users", in.UserIDs), count("contacts", contactIDs)); err != nil {
		return err
	}
	var notify []int64
	for _, c := range in.Contacts {
		if c.NotifyText {
			notify = append(notify, c.ContactID)
		}
	}
	if len(notify) == 0 {
		return nil
	}
	var people []models.Contact
	if err := tx.Preload("PhoneNumbers", contacts.TextingFirst).
		Where("firm_id = ? AND id IN ?", v.FirmID, notify).Find(&people).Error; err != nil {
		return fmt.Errorf("store: load contacts: %w", err)
	}
	why, err := whyNotTextable(tx, v.FirmID, people)
	if err != nil {
		return err
	}
	for _, c := range people {
		if w := why[c.ID]; w != "" {
			return store.Invalid("%s cannot be notified by text: %s", c.Name(), w)
		}
	}
	return nil
}

func uniqueIDs(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// UpdateEvent saves an edit and plans what each contact is to be told:
// a new or re-added contact to be notified gets an invitation; one who was
// asked before gets an update when the time, date or place changed; one
// removed gets a cancellation. A new time voids earlier answers and
// re-plans reminders.
func (s *Store) UpdateEvent(ctx context.Context, v store.Viewer, id int64, in EventInput) ([]Planned, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var planned []Planned
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := s.lockEvent(tx, v, id)
		if err != nil {
			return err
		}
		if old.CancelledAt != nil {
			return store.Invalid("This event is cancelled and can no longer be changed.")
		}
		if err := s.checkEventRefs(tx, v, in); err != nil {
			return err
		}
		p, err := s.newPlanner(tx, v.FirmID)
		if err != nil {
			return err
		}
		ev := old
		ev.Title, ev.StartsAt, ev.EndsAt, ev.Location, ev.Description = in.Title, in.Start, in.End, in.Location, in.Description
		ev.MatterID = nil
		if in.MatterID != 0 {
			ev.MatterID = &in.MatterID
		}
		if err := tx.Model(&ev).Select("matter_id", "title", "starts_at", "ends_at", "location", "description", "updated_at").
			Updates(&ev).Error; err != nil {
			return fmt.Errorf("store: update event: %w", err)
		}
		before, after := calendar.EventOf(old), calendar.EventOf(ev)
		changed, moved := calendar.Changed(before, after), calendar.Rescheduled(before, after)

		if err := syncUsers(tx, v.FirmID, ev.ID, in.UserIDs); err != nil {
			return err
		}
		var current []models.EventAttendee
		if err := tx.Where("firm_id = ? AND event_id = ? AND contact_id IS NOT NULL", v.FirmID, ev.ID).
			Find(&current).Error; err != nil {
			return fmt.Errorf("store: load attendees: %w", err)
		}
		want := map[int64]bool{}
		for _, c := range in.Contacts {
			want[c.ContactID] = c.NotifyText
		}
		for _, a := range current {
			notify, kept := want[*a.ContactID]
			delete(want, *a.ContactID)
			switch {
			case !kept && a.RemovedAt == nil:
				if err := p.remove(ev, a); err != nil {
					return err
				}
			case kept && a.RemovedAt != nil:
				// Back on the list: a new invitation, a fresh answer.
				if err := tx.Model(&a).Updates(map[string]any{"removed_at": nil, "notify_text": notify,
					"answer": "", "answered_at": nil, "asked_at": nil, "updated_at": p.now}).Error; err != nil {
					return fmt.Errorf("store: re-add attendee: %w", err)
				}
				if notify {
					if err := p.invite(ev, a.ID); err != nil {
						return err
					}
				}
			case kept:
				if err := p.edit(ev, a, notify, changed, moved); err != nil {
					return err
				}
			}
		}
		for _, c := range in.Contacts {
			if _, isNew := want[c.ContactID]; !isNew {
				continue
			}
			if err := p.addContact(ev, c); err != nil {
				return err
			}
		}
		planned = p.planned
		return nil
	})
	return planned, err
}

// edit plans the texts for an attendee who stays on an edited event.
func (p *planner) edit(ev models.Event, a models.EventAttendee, notify, changed, moved bool) error {
	updates := map[string]any{"notify_text": notify, "updated_at": p.now}
	if moved {
		// Yes to another time is not yes to this one.
		updates["answer"], updates["answered_at"] = "", nil
	}
	if err := p.tx.Model(&a).Updates(updates).Error; err != nil {
		return fmt.Errorf("store: update attendee: %w", err)
	}
	switch {
	case !notify:
		return p.cancel(a.ID, "Notify via text was turned off.")
	case !a.NotifyText:
		return p.invite(ev, a.ID)
	case !ev.StartsAt.After(p.now):
		return p.cancel(a.ID, "The event has started.")
	}
	if changed && a.AskedAt != nil {
		// One update says it all: an older one still waiting is dropped.
		if err := p.cancel(a.ID, "Replaced by a later update.", calendar.KindUpdated); err != nil {
			return err
		}
		if err := p.add(ev, a.ID, calendar.KindUpdated); err != nil {
			return err
		}
	}
	// An invitation not yet sent needs no update: it is written when sent.
	if moved {
		return p.remind(ev, a.ID)
	}
	return nil
}

// remove takes an attendee off an event; a contact who was texted about
// it is told it is cancelled for them.
func (p *planner) remove(ev models.Event, a models.EventAttendee) error {
	if err := p.tx.Model(&a).Updates(map[string]any{"removed_at": p.now, "updated_at": p.now}).Error; err != nil {
		return fmt.Errorf("store: remove attendee: %w", err)
	}
	return p.tellCancelled(ev, a, "Removed from the event.")
}

func (p *planner) tellCancelled(ev models.Event, a models.EventAttendee, reason string) error {
	if err := p.cancel(a.ID, reason); err != nil {
		return err
	}
	if a.NotifyText && a.AskedAt != nil && ev.StartsAt.After(p.now) {
		return p.add(ev, a.ID, calendar.KindCancelled)
	}
	return nil
}

// CancelEvent cancels an event: planned texts are dropped and every
// contact who was texted about it is told.
func (s *Store) CancelEvent(ctx context.Context, v store.Viewer, id int64) ([]Planned, error) {
	if err := store.FirmUser(v); err != nil {
		return nil, err
	}
	var planned []Planned
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ev, err := s.lockEvent(tx, v, id)
		if err != nil {
			return err
		}
		if ev.CancelledAt != nil {
			return nil
		}
		p, err := s.newPlanner(tx, v.FirmID)
		if err != nil {
			return err
		}
		if err := tx.Model(&ev).Updates(map[string]any{"cancelled_at": p.now, "updated_at": p.now}).Error; err != nil {
			return fmt.Errorf("store: cancel event: %w", err)
		}
		var attendees []models.EventAttendee
		if err := tx.Where("firm_id = ? AND event_id = ? AND contact_id IS NOT NULL AND removed_at IS NULL",
			v.FirmID, ev.ID).Find(&attendees).Error; err != nil {
			return fmt.Errorf("store: load attendees: %w", err)
		}
		for _, a := range attendees {
			if err := p.tellCancelled(ev, a, "The event was cancelled."); err != nil {
				return err
			}
		}
		planned = p.planned
		return nil
	})
	return planned, err
}

// lockEvent loads an event v may see, locked for the rest of the
// transaction so two edits of it plan their texts one after the other.
func (s *Store) lockEvent(tx *gorm.DB, v store.Viewer, id int64) (models.Event, error) {
	var ev models.Event
	err := visibleEvents(tx.Table("events"), v).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("events.id = ?", id).Take(&ev).Error
	if err != nil {
		return ev, store.NotFound(err, "load event")
	}
	return ev, nil
}

func syncUsers(tx *gorm.DB, firmID, eventID int64, userIDs []int64) error {
	q := tx.Where("firm_id = ? AND event_id = ? AND user_id IS NOT NULL", firmID, eventID)
	if len(userIDs) > 0 {
		q = q.Where("user_id NOT IN ?", userIDs)
	}
	if err := q.Delete(&models.EventAttendee{}).Error; err != nil {
		return fmt.Errorf("store: remove user attendees: %w", err)
	}
	for _, uid := range userIDs {
		err := tx.Exec(`INSERT INTO event_attendees (firm_id, event_id, user_id) VALUES (?, ?, ?)
			ON CONFLICT (event_id, user_id) WHERE user_id IS NOT NULL DO NOTHING`, firmID, eventID, uid).Error
		if err != nil {
			return fmt.Errorf("store: add user attendee: %w", err)
		}
	}
	return nil
}

// SetCalendarSettings saves the firm's time zone and reminder days
// (administrators only) and re-plans the reminders of events to come.
func (s *Store) SetCalendarSettings(ctx context.Context, v store.Viewer, cs firms.CalendarSettings) ([]Planned, error) {
	if err := store.Admin(v); err != nil {
		return nil, err
	}
	if err := calendar.ValidZone(cs.TimeZone); err != nil {
		return nil, store.Invalid("Choose a time zone from the list.")
	}
	if cs.ReminderDays < 0 || cs.ReminderDays > calendar.MaxReminderDays {
		return nil, store.Invalid("Reminders can go out 1 to %d days before an event, or not at all.", calendar.MaxReminderDays)
	}
	var planned []Planned
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := firms.SaveCalendarSettings(tx, v.FirmID, cs, s.now()); err != nil {
			return err
		}
		p, err := s.newPlanner(tx, v.FirmID)
		if err != nil {
			return err
		}
		type target struct {
			models.Event
			AttendeeID int64
		}
		var targets []target
		err = tx.Raw(`SELECT e.*, a.id AS attendee_id FROM events e
			JOIN event_attendees a ON a.firm_id = e.firm_id AND a.event_id = e.id
			WHERE e.firm_id = ? AND e.cancelled_at IS NULL AND e.starts_at > ?
			  AND a.notify_text AND a.removed_at IS NULL`, v.FirmID, p.now).Scan(&targets).Error
		if err != nil {
			return fmt.Errorf("store: load events to come: %w", err)
		}
		for _, t := range targets {
			if err := p.remind(t.Event, t.AttendeeID); err != nil {
				return err
			}
		}
		planned = p.planned
		return nil
	})
	return planned, err
}
