package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// ReceiveText stores a received text in its contact's conversation, or among
// the firm's unknown texts when no contact has the number. The unique key on
// (dialect, carrier_message_id) is what stores a replayed webhook once; what
// a message causes (its media rows, an opt-out, a help reply) is written in
// the same transaction as the message, so it happens once too.
func (j *Jobs) ReceiveText(ctx context.Context, t *asynq.Task) error {
	in, err := tasks.Decode[sms.Inbound](t)
	if err != nil {
		return err
	}
	if in.FirmID == 0 || in.MessageID == "" || in.From == "" || in.To == "" || in.Dialect == "" {
		return fmt.Errorf("inbound text %q: incomplete payload: %w", in.MessageID, asynq.SkipRetry)
	}
	if in.Kind == "" {
		in.Kind = sms.Classify(in.Body)
	}
	from := sms.NormalizeInbound(in.From)
	firmID := in.FirmID

	if len(in.Media) == 0 && in.Kind == sms.KindText {
		// The common case, a plain text, causes nothing but its row: it is
		// stored with the texts other handlers are storing at the same time.
		return j.receivePlainText(ctx, in, from)
	}

	// A contact found means the firm exists (contacts go with their firm);
	// none found, the unknown_texts insert checks the firm.
	contactID, err := contactByNumber(j.DB.WithContext(ctx), firmID, from)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return j.storeUnknownText(ctx, in, from)
	}
	if err != nil {
		return fmt.Errorf("inbound text %q: find contact: %w", in.MessageID, err)
	}

	var (
		messageID int64
		pending   []int64
		reply     *models.TextMessage
	)
	store := func(tx *gorm.DB) error {
		var ids []int64
		err := tx.Raw(`INSERT INTO text_messages
			(firm_id, contact_id, direction, dialect, carrier_message_id, firm_number, contact_number, body, status)
			VALUES (?, ?, 'in', ?, ?, ?, ?, ?, 'received')
			ON CONFLICT (dialect, carrier_message_id) WHERE carrier_message_id IS NOT NULL DO NOTHING
			RETURNING id`,
			firmID, contactID, in.Dialect, in.MessageID, in.To, from, in.Body).Scan(&ids).Error
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
			err := tx.Raw(`SELECT id FROM text_messages WHERE firm_id = ? AND dialect = ? AND carrier_message_id = ?`,
				firmID, in.Dialect, in.MessageID).Scan(&ids).Error
			if err != nil || len(ids) == 0 {
				return fmt.Errorf("find stored text: %w", errors.Join(err, gorm.ErrRecordNotFound))
			}
			messageID = ids[0]
			return tx.Raw(`SELECT id FROM text_media WHERE firm_id = ? AND message_id = ? AND status = 'pending' ORDER BY position`,
				firmID, messageID).Scan(&pending).Error
		}
		messageID = ids[0]

		for i, m := range in.Media {
			status, reason := "pending", ""
			if m.Refused {
				status, reason = "refused", m.Reason
			}
			row := models.TextMedia{FirmID: firmID, MessageID: messageID, Position: i, URL: m.URL,
				DeclaredType: m.DeclaredType, Status: status, Reason: reason}
			if err := tx.Create(&row).Error; err != nil {
				return fmt.Errorf("store media %d: %w", i, err)
			}
			if status == "pending" {
				pending = append(pending, row.ID)
			}
		}

		reply, err = applyKeyword(tx, in, from, contactID, messageID, j.now())
		return err
	}
	if err := j.DB.WithContext(ctx).Transaction(store); err != nil {
		return fmt.Errorf("inbound text %q: %w", in.MessageID, err)
	}

	// Enqueued after the commit, so a task never names a row that is not
	// there. If Redis refuses, the error makes asynq run this task again,
	// and that run finds the stored text and enqueues its pending media.
	for _, id := range pending {
		mt, err := tasks.NewTextMedia(firmID, id)
		if err != nil {
			return err
		}
		if err := j.Tasks.Enqueue(ctx, mt); err != nil {
			return fmt.Errorf("inbound text %q: queue media %d: %w", in.MessageID, id, err)
		}
	}
	if reply != nil {
		j.queueText(ctx, *reply)
	}
	j.Log.InfoContext(ctx, "text received", "firm_id", firmID, "text_id", messageID, "contact_id", contactID,
		"kind", in.Kind, "media", len(in.Media))
	j.textsChanged(ctx, firmID, contactID)
	return nil
}

// receivePlainText stores a text that causes nothing but its own row, in
// a batch (textBatcher), or among the unknown texts when no contact has the
// number.
func (j *Jobs) receivePlainText(ctx context.Context, in sms.Inbound, from string) error {
	t := &plainText{in: in, from: from, done: make(chan struct{})}
	if err := j.plainTexts.store(ctx, t, j.writePlainTexts); err != nil {
		return fmt.Errorf("inbound text %q: %w", in.MessageID, err)
	}
	if t.contactID == 0 {
		return j.storeUnknownText(ctx, in, from)
	}
	return nil
}

