// Package documents owns documents and folders: what the firm and its
// clients share, and the media clients send by text, filed on their matters.
package documents

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
)

// Store reads and writes documents and folders.
type Store struct {
	DB *gorm.DB
}

func (s *Store) matters() *matters.Store { return &matters.Store{DB: s.DB} }

// sharedFolders is the set of a matter's folders shared with its client:
// those shared directly and everything below them, so a folder shared is
// shared with whatever is added to it later.
const sharedFolders = `WITH RECURSIVE shared(id) AS (
	SELECT id FROM folders WHERE firm_id = @firm AND matter_id = @matter AND shared_with_client
	UNION
	SELECT f.id FROM folders f JOIN shared s ON f.parent_id = s.id WHERE f.firm_id = @firm)`

// DocumentRow is a document as listed: with its folder's name and whether
// the client sees it. Of the Document it holds only what the matter pages
// show (ID, Name, SizeBytes, UploadedByContactID, SharedWithClient,
// FirstViewedByClientAt, PortalMessageID, CreatedAt): every column more was
// sent, scanned and allocated for each of a page's rows.
type DocumentRow struct {
	models.Document
	FolderName      string
	VisibleToClient bool
}

// Documents lists a page of a matter's documents that v may see, newest
// first: all of them, or those of folder folderID when it is not 0 (after
// is the cursor of the page before).
func (s *Store) Documents(ctx context.Context, v store.Viewer, matterID, folderID int64, after string) (store.Page[DocumentRow], error) {
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return store.Page[DocumentRow]{}, err
	}
	args := store.ViewerArgs(v, matterID)
	if err := PageArgs(args, after, folderID); err != nil {
		return store.Page[DocumentRow]{}, err
	}
	out, err := store.QueryAll(ctx, s.DB, DocumentsQuery(v, folderID != 0), args, ScanDocument)
	if err != nil {
		return store.Page[DocumentRow]{}, fmt.Errorf("store: list documents: %w", err)
	}
	return DocumentPage(out), nil
}

// PageArgs adds to args where a page of documents starts (after, a cursor;
// "" for the first) and its folder (0: every folder).
func PageArgs(args map[string]any, after string, folderID int64) error {
	at, id := time.Now().Add(100*365*24*time.Hour), int64(1<<63-1)
	if _, err := store.ReadCursor(after, &at, &id); err != nil {
		return err
	}
	args["doc_at"], args["doc_id"], args["folder"] = at, id, folderID
	return nil
}

// DocumentPage is the page DocumentsQuery's rows make.
func DocumentPage(rows []DocumentRow) store.Page[DocumentRow] {
	return store.Trim(rows, func(d DocumentRow) string { return store.Cursor(d.CreatedAt, d.ID) })
}

// DocumentsQuery lists a page of the documents of @matter that v may see,
// newest first from (@doc_at, @doc_id), of folder @folder when inFolder:
// none unless v may see the matter (args: store.ViewerArgs and PageArgs).
// A client is only sent documents it sees, so for a client "visible" is not
// worked out again row by row.
func DocumentsQuery(v store.Viewer, inFolder bool) string {
	visible := `coalesce(d.shared_with_client OR d.folder_id IN (SELECT id FROM shared)
			OR d.uploaded_by_contact_id = matters.client_contact_id, false)`
	if v.IsClient() {
		visible = "true"
	}
	q := sharedFolders + `
	SELECT d.id, d.name, d.size_bytes, d.uploaded_by_contact_id, d.shared_with_client, d.first_viewed_by_client_at,
		d.portal_message_id, d.created_at, coalesce(f.name, ''), ` + visible + `
	FROM documents d JOIN matters ON matters.id = d.matter_id LEFT JOIN folders f ON f.id = d.folder_id
	WHERE d.firm_id = @firm AND d.matter_id = @matter AND ` + store.MatterRule(v) + `
		AND (d.created_at, d.id) < (@doc_at, @doc_id)`
	if inFolder {
		q += ` AND d.folder_id = @folder`
	}
	if v.IsClient() {
		q += ` AND (d.shared_with_client OR d.folder_id IN (SELECT id FROM shared) OR d.uploaded_by_contact_id = @contact)`
	}
	return q + ` ORDER BY d.created_at DESC, d.id DESC LIMIT ` + fmt.Sprint(store.PageSize+1)
}

func ScanDocument(r store.Rows, d *DocumentRow) error {
	return r.Scan(&d.ID, &d.Name, &d.SizeBytes, &d.UploadedByContactID, &d.SharedWithClient, &d.FirstViewedByClientAt,
		&d.PortalMessageID, &d.CreatedAt, &d.FolderName, &d.VisibleToClient)
}

