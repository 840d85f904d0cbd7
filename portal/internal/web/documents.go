package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/upload"
)

// requestBody is the request body as a stream (the portal streams bodies).
func requestBody(c *fiber.Ctx) io.Reader {
	if body := c.Context().RequestBodyStream(); body != nil {
		return body
	}
	return bytes.NewReader(c.Body())
}

// uploadErr turns an upload reader's error into the answer the sender gets.
func uploadErr(err error) error {
	switch {
	case errors.Is(err, upload.ErrForbidden):
		return errCSRF
	case errors.Is(err, upload.ErrBadRequest):
		return fiber.NewError(fiber.StatusBadRequest, "The upload could not be read. Please try again.")
	}
	return err
}

// sendResult is what the sender sees after "send documents".
type sendResult struct {
	Sent    []models.Document
	Refused []upload.Refused
	Message bool
	// MessageID is the message sent with the files, if any.
	MessageID int64
	Error     string
}

// receiveDocuments streams the form's files into the document store and
// records them (with the optional message, new name and folder) on matter.
// A refused file is reported with its reason; the others still go through.
func (h *handler) receiveDocuments(c *fiber.Ctx, v store.Viewer, matterID int64) (sendResult, error) {
	form, _ := c.Locals(localUploadForm).(*upload.Form)
	if form == nil { // the token came in the header
		var err error
		if form, err = upload.Open(c.UserContext(), requestBody(c), c.Get(fiber.HeaderContentType)); err != nil {
			return sendResult{}, uploadErr(err)
		}
	}
	opts := upload.Options{MaxFiles: maxUploadFiles, MaxFileSize: h.Config.UploadMaxBytes, MaxFieldSize: 64 << 10, FileField: "files"}
	res, err := form.Read(h.Store, opts)
	if err != nil {
		return sendResult{}, uploadErr(err)
	}
	out := sendResult{Refused: res.Refused}
	message := strings.TrimSpace(res.Fields["message"])
	if len(message) > maxMessage {
		return out, fiber.NewError(fiber.StatusUnprocessableEntity, "The message is too long (10,000 characters at most).")
	}
	if len(res.Files) == 0 && message == "" {
		if len(res.Refused) == 0 {
			out.Error = "Choose a file to send, or write a message."
		}
		return out, nil
	}
	var folderID *int64
	if f := res.Fields["folder_id"]; f != "" {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return out, fiber.NewError(fiber.StatusBadRequest, "Unknown folder.")
		}
		folderID = &id
	}
	files := make([]documents.NewDocument, len(res.Files))
	for i, f := range res.Files {
		files[i] = documents.NewDocument{
			Name: newName(f.OrigName, res.Fields["name"], i, len(res.Files)), SizeBytes: f.Object.Size,
			SHA256: f.Object.SHA256, MIMEType: f.Object.MIME, Key: f.Object.Key,
		}
	}
	share := res.Fields["share"] == "1"
	docs, msg, err := h.stores.Documents.SendDocuments(c.UserContext(), v, matterID, folderID, message, files, share)
	if err != nil {
		return out, storeErr(err)
	}
	out.Sent, out.Message = docs, msg != nil
	if msg != nil {
		out.MessageID = msg.ID
	}
	return out, nil
}

// newName applies the sender's chosen name; with several files they are
// numbered so none is lost to a clash.
func newName(orig, chosen string, i, n int) string {
	chosen = strings.TrimSpace(chosen)
	if chosen == "" || n == 1 {
		return upload.Rename(orig, chosen)
	}
	return upload.Rename(orig, fmt.Sprintf("%s (%d)", chosen, i+1))
}

// sendDocument streams a stored document to the browser. Images, PDFs,
// text, audio and video open in the browser; anything else downloads.
func (h *handler) sendDocument(c *fiber.Ctx, d models.Document) error {
	r, err := h.Store.Open(c.UserContext(), d.StorageKey)
	if err != nil {
		return fmt.Errorf("open document %d: %w", d.ID, err)
	}
	base, _, _ := strings.Cut(d.MIMEType, ";")
	disposition := "attachment"
	if inline(base) && c.Query("download") == "" {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, d.MIMEType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": d.Name}))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	// Served files must not run scripts in the portal's origin. Chrome's PDF
	// viewer does not open in a sandboxed document, so PDFs (which the
	// allowlist let in by content, never HTML or SVG) go without it.
	// The portal's document page frames PDFs and text: the portal's own
	// pages may, no one else.
	csp := "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
	if base != "application/pdf" {
		csp += "; sandbox"
	}
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	c.Set(fiber.HeaderXFrameOptions, "SAMEORIGIN")
	return c.SendStream(r, int(d.SizeBytes))
}

func inline(mimeType string) bool {
	return mimeType == "application/pdf" || strings.HasPrefix(mimeType, "image/") ||
		strings.HasPrefix(mimeType, "audio/") || strings.HasPrefix(mimeType, "video/") || mimeType == "text/plain"
}
