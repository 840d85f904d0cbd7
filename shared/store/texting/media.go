package texting

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/documents"
)

// PendingMedia is a media item still to be fetched, with the text it came in.
type PendingMedia struct {
	Media models.TextMedia
	Text  models.TextMessage
}

// MediaToFetch loads a media item and its text. It returns nil when the
// item is no longer pending (a run already decided about it).
func (s *Store) MediaToFetch(ctx context.Context, sys store.System, mediaID int64) (*PendingMedia, error) {
	db := s.DB.WithContext(ctx)
	var m models.TextMedia
	if err := db.Where("firm_id = ? AND id = ?", sys.FirmID, mediaID).Take(&m).Error; err != nil {
		return nil, store.NotFound(err, "load media")
	}
	if m.Status != "pending" {
		return nil, nil
	}
	var msg models.TextMessage
	if err := db.Omit("Media").Where("firm_id = ? AND id = ?", m.FirmID, m.MessageID).Take(&msg).Error; err != nil {
		return nil, fmt.Errorf("store: load text %d of media %d: %w", m.MessageID, m.ID, err)
	}
	return &PendingMedia{Media: m, Text: msg}, nil
}

// Kept is a fetched item's checked bytes, stored in the document store.
type Kept struct {
	SniffedType string
	Extension   string
	Size        int64
	SHA256      string
	Key         string
}

// KeepMedia marks an item kept and files it as a document on each of the
// contact's matters, in one transaction: a second run finds it done and
// files nothing. It returns in how many places it was filed (0: another run
// did it).
func (s *Store) KeepMedia(ctx context.Context, p PendingMedia, k Kept) (int, error) {
	m, msg := p.Media, p.Text
	var docs int
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE text_media SET status = 'kept', reason = '', sniffed_type = ?, size_bytes = ?,
			sha256 = ?, storage_key = ?, updated_at = now()
			WHERE firm_id = ? AND id = ? AND status = 'pending'`,
			k.SniffedType, k.Size, k.SHA256, k.Key, m.FirmID, m.ID)
		if res.Error != nil {
			return fmt.Errorf("mark kept: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // another run filed it
		}
		var err error
		docs, err = documents.FileTextMedia(tx, store.System{FirmID: m.FirmID}, documents.TextMedia{
			MediaID: m.ID, Position: m.Position, ContactID: msg.ContactID, SentAt: msg.CreatedAt,
			Extension: k.Extension, MIMEType: k.SniffedType, Size: k.Size, SHA256: k.SHA256, Key: k.Key})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: keep media %d: %w", m.ID, err)
	}
	return docs, nil
}

// RefuseMedia records why an item was not kept, unless a run already
// decided about it.
func (s *Store) RefuseMedia(ctx context.Context, m models.TextMedia, reason, sniffed string, size int64) error {
	err := s.DB.WithContext(ctx).Exec(`UPDATE text_media SET status = 'refused', reason = ?, sniffed_type = ?,
		size_bytes = ?, updated_at = now() WHERE firm_id = ? AND id = ? AND status = 'pending'`,
		reason, sniffed, size, m.FirmID, m.ID).Error
	if err != nil {
		return fmt.Errorf("store: media %d: mark refused: %w", m.ID, err)
	}
	return nil
}
