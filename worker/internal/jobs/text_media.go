package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/upload"
	"github.com/parleyhq/parley/worker/internal/carrier"
)

// TextMessagesFolder is where media received by text are filed.
const TextMessagesFolder = "Text messages"

// Reasons a media item is refused after the gateway let it through (the
// type and size reasons come from shared/sms).
const (
	ReasonGone    = "The carrier no longer has this file."
	ReasonNoFetch = "The file could not be downloaded from the carrier."
	// ReasonOrigin: the webhook named media somewhere other than the carrier.
	ReasonOrigin = "Media from an unexpected address was not downloaded."
)

// FetchTextMedia downloads one MMS item, checks its bytes (the declared type
// can lie) and files a kept item as a document in the "Text messages" folder
// of each of the contact's matters, or among the contact's own documents if
// there are none. The media row moves out of "pending" in the same
// transaction that creates the documents, so a second run finds it done.
func (j *Jobs) FetchTextMedia(ctx context.Context, t *asynq.Task) error {
	p, err := tasks.Decode[tasks.TextMediaFetch](t)
	if err != nil {
		return err
	}
	var m models.TextMedia
	err = j.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", p.FirmID, p.MediaID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("media %d of firm %d does not exist: %w", p.MediaID, p.FirmID, asynq.SkipRetry)
	}
	if err != nil {
		return fmt.Errorf("load media %d: %w", p.MediaID, err)
	}
	if m.Status != "pending" {
		return nil
	}
	var msg models.TextMessage
	if err := j.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", m.FirmID, m.MessageID).Take(&msg).Error; err != nil {
		return fmt.Errorf("load text %d of media %d: %w", m.MessageID, m.ID, err)
	}

	data, err := carrier.Media{HTTP: j.MediaHTTP, Config: j.Config}.Fetch(ctx, sms.Dialect(msg.Dialect), m.URL)
	if err != nil {
		var fe *carrier.FetchError
		switch {
		case errors.Is(err, carrier.ErrMediaTooLarge):
			return j.refuseMedia(ctx, m, sms.ReasonTooLarge, "", 0)
		case errors.Is(err, carrier.ErrMediaOrigin):
			if err := j.refuseMedia(ctx, m, ReasonOrigin, "", 0); err != nil {
				return err
			}
			return fmt.Errorf("media %d: %w: %w", m.ID, err, asynq.SkipRetry)
		case errors.As(err, &fe) && fe.Gone():
			if err := j.refuseMedia(ctx, m, ReasonGone, "", 0); err != nil {
				return err
			}
			return fmt.Errorf("media %d: %w: %w", m.ID, err, asynq.SkipRetry)
		case errors.As(err, &fe) && !fe.Temporary():
			if err := j.refuseMedia(ctx, m, ReasonNoFetch, "", 0); err != nil {
				return err
			}
			return fmt.Errorf("media %d: %w: %w", m.ID, err, asynq.SkipRetry)
		case lastAttempt(ctx):
			// Out of retries: say so on the message rather than leave the
			// item pending for ever.
			if rerr := j.refuseMedia(ctx, m, ReasonNoFetch, "", 0); rerr != nil {
				return rerr
			}
		}
		return fmt.Errorf("media %d: %w", m.ID, err)
	}

	sniffed := mimetype.Detect(data)
	if ok, reason := sms.SniffedAllowed(sniffed.String()); !ok {
		return j.refuseMedia(ctx, m, reason, sniffed.String(), int64(len(data)))
	}
	obj, err := j.Store.Put(ctx, bytes.NewReader(data), sms.MaxMediaBytes)
	if err != nil {
		return fmt.Errorf("media %d: store: %w", m.ID, err)
	}

	var docs int
	err = j.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE text_media SET status = 'kept', reason = '', sniffed_type = ?, size_bytes = ?,
			sha256 = ?, storage_key = ?, updated_at = now()
			WHERE firm_id = ? AND id = ? AND status = 'pending'`,
			sniffed.String(), obj.Size, obj.SHA256, obj.Key, m.FirmID, m.ID)
		if res.Error != nil {
			return fmt.Errorf("mark kept: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // another run filed it
		}
		var err error
		docs, err = fileMedia(tx, m, msg, sniffed, obj.Size, obj.SHA256, obj.Key)
		return err
	})
	if err != nil {
		return fmt.Errorf("media %d: %w", m.ID, err)
	}
	j.Log.InfoContext(ctx, "text media kept", "media_id", m.ID, "type", sniffed.String(), "documents", docs)
	return nil
}

// fileMedia creates the documents of a kept item; the unique index on
// (text_media_id, matter, contact) makes a repeat create nothing.
func fileMedia(tx *gorm.DB, m models.TextMedia, msg models.TextMessage, mt *mimetype.MIME, size int64, sum, key string) (int, error) {
	var contact models.Contact
	if err := tx.Where("firm_id = ? AND id = ?", msg.FirmID, msg.ContactID).Take(&contact).Error; err != nil {
		return 0, fmt.Errorf("load contact: %w", err)
	}
	var firm models.Firm
	if err := tx.Take(&firm, msg.FirmID).Error; err != nil {
		return 0, fmt.Errorf("load firm: %w", err)
	}
	name := mediaDocumentName(contact.Name(), msg.CreatedAt, firm.TimeZone, m.Position, mt.Extension())

	var matters []int64
	err := tx.Raw(`SELECT id FROM matters WHERE firm_id = @firm AND client_contact_id = @contact
		UNION SELECT matter_id FROM matter_related_contacts WHERE firm_id = @firm AND contact_id = @contact
		ORDER BY 1`, map[string]any{"firm": msg.FirmID, "contact": msg.ContactID}).Scan(&matters).Error
	if err != nil {
		return 0, fmt.Errorf("find matters: %w", err)
	}
	type place struct{ matterID, contactID *int64 }
	var places []place
	for i := range matters {
		places = append(places, place{matterID: &matters[i]})
	}
	if len(places) == 0 {
		places = []place{{contactID: &msg.ContactID}}
	}
	for _, pl := range places {
		folderID, err := textFolder(tx, msg.FirmID, pl.matterID, pl.contactID)
		if err != nil {
			return 0, err
		}
		err = tx.Exec(`INSERT INTO documents (firm_id, matter_id, contact_id, folder_id, name, size_bytes, sha256,
			mime_type, storage_key, uploaded_by_contact_id, text_media_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			msg.FirmID, pl.matterID, pl.contactID, folderID, name, size, sum, mt.String(), key, msg.ContactID, m.ID).Error
		if err != nil {
			return 0, fmt.Errorf("create document: %w", err)
		}
	}
	return len(places), nil
}