// FolderRow is a folder with whether the client sees it.
type FolderRow struct {
	models.Folder
	VisibleToClient bool
}

// Folders lists a matter's folders that v may see, by name.
func (s *Store) Folders(ctx context.Context, v store.Viewer, matterID int64) ([]FolderRow, error) {
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return nil, err
	}
	out, err := store.QueryAll(ctx, s.DB, FoldersQuery(v), store.ViewerArgs(v, matterID), ScanFolder)
	if err != nil {
		return nil, fmt.Errorf("store: list folders: %w", err)
	}
	return out, nil
}

// FoldersQuery lists the folders of @matter that v may see: none unless v
// may see the matter. As for documents, a client's are all visible.
func FoldersQuery(v store.Viewer) string {
	visible := "f.id IN (SELECT id FROM shared)"
	if v.IsClient() {
		visible = "true"
	}
	q := sharedFolders + `
	SELECT f.id, f.firm_id, f.matter_id, f.contact_id, f.parent_id, f.name, f.shared_with_client, f.shared_at,
		f.created_by_user_id, f.created_at, f.updated_at, ` + visible + `
	FROM folders f JOIN matters ON matters.id = f.matter_id
	WHERE f.firm_id = @firm AND f.matter_id = @matter AND ` + store.MatterRule(v)
	if v.IsClient() {
		q += ` AND f.id IN (SELECT id FROM shared)`
	}
	return q + ` ORDER BY lower(f.name), f.id`
}

func ScanFolder(r store.Rows, f *FolderRow) error {
	return r.Scan(&f.ID, &f.FirmID, &f.MatterID, &f.ContactID, &f.ParentID, &f.Name, &f.SharedWithClient, &f.SharedAt,
		&f.CreatedByUserID, &f.CreatedAt, &f.UpdatedAt, &f.VisibleToClient)
}

// Document returns one document if v may see it.
func (s *Store) Document(ctx context.Context, v store.Viewer, id int64) (models.Document, error) {
	var d models.Document
	err := s.DB.WithContext(ctx).Where("firm_id = ? AND id = ?", v.FirmID, id).Take(&d).Error
	if err != nil {
		return d, store.NotFound(err, "load document")
	}
	if d.MatterID == nil {
		// Contact-level documents are for the firm only.
		if v.IsClient() {
			return models.Document{}, store.ErrNotFound
		}
		return d, nil
	}
	if _, err := s.matters().Matter(ctx, v, *d.MatterID); err != nil {
		return models.Document{}, err
	}
	if !v.IsClient() {
		return d, nil
	}
	// The same rule as the client's list in documents(), for one row.
	var visible bool
	err = s.DB.WithContext(ctx).Raw(sharedFolders+`
	SELECT EXISTS (SELECT 1 FROM documents d WHERE d.firm_id = @firm AND d.id = @doc
		AND (d.shared_with_client OR d.folder_id IN (SELECT id FROM shared) OR d.uploaded_by_contact_id = @contact))`,
		map[string]any{"firm": v.FirmID, "matter": *d.MatterID, "doc": id, "contact": v.ContactID}).Scan(&visible).Error
	if err != nil {
		return models.Document{}, fmt.Errorf("store: document access: %w", err)
	}
	if !visible {
		return models.Document{}, store.ErrNotFound
	}
	return d, nil
}

// MarkViewedByClient records the first time the client opened a document.
func (s *Store) MarkViewedByClient(ctx context.Context, v store.Viewer, d models.Document) error {
	if !v.IsClient() || d.FirstViewedByClientAt != nil {
		return nil
	}
	err := s.DB.WithContext(ctx).Model(&models.Document{}).
		Where("firm_id = ? AND id = ? AND first_viewed_by_client_at IS NULL", v.FirmID, d.ID).
		Update("first_viewed_by_client_at", time.Now()).Error
	if err != nil {
		return fmt.Errorf("store: mark document viewed: %w", err)
	}
	return nil
}

// Folder returns a folder of the matter that v may see (clients: shared ones).
func (s *Store) Folder(ctx context.Context, v store.Viewer, matterID, folderID int64) (FolderRow, error) {
	folders, err := s.Folders(ctx, v, matterID)
	if err != nil {
		return FolderRow{}, err
	}
	for _, f := range folders {
		if f.ID == folderID {
			return f, nil
		}
	}
	return FolderRow{}, store.ErrNotFound
}

