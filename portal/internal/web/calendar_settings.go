package web

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
)

// zoneChoice is a time zone the settings offer.
type zoneChoice struct{ Name, Label string }

// commonZones are the zones of US and Canadian firms; a firm on another
// keeps it (it is added to the list) but picks from these.
var commonZones = []zoneChoice{
	{"America/St_Johns", "Newfoundland (St. John's)"},
	{"America/Halifax", "Atlantic (Halifax)"},
	{"America/Puerto_Rico", "Atlantic, no daylight saving (Puerto Rico)"},
	{"America/New_York", "Eastern (New York)"},
	{"America/Toronto", "Eastern (Toronto)"},
	{"America/Chicago", "Central (Chicago)"},
	{"America/Winnipeg", "Central (Winnipeg)"},
	{"America/Regina", "Central, no daylight saving (Regina)"},
	{"America/Denver", "Mountain (Denver)"},
	{"America/Edmonton", "Mountain (Edmonton)"},
	{"America/Phoenix", "Mountain, no daylight saving (Phoenix)"},
	{"America/Los_Angeles", "Pacific (Los Angeles)"},
	{"America/Vancouver", "Pacific (Vancouver)"},
	{"America/Anchorage", "Alaska (Anchorage)"},
	{"Pacific/Honolulu", "Hawaii (Honolulu)"},
}

// zoneChoices are the common zones plus the firm's own if it is not one.
func zoneChoices(current string) []zoneChoice {
	for _, z := range commonZones {
		if z.Name == current {
			return commonZones
		}
	}
	if current == "" {
		return commonZones
	}
	return append([]zoneChoice{{current, current}}, commonZones...)
}

// reminderChoice is an option of the reminder select.
type reminderChoice struct {
	Days  int
	Label string
}

func reminderChoices() []reminderChoice {
	out := []reminderChoice{{0, "None"}}
	for d := 1; d <= calendar.MaxReminderDays; d++ {
		out = append(out, reminderChoice{d, plural(d, "day") + " before"})
	}
	return out
}

// templateSample is a calendar text as a firm's contacts would read it.
type templateSample struct{ Label, Text string }

// templateSamples writes each calendar text for a sample event next Monday
// from 2 to 3 PM, with the firm's own name and details.
func templateSamples(f models.Firm, now time.Time) []templateSample {
	ff := calendar.FirmOf(f)
	today := midnight(now.In(ff.Zone))
	days := (int(time.Monday)-int(today.Weekday())+6)%7 + 1 // 1 to 7: never today
	monday := addDays(today, days)
	start := time.Date(monday.Year(), monday.Month(), monday.Day(), 14, 0, 0, 0, ff.Zone)
	ev := calendar.Event{Title: "Meeting with your lawyer", Start: start, End: start.Add(time.Hour), Location: "123 Main St"}
	out := make([]templateSample, len(calendar.Kinds))
	for i, k := range calendar.Kinds {
		out[i] = templateSample{Label: k.Label(), Text: calendar.Text(k, ff, ev)}
	}
	return out
}

// readCalendarSettings reads the calendar card's form; the store checks
// the zone and the range of days.
func readCalendarSettings(zone, days string) (firms.CalendarSettings, error) {
	n, err := strconv.Atoi(strings.TrimSpace(days))
	if err != nil {
		return firms.CalendarSettings{}, &store.InvalidError{Msg: "Choose when event reminders go out."}
	}
	return firms.CalendarSettings{TimeZone: strings.TrimSpace(zone), ReminderDays: n}, nil
}

// calendarSettingsSave saves the firm's time zone and reminder days and
// queues the reminders that re-planned.
func (h *handler) calendarSettingsSave(c *fiber.Ctx) error {
	v := viewer(session(c))
	cs, err := readCalendarSettings(c.FormValue("time_zone"), c.FormValue("reminder_days"))
	var planned []events.Planned
	if err == nil {
		planned, err = h.stores.Events.SetCalendarSettings(c.UserContext(), v, cs)
	}
	var invalid *store.InvalidError
	if errors.As(err, &invalid) {
		return h.renderTextingSettings(c, invalid.Msg, "", "", "")
	}
	if err != nil {
		return storeErr(err)
	}
	h.enqueuePlanned(c, v, planned)
	return redirect(c, "/staff/settings/texting?done=calendar#calendar")
}
