package calendar

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/shared/sms"
)

// Firm is what the texts say about the firm.
type Firm struct {
	Name     string
	AltEmail string
	AltPhone string // E.164
	Zone     *time.Location
}

// MaxSegments is the most SMS parts a calendar text may take; a long
// title or place is shortened to fit.
const MaxSegments = 2

// Text renders the fixed template for kind. Templates are not editable by
// firms: they are the same for everyone, and each names the firm and how
// to reach a person there.
func Text(kind Kind, f Firm, e Event) string {
	return fit(f, e, func(firm string, e Event) string {
		when, at := When(e, f.Zone), place(e.Location)
		switch kind {
		case KindCreated:
			return firm + ": You're invited to " + e.Title + " on " + when + at + ". Reply Y to confirm or N to decline. " + reach(f)
		case KindUpdated:
			return firm + ": " + e.Title + " has changed. Now: " + when + at + ". Reply Y to confirm or N to decline. " + reach(f)
		case KindCancelled:
			return firm + ": " + e.Title + " on " + Start(e, f.Zone) + " is cancelled. " + reach(f)
		case KindReminder:
			return firm + " reminder: " + e.Title + " on " + when + at + ". Reply Y to confirm or N to decline. " + reach(f)
		}
		return ""
	})
}

// Ack renders the acknowledgement of a Y (confirmed) or N reply, naming the
// event it was taken to answer, since a contact may have several.
func Ack(confirmed bool, f Firm, e Event) string {
	return fit(f, e, func(firm string, e Event) string {
		if confirmed {
			return firm + ": Thank you. Confirmed for " + e.Title + " on " + Start(e, f.Zone) + ". " + reach(f)
		}
		return firm + ": Thank you. Declined for " + e.Title + " on " + Start(e, f.Zone) + ". " + reach(f)
	})
}

// When is the event's time in the firm's zone: "Mon, Dec 7, 2:00 PM to
// 3:00 PM EST", with the end's date only when it is another day.
func When(e Event, loc *time.Location) string {
	s, end := e.Start.In(loc), e.End.In(loc)
	switch {
	case !end.After(s):
		return s.Format("Mon, Jan 2, 3:04 PM MST")
	case sameDay(s, end):
		return s.Format("Mon, Jan 2, 3:04 PM") + " to " + end.Format("3:04 PM MST")
	}
	return s.Format("Mon, Jan 2, 3:04 PM") + " to " + end.Format("Mon, Jan 2, 3:04 PM MST")
}

// Start is the event's start in the firm's zone.
func Start(e Event, loc *time.Location) string {
	return e.Start.In(loc).Format("Mon, Jan 2, 3:04 PM MST")
}

func sameDay(a, b time.Time) bool {
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}

func place(location string) string {
	if location = strings.TrimSpace(location); location != "" {
		return " at " + location
	}
	return ""
}

// reach tells the client how to reach a person at the firm.
func reach(f Firm) string {
	email, phone := strings.TrimSpace(f.AltEmail), strings.TrimSpace(f.AltPhone)
	if phone != "" {
		phone = sms.Display(phone)
	}
	switch {
	case email != "" && phone != "":
		return "Questions? Email " + email + " or call " + phone + "."
	case email != "":
		return "Questions? Email " + email + "."
	case phone != "":
		return "Questions? Call " + phone + "."
	}
	return "Questions? Reply to this text."
}

// minField is how short shortening may make a title, place or firm name.
const minField = 16

// fit renders and, while the text takes more than MaxSegments parts,
// shortens the longest of title, place and firm name.
func fit(f Firm, e Event, render func(firm string, e Event) string) string {
	firm := f.Name
	for {
		s := render(firm, e)
		if sms.Segments(s) <= MaxSegments {
			return s
		}
		// Cut about as many characters as the text is over, at least one.
		over := max(1, utf8.RuneCountInString(s)-budget(s))
		fields := []*string{&e.Title, &e.Location, &firm}
		longest := fields[0]
		for _, p := range fields[1:] {
			if utf8.RuneCountInString(*p) > utf8.RuneCountInString(*longest) {
				longest = p
			}
		}
		n := utf8.RuneCountInString(*longest)
		if n <= minField {
			if !sms.GSM7(s) {
				// The fixed words alone overflow two UCS-2 parts: write
				// the names in GSM-7 (accents and emoji go) and go on.
				e.Title, e.Location, firm = sms.ToGSM7(e.Title), sms.ToGSM7(e.Location), sms.ToGSM7(firm)
				f.AltEmail = sms.ToGSM7(f.AltEmail)
				if sms.GSM7(render(firm, e)) {
					continue
				}
			}
			return s // nothing left worth cutting; the carrier splits it
		}
		*longest = shorten(*longest, max(minField, n-over))
	}
}

// budget is how many characters MaxSegments parts hold in s's alphabet.
func budget(s string) int {
	if sms.GSM7(s) {
		return MaxSegments * 153
	}
	return MaxSegments * 67
}

// shorten cuts s to n characters, ending in "..." (three dots, not "…",
// which is not in the GSM alphabet and would halve what a part holds).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-3])) + "..."
}