// NewDocument is a stored blob about to become a document.
type NewDocument struct {
	Name      string
	SizeBytes int64
	SHA256    string
	MIMEType  string
	Key       string
}

// SendDocuments records files (and an optional message) on a matter, in one
// transaction. A firm user's files are shared with the client only if share
// is set; a client's are seen by the firm and by that client.
func (s *Store) SendDocuments(ctx context.Context, v store.Viewer, matterID int64, folderID *int64, message string, files []NewDocument, share bool) ([]models.Document, *models.PortalMessage, error) {
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return nil, nil, err
	}
	if folderID != nil {
		if _, err := s.Folder(ctx, v, matterID, *folderID); err != nil {
			return nil, nil, err
		}
	}
	var docs []models.Document
	var msg *models.PortalMessage
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if message != "" {
			m, err := portal.AddMessageTx(tx, v, matterID, message)
			if err != nil {
				return err
			}
			msg = &m
		}
		now := time.Now()
		for _, f := range files {
			d := models.Document{
				FirmID: v.FirmID, MatterID: &matterID, FolderID: folderID, Name: f.Name,
				SizeBytes: f.SizeBytes, SHA256: f.SHA256, MIMEType: f.MIMEType, StorageKey: f.Key,
			}
			if v.IsClient() {
				d.UploadedByContactID = &v.ContactID
			} else {
				d.UploadedByUserID = &v.UserID
				if share {
					d.SharedWithClient, d.SharedAt = true, &now
				}
			}
			if msg != nil {
				d.PortalMessageID = &msg.ID
			}
			if err := tx.Create(&d).Error; err != nil {
				return fmt.Errorf("create document: %w", err)
			}
			docs = append(docs, d)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("store: send documents: %w", err)
	}
	return docs, msg, nil
}

// ShareDocument shares or unshares a document with the matter's client.
func (s *Store) ShareDocument(ctx context.Context, v store.Viewer, id int64, share bool) (models.Document, error) {
	if v.IsClient() {
		return models.Document{}, store.ErrForbidden
	}
	d, err := s.Document(ctx, v, id)
	if err != nil {
		return d, err
	}
	var sharedAt *time.Time
	if share {
		now := time.Now()
		sharedAt = &now
	}
	err = s.DB.WithContext(ctx).Model(&models.Document{}).Where("firm_id = ? AND id = ?", v.FirmID, id).
		Updates(map[string]any{"shared_with_client": share, "shared_at": sharedAt}).Error
	if err != nil {
		return d, fmt.Errorf("store: share document: %w", err)
	}
	d.SharedWithClient, d.SharedAt = share, sharedAt
	return d, nil
}

// CreateFolder adds a top-level folder to a matter.
func (s *Store) CreateFolder(ctx context.Context, v store.Viewer, matterID int64, name string, share bool) (models.Folder, error) {
	if v.IsClient() {
		return models.Folder{}, store.ErrForbidden
	}
	if _, err := s.matters().Matter(ctx, v, matterID); err != nil {
		return models.Folder{}, err
	}
	f := models.Folder{FirmID: v.FirmID, MatterID: &matterID, Name: name, SharedWithClient: share, CreatedByUserID: &v.UserID}
	if share {
		now := time.Now()
		f.SharedAt = &now
	}
	if err := s.DB.WithContext(ctx).Create(&f).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return f, ErrDuplicate
		}
		return f, fmt.Errorf("store: create folder: %w", err)
	}
	return f, nil
}

// ErrDuplicate is a name already taken in the same place.
var ErrDuplicate = errors.New("store: a folder with that name already exists")

// ShareFolder shares or unshares a folder (and so all it holds).
func (s *Store) ShareFolder(ctx context.Context, v store.Viewer, matterID, folderID int64, share bool) (models.Folder, error) {
	if v.IsClient() {
		return models.Folder{}, store.ErrForbidden
	}
	row, err := s.Folder(ctx, v, matterID, folderID)
	if err != nil {
		return models.Folder{}, err
	}
	var sharedAt *time.Time
	if share {
		now := time.Now()
		sharedAt = &now
	}
	err = s.DB.WithContext(ctx).Model(&models.Folder{}).Where("firm_id = ? AND id = ?", v.FirmID, folderID).
		Updates(map[string]any{"shared_with_client": share, "shared_at": sharedAt}).Error
	if err != nil {
		return row.Folder, fmt.Errorf("store: share folder: %w", err)
	}
	row.SharedWithClient, row.SharedAt = share, sharedAt
	return row.Folder, nil
}