// textFolder finds or creates the "Text messages" folder of a matter (or of
// a contact). Two items filed at once may both try to create it: the unique
// index on folder names makes one insert do nothing, and the select after it
// (a new snapshot) sees the other's folder.
func textFolder(tx *gorm.DB, firmID int64, matterID, contactID *int64) (int64, error) {
	err := tx.Exec(`INSERT INTO folders (firm_id, matter_id, contact_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		firmID, matterID, contactID, TextMessagesFolder).Error
	if err != nil {
		return 0, fmt.Errorf("create %q folder: %w", TextMessagesFolder, err)
	}
	var ids []int64
	err = tx.Raw(`SELECT id FROM folders WHERE firm_id = ? AND coalesce(matter_id, 0) = coalesce(?, 0)
		AND coalesce(contact_id, 0) = coalesce(?, 0) AND parent_id IS NULL AND lower(name) = lower(?)`,
		firmID, matterID, contactID, TextMessagesFolder).Scan(&ids).Error
	if err != nil || len(ids) == 0 {
		return 0, fmt.Errorf("find %q folder: %w", TextMessagesFolder, errors.Join(err, gorm.ErrRecordNotFound))
	}
	return ids[0], nil
}

// mediaDocumentName is "Text from Casey Client 2025-03-14 16.05 (1).jpg":
// who sent it, when (in the firm's time zone), which item of the message.
func mediaDocumentName(contactName string, at time.Time, timeZone string, position int, ext string) string {
	if loc, err := time.LoadLocation(timeZone); err == nil {
		at = at.In(loc)
	}
	// A slash in a name would make SafeName keep only what follows it.
	who := strings.NewReplacer("/", "-", `\`, "-").Replace(contactName)
	return upload.SafeName(fmt.Sprintf("Text from %s %s (%d)%s", who, at.Format("2006-01-02 15.04"), position+1, ext))
}

// refuseMedia records why an item was not kept, unless a run already
// decided about it.
func (j *Jobs) refuseMedia(ctx context.Context, m models.TextMedia, reason, sniffed string, size int64) error {
	err := j.DB.WithContext(ctx).Exec(`UPDATE text_media SET status = 'refused', reason = ?, sniffed_type = ?,
		size_bytes = ?, updated_at = now() WHERE firm_id = ? AND id = ? AND status = 'pending'`,
		reason, sniffed, size, m.FirmID, m.ID).Error
	if err != nil {
		return fmt.Errorf("media %d: mark refused: %w", m.ID, err)
	}
	j.Log.InfoContext(ctx, "text media refused", "media_id", m.ID, "reason", reason, "type", sniffed)
	return nil
}
