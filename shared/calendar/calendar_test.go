package calendar

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/sms"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestTextTemplates(t *testing.T) {
	ny := zone(t, "America/New_York")
	ev := Event{Title: "Deposition prep", Location: "12 Main St, Suite 4",
		Start: time.Date(2026, 12, 7, 14, 0, 0, 0, ny), End: time.Date(2026, 12, 7, 15, 0, 0, 0, ny)}
	both := Firm{Name: "Demo Law", AltEmail: "office@demo.law", AltPhone: "+14155550100", Zone: ny}
	none := Firm{Name: "Demo Law", Zone: ny}

	tests := []struct {
		kind Kind
		firm Firm
		want string
	}{
		{KindCreated, both, "Demo Law: You're invited to Deposition prep on Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Email office@demo.law or call (415) 555-0100."},
		{KindCreated, none, "Demo Law: You're invited to Deposition prep on Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Reply to this text."},
		{KindUpdated, both, "Demo Law: Deposition prep has changed. Now: Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Email office@demo.law or call (415) 555-0100."},
		{KindUpdated, none, "Demo Law: Deposition prep has changed. Now: Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Reply to this text."},
		{KindCancelled, both, "Demo Law: Deposition prep on Mon, Dec 7, 2:00 PM EST is cancelled. Questions? Email office@demo.law or call (415) 555-0100."},
		{KindCancelled, none, "Demo Law: Deposition prep on Mon, Dec 7, 2:00 PM EST is cancelled. Questions? Reply to this text."},
		{KindReminder, both, "Demo Law reminder: Deposition prep on Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Email office@demo.law or call (415) 555-0100."},
		{KindReminder, none, "Demo Law reminder: Deposition prep on Mon, Dec 7, 2:00 PM to 3:00 PM EST at 12 Main St, Suite 4. Reply Y to confirm or N to decline. Questions? Reply to this text."},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+"/"+map[bool]string{true: "alt", false: "no alt"}[tt.firm.AltEmail != ""], func(t *testing.T) {
			got := Text(tt.kind, tt.firm, ev)
			assert.Equal(t, tt.want, got)
			assert.LessOrEqual(t, sms.Segments(got), MaxSegments)
		})
	}

	t.Run("only email, only phone", func(t *testing.T) {
		assert.Contains(t, Text(KindCancelled, Firm{Name: "F", AltEmail: "a@b.co", Zone: ny}, ev), "Questions? Email a@b.co.")
		assert.Contains(t, Text(KindCancelled, Firm{Name: "F", AltPhone: "+14155550100", Zone: ny}, ev), "Questions? Call (415) 555-0100.")
	})
	t.Run("no place", func(t *testing.T) {
		e := ev
		e.Location = ""
		assert.Contains(t, Text(KindCreated, both, e), "3:00 PM EST. Reply Y")
	})
	t.Run("acknowledgements name the event", func(t *testing.T) {
		assert.Equal(t, "Demo Law: Thank you. Confirmed for Deposition prep on Mon, Dec 7, 2:00 PM EST. Questions? Reply to this text.", Ack(true, none, ev))
		assert.Equal(t, "Demo Law: Thank you. Declined for Deposition prep on Mon, Dec 7, 2:00 PM EST. Questions? Email office@demo.law or call (415) 555-0100.", Ack(false, both, ev))
	})
}

func TestTextFitsTwoSegments(t *testing.T) {
	la := zone(t, "America/Los_Angeles")
	long := strings.Repeat("Very long matter title ", 20)
	tests := []struct {
		name string
		firm Firm
		ev   Event
	}{
		{"long title and place", Firm{Name: "Smith, Jones & Partners LLP", AltEmail: "reception@smithjonespartners.example", AltPhone: "+14155550100", Zone: la},
			Event{Title: long, Location: long}},
		{"long firm name", Firm{Name: strings.Repeat("Firm ", 60), Zone: la}, Event{Title: "Meeting"}},
		{"non-GSM title (UCS-2)", Firm{Name: "Łódź Legal", AltEmail: "biuro@lodz.example", Zone: la},
			Event{Title: "Spotkanie 📅 " + long, Location: "ul. Piotrkowska 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.ev.Start = time.Date(2026, 3, 7, 9, 30, 0, 0, la)
			tt.ev.End = time.Date(2026, 3, 8, 11, 0, 0, 0, la)
			for _, k := range Kinds {
				got := Text(k, tt.firm, tt.ev)
				assert.LessOrEqual(t, sms.Segments(got), MaxSegments, "%s: %q", k, got)
				assert.Contains(t, got, "Questions?", "the way to reach a person is never cut")
			}
			assert.LessOrEqual(t, sms.Segments(Ack(true, tt.firm, tt.ev)), MaxSegments)
		})
	}
}

