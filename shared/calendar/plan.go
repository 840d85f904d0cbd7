package calendar

import "time"

// Quiet hours, local to the firm: no calendar text goes out from
// QuietFrom:00 until QuietUntil:00; it waits for the morning.
const (
	QuietFrom  = 21
	QuietUntil = 8
	// ReminderHour is the local hour reminders go out, on the day that is
	// the firm's number of reminder days before the event.
	ReminderHour = 10
	// MaxReminderDays is the most days ahead a firm may ask for.
	MaxReminderDays = 7
)

// SendAt is the earliest time from now a text may go out in loc: now,
// unless now is in quiet hours, then the next QuietUntil:00.
func SendAt(now time.Time, loc *time.Location) time.Time {
	l := now.In(loc)
	switch {
	case l.Hour() >= QuietFrom:
		next := l.AddDate(0, 0, 1)
		return time.Date(next.Year(), next.Month(), next.Day(), QuietUntil, 0, 0, 0, loc)
	case l.Hour() < QuietUntil:
		return time.Date(l.Year(), l.Month(), l.Day(), QuietUntil, 0, 0, 0, loc)
	}
	return now
}

// Quiet reports whether t falls in quiet hours in loc.
func Quiet(t time.Time, loc *time.Location) bool { return !SendAt(t, loc).Equal(t) }

// ReminderAt plans the reminder for an event starting at start: at
// ReminderHour local time, days calendar days before the event's local
// date. ok is false when the firm wants none (days 0) or that moment has
// passed already (an event made at short notice gets its invitation only).
func ReminderAt(start time.Time, days int, loc *time.Location, now time.Time) (at time.Time, ok bool) {
	if days <= 0 || days > MaxReminderDays {
		return time.Time{}, false
	}
	s := start.In(loc)
	// time.Date normalises the day, across months and DST changes alike.
	at = time.Date(s.Year(), s.Month(), s.Day()-days, ReminderHour, 0, 0, 0, loc)
	if !at.After(now) || !at.Before(start) {
		return time.Time{}, false
	}
	return at, true
}
