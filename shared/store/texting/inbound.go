package texting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/inboxleads"
)

// ErrNoFirm is a received text for a firm that does not exist.
var ErrNoFirm = errors.New("store: the text's firm does not exist")

// Reply is a Y or N a contact texted, as ReplyFunc gets it.
type Reply struct {
	In        sms.Inbound
	From      string // the contact's number, normalized
	ContactID int64
	TextID    int64 // the reply's own row
	Now       time.Time
}

// ReplyFunc applies a Y or N reply in the transaction that stores it. It
// returns the acknowledgement to send, already recorded (AddOutbound), or
// nil when the reply is an ordinary text.
type ReplyFunc func(tx *gorm.DB, r Reply) (*models.TextMessage, error)

// Received is what became of a received text.
type Received struct {
	ContactID int64 // 0: no contact has the number; kept among unknown texts
	TextID    int64 // 0: stored before (a replay), or an unknown number
	// Media are the items still to fetch (a replay lists those a run that
	// died left pending).
	Media []int64
	// Reply is a text to send in answer (HELP, or a Y/N acknowledgement),
	// recorded as queued.
	Reply *models.TextMessage
	// Batched: a plain text, stored with others; Stored was told.
	Batched bool
}

// Receive stores a received text in its contact's conversation, or among
// the firm's unknown texts when no contact has the number. The unique key on
// (dialect, carrier_message_id) is what stores a replayed webhook once; what
// a message causes (its media rows, an opt-out, a help reply, an answer)
// is written in the same transaction as the message, so it happens once
// too. A plain text, which causes nothing but its row, is stored with the
// texts other calls are storing at the same moment (see batcher).
func (s *Store) Receive(ctx context.Context, in sms.Inbound) (Received, error) {
	if in.Kind == "" {
		in.Kind = sms.Classify(in.Body)
	}
	from := sms.NormalizeInbound(in.From)
	if len(in.Media) == 0 && in.Kind == sms.KindText {
		t := &plainText{in: in, from: from, done: make(chan struct{})}
		if err := s.plainTexts.store(ctx, t, s.writePlainTexts); err != nil {
			return Received{}, err
		}
		if t.contactID == 0 {
			return Received{}, s.storeUnknown(ctx, in, from)
		}
		return Received{ContactID: t.contactID, TextID: t.textID, Batched: true}, nil
	}

	sys := store.System{FirmID: in.FirmID}
	// A contact found means the firm exists (contacts go with their firm);
	// none found, the unknown_texts insert checks the firm.
	contactID, err := contacts.ByNumber(s.DB.WithContext(ctx), sys, from)
	if errors.Is(err, store.ErrNotFound) {
		return Received{}, s.storeUnknown(ctx, in, from)
	}
	if err != nil {
		return Received{}, err
	}
	out := Received{ContactID: contactID}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		err := tx.Raw(`INSERT INTO text_messages
			(firm_id, contact_id, direction, dialect, carrier_message_id, firm_number, contact_number, body, status)
			VALUES (?, ?, 'in', ?, ?, ?, ?, ?, 'received')
			ON CONFLICT (dialect, carrier_message_id) WHERE carrier_message_id IS NOT NULL DO NOTHING
			RETURNING id`,
			in.FirmID, contactID, in.Dialect, in.MessageID, in.To, from, in.Body).Scan(&ids).Error
		if err != nil {
			return fmt.Errorf("store text: %w", err)
		}
		if len(ids) == 0 {
			// Stored by an earlier run (or one running now, which this
			// insert waited for): only its pending media may still need a
			// task, since that run may have died before enqueuing them.
			if len(in.Media) == 0 {
				return nil
			}
			err := tx.Raw(`SELECT m.id FROM text_media m JOIN text_messages t ON t.firm_id = m.firm_id AND t.id = m.message_id
				WHERE t.firm_id = ? AND t.dialect = ? AND t.carrier_message_id = ? AND m.status = 'pending' ORDER BY m.position`,
				in.FirmID, in.Dialect, in.MessageID).Scan(&out.Media).Error
			if err != nil {
				return fmt.Errorf("find pending media: %w", err)
			}
			return nil
		}
		out.TextID = ids[0]
		for i, m := range in.Media {
			status, reason := "pending", ""
			if m.Refused {
				status, reason = "refused", m.Reason
			}
			row := models.TextMedia{FirmID: in.FirmID, MessageID: out.TextID, Position: i, URL: m.URL,
				DeclaredType: m.DeclaredType, Status: status, Reason: reason}
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("store media %d: %w", i, err)
			}
			if status == "pending" {
				out.Media = append(out.Media, row.ID)
			}
		}
		out.Reply, err = s.applyKeyword(tx, Reply{In: in, From: from, ContactID: contactID, TextID: out.TextID, Now: s.now()})
		return err
	})
	if err != nil {
		return Received{}, fmt.Errorf("store: inbound text %q: %w", in.MessageID, err)
	}
	return out, nil
}

