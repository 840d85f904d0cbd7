package web

import (
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/matters"
)

// Calendar views.
const (
	viewDay  = "day"
	viewWeek = "week"
	viewList = "list"
)

// listDays is how far ahead the list view looks.
const listDays = 60

// dateLayout is how a day travels in a calendar link.
const dateLayout = "2006-01-02"

// calendarRange is the days one calendar view shows, in the firm's zone.
type calendarRange struct {
	View string
	// From is midnight of the first day; Days is how many days follow.
	From time.Time
	Days int
}

// calendarRangeOf reads ?view= and ?date=; anything unknown falls back to
// the week containing today in the firm's zone, as a bookmark should.
func calendarRangeOf(view, date string, now time.Time, loc *time.Location) calendarRange {
	day := midnight(now.In(loc))
	if d, err := time.ParseInLocation(dateLayout, date, loc); err == nil {
		day = d
	}
	switch view {
	case viewDay:
		return calendarRange{View: viewDay, From: day, Days: 1}
	case viewList:
		return calendarRange{View: viewList, From: day, Days: listDays}
	}
	// Weeks start on Sunday, as US and Canadian calendars do.
	return calendarRange{View: viewWeek, From: addDays(day, -int(day.Weekday())), Days: 7}
}

// To is midnight after the last day.
func (r calendarRange) To() time.Time { return addDays(r.From, r.Days) }

// Shift is the same view moved by n of its lengths.
func (r calendarRange) Shift(n int) calendarRange {
	r.From = addDays(r.From, n*r.Days)
	return r
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// addDays moves by calendar days; time.Date keeps midnight across DST changes.
func addDays(t time.Time, n int) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day()+n, 0, 0, 0, 0, t.Location())
}

// calendarDay is one day of a view with the events on it.
type calendarDay struct {
	Date   time.Time
	Today  bool
	Events []calendarEvent
}

// ID names the day's element, for links and tests.
func (d calendarDay) ID() string { return "day-" + d.Date.Format(dateLayout) }

// calendarEvent is an event as one day shows it.
type calendarEvent struct {
	events.EventRow
	// Time is the part of the event on that day, in the firm's zone.
	Time string
}

// calendarDays spreads events over the days of r; an event of several
// days shows on each. The list view keeps only days with events.
func calendarDays(r calendarRange, events []events.EventRow, now time.Time) []calendarDay {
	today := midnight(now.In(r.From.Location()))
	var out []calendarDay
	for i := range r.Days {
		start := addDays(r.From, i)
		end := addDays(start, 1)
		d := calendarDay{Date: start, Today: start.Equal(today)}
		for _, ev := range events {
			if !ev.StartsAt.Before(end) || !ev.EndsAt.After(start) && ev.StartsAt.Before(start) {
				continue
			}
			d.Events = append(d.Events, calendarEvent{EventRow: ev, Time: dayTime(ev.StartsAt, ev.EndsAt, start, end)})
		}
		if r.View != viewList || len(d.Events) > 0 {
			out = append(out, d)
		}
	}
	return out
}

// dayTime says when an event happens within [dayStart, dayEnd).
func dayTime(start, end, dayStart, dayEnd time.Time) string {
	const clock = "3:04 PM"
	loc := dayStart.Location()
	startsBefore, endsAfter := start.Before(dayStart), end.After(dayEnd)
	switch {
	case startsBefore && endsAfter:
		return "All day"
	case startsBefore:
		return "Until " + end.In(loc).Format(clock)
	case endsAfter:
		return "From " + start.In(loc).Format(clock)
	case start.Equal(end):
		return start.In(loc).Format(clock)
	}
	return start.In(loc).Format(clock) + " – " + end.In(loc).Format(clock)
}

// calendarData is a calendar page: the firm's, or one matter's.
type calendarData struct {
	Range  calendarRange
	Days   []calendarDay
	Matter *matters.Row
	Zone   string
	// Base is the page's path, which the view and date links add to.
	Base  string
	Today time.Time
	// More is the list view's next page.
	More more
}