// applyKeyword carries out what a keyword message asks for, in the
// transaction that stored it. It returns the reply to send, if any: the
// help text, or the acknowledgement of a Y/N answer.
func applyKeyword(tx *gorm.DB, in sms.Inbound, from string, contactID, textID int64, now time.Time) (*models.TextMessage, error) {
	switch in.Kind {
	case sms.KindOptOut:
		return nil, recordOptOut(tx, in.FirmID, in.To, from)
	case sms.KindOptIn:
		return nil, clearOptOut(tx, in.To, from)
	case sms.KindYes, sms.KindNo:
		return answerInvitation(tx, in, from, contactID, textID, now)
	case sms.KindHelp:
		var firm models.Firm
		if err := tx.Take(&firm, in.FirmID).Error; err != nil {
			return nil, fmt.Errorf("load firm: %w", err)
		}
		reply := &models.TextMessage{FirmID: firm.ID, ContactID: contactID, Direction: "out", Dialect: string(in.Dialect),
			FirmNumber: in.To, ContactNumber: from, Body: HelpReply(firm), Status: models.TextQueued}
		if err := tx.Create(reply).Error; err != nil {
			return nil, fmt.Errorf("queue help reply: %w", err)
		}
		return reply, nil
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

// storeUnknownText keeps a text from a number that is no contact of the firm
// out of every conversation, for the firm's administrators to look at.
// STOP and START from such a number are still honoured: the person asked not
// to be texted from this number, whether or not they are a contact yet.
func (j *Jobs) storeUnknownText(ctx context.Context, in sms.Inbound, from string) error {
	err := j.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO unknown_texts (firm_id, dialect, carrier_message_id, from_number, body, media_count)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dialect, carrier_message_id) DO NOTHING`,
			in.FirmID, in.Dialect, in.MessageID, from, in.Body, len(in.Media))
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		switch in.Kind {
		case sms.KindOptOut:
			return recordOptOut(tx, in.FirmID, in.To, from)
		case sms.KindOptIn:
			return clearOptOut(tx, in.To, from)
		}
		return nil
	})
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return fmt.Errorf("inbound text %q: firm %d does not exist: %w", in.MessageID, in.FirmID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("inbound text %q: store unknown text: %w", in.MessageID, err)
	}
	j.Log.InfoContext(ctx, "text from an unknown number", "firm_id", in.FirmID, "message_id", in.MessageID)
	return nil
}

// contactByNumber finds the firm's contact with this E.164 number, the one
// that marked it for texting first. gorm.ErrRecordNotFound if none.
func contactByNumber(db *gorm.DB, firmID int64, number string) (int64, error) {
	var ids []int64
	err := db.Raw(`SELECT p.contact_id FROM contact_phone_numbers p
		JOIN contacts c ON c.firm_id = p.firm_id AND c.id = p.contact_id
		WHERE p.firm_id = ? AND p.number = ?
		ORDER BY p.is_texting DESC, p.contact_id LIMIT 1`, firmID, number).Scan(&ids).Error
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, gorm.ErrRecordNotFound
	}
	return ids[0], nil
}

// recordOptOut marks contactNumber opted out of texts from firmNumber.
// Opt-outs belong to the pair of numbers, so a number that moves to another
// firm takes its opt-outs with it.
func recordOptOut(db *gorm.DB, firmID int64, firmNumber, contactNumber string) error {
	err := db.Exec(`INSERT INTO text_opt_outs (firm_id, firm_number, contact_number, opted_out_at)
		VALUES (?, ?, ?, now())
		ON CONFLICT (firm_number, contact_number) DO UPDATE
		SET firm_id = EXCLUDED.firm_id, opted_out_at = EXCLUDED.opted_out_at, updated_at = now()`,
		firmID, firmNumber, contactNumber).Error
	if err != nil {
		return fmt.Errorf("record opt-out: %w", err)
	}
	return nil
}

func clearOptOut(db *gorm.DB, firmNumber, contactNumber string) error {
	err := db.Exec(`DELETE FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?`, firmNumber, contactNumber).Error
	if err != nil {
		return fmt.Errorf("clear opt-out: %w", err)
	}
	return nil
}

// optedOut reports whether contactNumber opted out of texts from firmNumber.
func optedOut(db *gorm.DB, firmNumber, contactNumber string) (bool, error) {
	var n int64
	err := db.Raw(`SELECT count(*) FROM text_opt_outs WHERE firm_number = ? AND contact_number = ?`,
		firmNumber, contactNumber).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("check opt-out: %w", err)
	}
	return n > 0, nil
}
