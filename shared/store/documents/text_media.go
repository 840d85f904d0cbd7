package documents

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/upload"
)

// TextMessagesFolder is where media received by text are filed.
const TextMessagesFolder = "Text messages"

// TextMedia is a media item a contact texted, kept and stored, to be filed.
type TextMedia struct {
	MediaID   int64
	Position  int // which item of its message
	ContactID int64
	SentAt    time.Time
	Extension string // ".jpg", from the sniffed type
	MIMEType  string
	Size      int64
	SHA256    string
	Key       string
}

// FileTextMedia files a kept item as a document in the "Text messages"
// folder of each of the contact's matters, or among the contact's own
// documents if there are none, in the caller's transaction (the one that
// marks the item kept). The unique index on (text_media_id, matter,
// contact) makes a repeat create nothing. It returns how many places it
// was filed in.
func FileTextMedia(tx *gorm.DB, sys store.System, m TextMedia) (int, error) {
	var contact models.Contact
	if err := tx.Where("firm_id = ? AND id = ?", sys.FirmID, m.ContactID).Take(&contact).Error; err != nil {
		return 0, fmt.Errorf("load contact: %w", err)
	}
	firm, err := firms.Load(tx, sys.FirmID)
	if err != nil {
		return 0, err
	}
	name := mediaDocumentName(contact.Name(), m.SentAt, firm.TimeZone, m.Position, m.Extension)
	ids, err := matters.IDsOfContact(tx, sys, m.ContactID)
	if err != nil {
		return 0, err
	}
	type place struct{ matterID, contactID *int64 }
	var places []place
	for i := range ids {
		places = append(places, place{matterID: &ids[i]})
	}
	if len(places) == 0 {
		places = []place{{contactID: &m.ContactID}}
	}
	for _, pl := range places {
		folderID, err := textFolder(tx, sys.FirmID, pl.matterID, pl.contactID)
		if err != nil {
			return 0, err
		}
		err = tx.Exec(`INSERT INTO documents (firm_id, matter_id, contact_id, folder_id, name, size_bytes, sha256,
			mime_type, storage_key, uploaded_by_contact_id, text_media_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sys.FirmID, pl.matterID, pl.contactID, folderID, name, m.Size, m.SHA256, m.MIMEType, m.Key, m.ContactID, m.MediaID).Error
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