// Heading names the days shown.
func (d calendarData) Heading() string {
	r := d.Range
	switch r.View {
	case viewDay:
		return r.From.Format("Monday, January 2, 2006")
	case viewList:
		return "From " + r.From.Format("January 2, 2006")
	}
	last := addDays(r.From, r.Days-1)
	if last.Month() == r.From.Month() {
		return r.From.Format("January 2") + " – " + last.Format("2, 2006")
	}
	return r.From.Format("Jan 2") + " – " + last.Format("Jan 2, 2006")
}

// Link is this page for another view or date.
func (d calendarData) Link(view string, date time.Time) string {
	q := url.Values{"view": {view}, "date": {date.Format(dateLayout)}}
	return d.Base + "?" + q.Encode()
}

// Prev, Next and TodayLink move the current view.
func (d calendarData) Prev() string      { return d.Link(d.Range.View, d.Range.Shift(-1).From) }
func (d calendarData) Next() string      { return d.Link(d.Range.View, d.Range.Shift(1).From) }
func (d calendarData) TodayLink() string { return d.Link(d.Range.View, d.Today) }

// NewLink opens the event form, on the page's matter if it has one.
func (d calendarData) NewLink() string {
	if d.Matter != nil {
		return fmt.Sprintf("/staff/calendar/new?matter=%d", d.Matter.ID)
	}
	return "/staff/calendar/new"
}

// viewChoice is a choice of the view switcher.
type viewChoice struct{ Name, Label string }

var viewChoices = []viewChoice{{viewDay, "Day"}, {viewWeek, "Week"}, {viewList, "List"}}

// Views are the view switcher's choices.
func (d calendarData) Views() []viewChoice { return viewChoices }

// firmZone is the firm's time zone, in which every calendar time is read
// and shown.
func (h *handler) firmZone(c *fiber.Ctx, v store.Viewer) (*time.Location, string, error) {
	cs, err := h.stores.Firms.CalendarSettings(c.UserContext(), v)
	if err != nil {
		return nil, "", storeErr(err)
	}
	return calendar.Location(cs.TimeZone), cs.TimeZone, nil
}

// staffCalendar is the firm's calendar.
func (h *handler) staffCalendar(c *fiber.Ctx) error {
	return h.showCalendar(c, viewer(session(c)), nil)
}

// staffMatterCalendar is one matter's calendar.
func (h *handler) staffMatterCalendar(c *fiber.Ctx) error {
	v, m, err := h.matterParam(c)
	if err != nil {
		return err
	}
	return h.showCalendar(c, v, &m)
}

func (h *handler) showCalendar(c *fiber.Ctx, v store.Viewer, m *matters.Row) error {
	loc, zone, err := h.firmZone(c, v)
	if err != nil {
		return err
	}
	now := h.now()
	r := calendarRangeOf(c.Query("view"), c.Query("date"), now, loc)
	d := calendarData{Range: r, Zone: zone, Matter: m, Base: "/staff/calendar", Today: now.In(loc)}
	var matterID int64
	title := "Calendar"
	if m != nil {
		matterID, title = m.ID, "Calendar · "+m.Description
		d.Base = fmt.Sprintf("/staff/matters/%d/calendar", m.ID)
	}
	if r.View == viewList {
		// The list pages through what is to come, however far.
		page, err := h.stores.Events.Upcoming(c.UserContext(), v, r.From, matterID, c.Query("after"))
		if err != nil {
			return pageErr(err)
		}
		if n := len(page.Items); n > 0 {
			first, last := midnight(page.Items[0].StartsAt.In(loc)), midnight(page.Items[n-1].StartsAt.In(loc))
			r.From, r.Days = first, int(last.Sub(first).Hours()/24+0.5)+1
		}
		d.Days, d.More = calendarDays(r, page.Items, now), more{URL: pageURL(c, "after", page.Next)}
		if nextPage(c, "after") {
			return c.Render("staff/calendar#days", h.page(c, "", d))
		}
		return h.render(c, "staff/calendar", "", title, d)
	}
	events, err := h.stores.Events.Events(c.UserContext(), v, r.From, r.To(), matterID)
	if err != nil {
		return storeErr(err)
	}
	d.Days = calendarDays(r, events, now)
	return h.render(c, "staff/calendar", "", title, d)
}