func TestWhen(t *testing.T) {
	ny := zone(t, "America/New_York")
	start := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC) // 2 PM in New York
	tests := []struct {
		name string
		end  time.Time
		loc  *time.Location
		want string
	}{
		{"same day", start.Add(time.Hour), ny, "Mon, Dec 7, 2:00 PM to 3:00 PM EST"},
		{"no end", start, ny, "Mon, Dec 7, 2:00 PM EST"},
		{"next day", start.Add(20 * time.Hour), ny, "Mon, Dec 7, 2:00 PM to Tue, Dec 8, 10:00 AM EST"},
		{"firm zone decides", start.Add(time.Hour), zone(t, "America/Vancouver"), "Mon, Dec 7, 11:00 AM to 12:00 PM PST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, When(Event{Start: start, End: tt.end}, tt.loc))
		})
	}
}

func TestSendAtQuietHours(t *testing.T) {
	ny := zone(t, "America/New_York")
	tokyo := zone(t, "Asia/Tokyo")
	tests := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want time.Time
	}{
		{"daytime goes now", time.Date(2026, 5, 4, 14, 30, 0, 0, ny), ny, time.Date(2026, 5, 4, 14, 30, 0, 0, ny)},
		{"8:00 sharp goes now", time.Date(2026, 5, 4, 8, 0, 0, 0, ny), ny, time.Date(2026, 5, 4, 8, 0, 0, 0, ny)},
		{"20:59 goes now", time.Date(2026, 5, 4, 20, 59, 59, 0, ny), ny, time.Date(2026, 5, 4, 20, 59, 59, 0, ny)},
		{"21:00 waits for tomorrow 8:00", time.Date(2026, 5, 4, 21, 0, 0, 0, ny), ny, time.Date(2026, 5, 5, 8, 0, 0, 0, ny)},
		{"after midnight waits for 8:00 the same day", time.Date(2026, 5, 5, 2, 0, 0, 0, ny), ny, time.Date(2026, 5, 5, 8, 0, 0, 0, ny)},
		{"end of month", time.Date(2026, 5, 31, 23, 0, 0, 0, ny), ny, time.Date(2026, 6, 1, 8, 0, 0, 0, ny)},
		{"the firm's zone, not the server's", time.Date(2026, 5, 4, 13, 0, 0, 0, time.UTC), tokyo, time.Date(2026, 5, 5, 8, 0, 0, 0, tokyo)},
		{"night before DST starts", time.Date(2026, 3, 7, 22, 0, 0, 0, ny), ny, time.Date(2026, 3, 8, 8, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SendAt(tt.now, tt.loc)
			assert.True(t, tt.want.Equal(got), "want %s, got %s", tt.want, got.In(tt.loc))
			assert.False(t, Quiet(got, tt.loc))
		})
	}
}