// applyKeyword carries out what a keyword message asks for, in the
// transaction that stored it. It returns the reply to send, if any: the
// help text, or the acknowledgement of a Y/N answer.
func (s *Store) applyKeyword(tx *gorm.DB, r Reply) (*models.TextMessage, error) {
	in := r.In
	switch in.Kind {
	case sms.KindOptOut:
		return nil, RecordOptOut(tx, in.FirmID, in.To, r.From)
	case sms.KindOptIn:
		return nil, ClearOptOut(tx, in.To, r.From)
	case sms.KindYes, sms.KindNo:
		if s.Replies == nil {
			return nil, nil
		}
		return s.Replies(tx, r)
	case sms.KindHelp:
		firm, err := firms.Load(tx, in.FirmID)
		if err != nil {
			return nil, err
		}
		reply := Outbound(firm.ID, r.ContactID, Route{Dialect: string(in.Dialect), FirmNumber: in.To, ContactNumber: r.From}, HelpReply(firm))
		if err := AddOutbound(tx, &reply); err != nil {
			return nil, fmt.Errorf("queue help reply: %w", err)
		}
		return &reply, nil
	}
	return nil, nil
}

// HelpReply is the firm's answer to HELP, with whichever alternative contact
// details the firm has set.
func HelpReply(f models.Firm) string {
	email, phone := strings.TrimSpace(f.TextingAltEmail), strings.TrimSpace(f.TextingAltPhone)
	var how string
	switch {
	case email != "" && phone != "":
		how = "for help, email " + email + " or call " + phone + "."
	case email != "":
		how = "for help, email " + email + "."
	case phone != "":
		how = "for help, call " + phone + "."
	default:
		how = "for help, reply to this number or contact your lawyer."
	}
	return f.Name + ": " + how + " Reply STOP to opt out."
}

// storeUnknown keeps a text from a number that is no contact of the firm
// out of every conversation, for the firm's administrators to look at.
// STOP and START from such a number are still honoured: the person asked not
// to be texted from this number, whether or not they are a contact yet.
func (s *Store) storeUnknown(ctx context.Context, in sms.Inbound, from string) error {
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO unknown_texts (firm_id, dialect, carrier_message_id, from_number, body, media_count)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dialect, carrier_message_id) DO NOTHING`,
			in.FirmID, in.Dialect, in.MessageID, from, in.Body, len(in.Media))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		switch in.Kind {
		case sms.KindOptOut:
			return RecordOptOut(tx, in.FirmID, in.To, from)
		case sms.KindOptIn:
			return ClearOptOut(tx, in.To, from)
		case sms.KindHelp:
			return nil // the automatic reply answers it; no one asked the firm for help
		}
		// Someone new writing to the firm: an inbox lead, one per number.
		return inboxleads.FromTextTx(tx, in.FirmID, from, in.Body)
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return fmt.Errorf("inbound text %q: firm %d: %w", in.MessageID, in.FirmID, ErrNoFirm)
	}
	if err != nil {
		return fmt.Errorf("store: inbound text %q: store unknown text: %w", in.MessageID, err)
	}
	return nil
}
