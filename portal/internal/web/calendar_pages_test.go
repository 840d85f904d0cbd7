package web

import (
	"time"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/events"
)

// sampleCalendar is a week with an event, a cancelled one and an empty day.
func sampleCalendar(now time.Time) calendarData {
	ny := calendar.Location("America/New_York")
	r := calendarRangeOf(viewWeek, "", now, ny)
	cancelled := now
	events := []events.EventRow{
		{Event: models.Event{ID: 1, Title: "Prep <Doe>", StartsAt: r.From.Add(10 * time.Hour), EndsAt: r.From.Add(11 * time.Hour), Location: "<Doe> St"}, MatterName: "00007 · <Doe>"},
		{Event: models.Event{ID: 2, Title: "Call", StartsAt: r.From.Add(34 * time.Hour), EndsAt: r.From.Add(35 * time.Hour), CancelledAt: &cancelled}},
	}
	return calendarData{Range: r, Days: calendarDays(r, events, now), Zone: "America/New_York", Base: "/staff/calendar", Today: now.In(ny)}
}

// sampleEvent has every kind of attendee and text.
func sampleEvent(now time.Time) eventData {
	ny := calendar.Location("America/New_York")
	uid, cid, matterID, textID := int64(1), int64(2), int64(7), int64(9)
	ev := events.EventDetail{
		EventRow: events.EventRow{Event: models.Event{ID: 3, Title: "Prep <Doe>", StartsAt: now, EndsAt: now.Add(time.Hour), Location: "<Doe> St",
			Description: "Bring <Doe>", MatterID: &matterID, CancelledAt: &now}, MatterName: "00007 · <Doe>"},
		Users: []events.AttendeeRow{{EventAttendee: models.EventAttendee{ID: 1, UserID: &uid}, Name: "Avery <Doe>"}},
		Contacts: []events.AttendeeRow{
			{EventAttendee: models.EventAttendee{ID: 2, ContactID: &cid, NotifyText: true, Answer: models.AnswerConfirmed, AnsweredAt: &now}, Name: "Casey", ReminderStatus: "planned", ReminderAt: &now},
			{EventAttendee: models.EventAttendee{ID: 3, ContactID: &cid}, Name: "Robin", ReminderStatus: "sent", ReminderSentAt: &now},
		},
		Removed: []events.AttendeeRow{{EventAttendee: models.EventAttendee{ID: 4, ContactID: &cid, RemovedAt: &now}, Name: "Sam"}},
		Notifications: []events.NotificationRow{
			{EventNotification: models.EventNotification{ID: 1, Kind: "created", Status: "sent", SendAt: now, SentAt: &now, TextMessageID: &textID}, To: "Casey <Doe>", TextStatus: "failed", FailureReason: "carrier"},
			{EventNotification: models.EventNotification{ID: 2, Kind: "reminder", Status: "cancelled", SendAt: now, Reason: "Re-planned."}, To: "Casey"},
		},
	}
	return eventData{Event: ev, Zone: ny}
}

func sampleFirm() models.Firm {
	return models.Firm{Name: "Doe Law", TimeZone: "America/New_York", FirmTexting: models.FirmTexting{TextingAltEmail: "office@doe.law"}}
}