func TestReminderAt(t *testing.T) {
	ny := zone(t, "America/New_York")
	la := zone(t, "America/Los_Angeles")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, ny)
	tests := []struct {
		name   string
		start  time.Time
		days   int
		loc    *time.Location
		want   time.Time
		wantOK bool
	}{
		{"no reminders", time.Date(2026, 12, 7, 14, 0, 0, 0, ny), 0, ny, time.Time{}, false},
		{"one day before at 10:00", time.Date(2026, 12, 7, 14, 0, 0, 0, ny), 1, ny, time.Date(2026, 12, 6, 10, 0, 0, 0, ny), true},
		{"seven days before", time.Date(2026, 12, 7, 8, 0, 0, 0, ny), 7, ny, time.Date(2026, 11, 30, 10, 0, 0, 0, ny), true},
		{"early-morning event still the day before", time.Date(2026, 12, 7, 7, 0, 0, 0, ny), 1, ny, time.Date(2026, 12, 6, 10, 0, 0, 0, ny), true},
		{"already passed: none", time.Date(2026, 11, 24, 9, 0, 0, 0, ny), 1, ny, time.Time{}, false},
		{"across months", time.Date(2026, 12, 2, 9, 0, 0, 0, ny), 3, ny, time.Date(2026, 11, 29, 10, 0, 0, 0, ny), true},
		{"local date in the firm's zone", time.Date(2026, 12, 8, 5, 0, 0, 0, time.UTC), 1, la, time.Date(2026, 12, 6, 10, 0, 0, 0, la), true},
		{"across a DST change keeps 10:00 local", time.Date(2027, 3, 15, 14, 0, 0, 0, ny), 7, ny, time.Date(2027, 3, 8, 10, 0, 0, 0, ny), true},
		{"more than seven refused", time.Date(2026, 12, 30, 14, 0, 0, 0, ny), 8, ny, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReminderAt(tt.start, tt.days, tt.loc, now)
			require.Equal(t, tt.wantOK, ok)
			if ok {
				assert.True(t, tt.want.Equal(got), "want %s, got %s", tt.want, got.In(tt.loc))
				assert.Equal(t, ReminderHour, got.In(tt.loc).Hour())
				assert.False(t, Quiet(got, tt.loc))
			}
		})
	}
}

func TestChanged(t *testing.T) {
	base := Event{Title: "A", Location: "Office", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)}
	mod := func(f func(*Event)) Event { e := base; f(&e); return e }
	tests := []struct {
		name                   string
		after                  Event
		changed, rescheduledTo bool
	}{
		{"nothing", base, false, false},
		{"title only", mod(func(e *Event) { e.Title = "B" }), false, false},
		{"place", mod(func(e *Event) { e.Location = "Court" }), true, false},
		{"start", mod(func(e *Event) { e.Start = time.Unix(1500, 0) }), true, true},
		{"end", mod(func(e *Event) { e.End = time.Unix(2500, 0) }), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.changed, Changed(base, tt.after))
			assert.Equal(t, tt.rescheduledTo, Rescheduled(base, tt.after))
		})
	}
}

func TestReplyAction(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		optedOut bool
		pending  bool
		want     Action
	}{
		{"YES from an opted-out contact opts in", "YES", true, false, ActionOptIn},
		{"YES opts in even with an invitation pending", "yes", true, true, ActionOptIn},
		{"YES with a pending invitation confirms", "YES", false, true, ActionConfirm},
		{"y confirms", " y ", false, true, ActionConfirm},
		{"yes! confirms", "yes!", false, true, ActionConfirm},
		{"N declines", "N", false, true, ActionDecline},
		{"no. declines", " no. ", false, true, ActionDecline},
		{"NO from an opted-out contact is a text", "NO", true, true, ActionText},
		{"YES with nothing pending is a text", "YES", false, false, ActionText},
		{"N with nothing pending is a text", "n", false, false, ActionText},
		{"yes please is a text", "yes please", false, true, ActionText},
		{"nope is a text", "nope", false, true, ActionText},
		{"Y N is a text", "Y N", false, true, ActionText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ReplyAction(sms.Classify(tt.body), tt.optedOut, tt.pending))
		})
	}
}

func TestChoose(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	_, ok := Choose(nil)
	assert.False(t, ok)

	tests := []struct {
		name string
		in   []Pending
		want int64
	}{
		{"one", []Pending{{AttendeeID: 1, AskedAt: t0}}, 1},
		{"latest question wins", []Pending{{AttendeeID: 1, AskedAt: t0.Add(time.Hour)}, {AttendeeID: 2, AskedAt: t0}, {AttendeeID: 3, AskedAt: t0.Add(30 * time.Minute)}}, 1},
		{"a reminder sent later wins over an older invitation", []Pending{{AttendeeID: 7, AskedAt: t0}, {AttendeeID: 4, AskedAt: t0.Add(48 * time.Hour)}}, 4},
		{"tie goes to the later row", []Pending{{AttendeeID: 2, AskedAt: t0}, {AttendeeID: 5, AskedAt: t0}}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Choose(tt.in)
			require.True(t, ok)
			assert.Equal(t, tt.want, got.AttendeeID)
		})
	}
}
