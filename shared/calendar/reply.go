package calendar

import (
	"time"

	"github.com/parleyhq/parley/shared/sms"
)

// Action is what the worker does with an inbound text.
type Action int

const (
	// ActionText: an ordinary text in the conversation, nothing more.
	ActionText Action = iota
	// ActionOptIn: lift the contact's opt-out.
	ActionOptIn
	// ActionConfirm and ActionDecline answer the pending invitation.
	ActionConfirm
	ActionDecline
)

// ReplyAction decides what a Y/N-shaped text means.
//
// YES is also a carrier opt-in keyword. The rule: from a contact who
// opted out of the firm's number, YES can only mean "start texting me
// again" (they could not have been asked anything since), so it opts
// them in and answers nothing; N or NO from them is an ordinary text, as
// no acknowledgement may be sent to them. Otherwise Y and YES confirm and
// N and NO decline the pending invitation, if there is one; with none, the
// reply is an ordinary text for the firm to read.
func ReplyAction(kind sms.Kind, optedOut, pending bool) Action {
	switch {
	case optedOut && kind == sms.KindYes:
		return ActionOptIn
	case optedOut:
		return ActionText
	case kind == sms.KindYes && pending:
		return ActionConfirm
	case kind == sms.KindNo && pending:
		return ActionDecline
	}
	return ActionText
}

// Pending is an invitation a contact may be answering: they were asked
// for Y or N (by an invitation, update or reminder) at AskedAt, and the
// event has not started nor been cancelled.
type Pending struct {
	AttendeeID int64
	EventID    int64
	Event      Event
	AskedAt    time.Time
}

// Choose picks the invitation a reply answers: the one whose Y/N question
// was sent most recently, since that is the text the contact is looking
// at. Equal times go to the later attendee row, so the choice is stable.
func Choose(ps []Pending) (Pending, bool) {
	if len(ps) == 0 {
		return Pending{}, false
	}
	best := ps[0]
	for _, p := range ps[1:] {
		if p.AskedAt.After(best.AskedAt) || p.AskedAt.Equal(best.AskedAt) && p.AttendeeID > best.AttendeeID {
			best = p
		}
	}
	return best, true
}
