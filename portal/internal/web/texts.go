package web

import (
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/texting"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/textevents"
)

// maxTextRunes is the longest text carriers take (they split it into segments).
const maxTextRunes = 1600

// textsData is the Communications page.
type textsData struct {
	Texting       firms.TextingSettings
	Conversations []texting.Conversation
	Admin         bool
}

// badgeData is the unread-texts badge in the staff nav.
type badgeData struct {
	Show   bool
	Unread int
}

// threadData is one contact's text thread, or the contact picker of a new
// text with the chosen contact's thread under it.
type threadData struct {
	Picker     bool
	Contacts   []texting.ContactOption
	SelectedID int64

	Contact *texting.TextContact
	Texts   []textView
	// Blocked says why no text can be sent to the contact now.
	Blocked string
	// Error is why the last text was refused; Body is what was typed.
	Error  string
	Body   string
	Notice string
	// Version names the state of the texts shown; the page's wait for news
	// sends it back and is answered once the texts differ.
	Version string
}

// threadVersion changes whenever a text is added or changes status.
func threadVersion(texts []textView) string {
	var newest time.Time
	for _, t := range texts {
		if t.UpdatedAt.After(newest) {
			newest = t.UpdatedAt
		}
	}
	return fmt.Sprintf("%d-%d", len(texts), newest.UnixNano())
}

// textView is a text with what the thread needs to show its media.
type textView struct {
	texting.TextRow
	Media []mediaView
}

// StatusLabel is the text's state in words.
func (t textView) StatusLabel() string { return textStatusLabel(t.Status) }

// textStatusLabel is a text's state in words, wherever a text is listed.
func textStatusLabel(s models.TextStatus) string {
	switch s {
	case models.TextReceived:
		return "Received"
	case models.TextQueued:
		return "Queued"
	case models.TextSending:
		return "Sending"
	case models.TextSent:
		return "Sent"
	case models.TextDelivered:
		return "Delivered"
	case models.TextFailed:
		return "Not delivered"
	}
	return string(s)
}

type mediaView struct {
	models.TextMedia
	// Image is a kept picture a browser shows inline.
	Image bool
}

// inlineImages are the picture types browsers display; HEIC and TIFF are
// kept too but offered as links.
var inlineImages = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/bmp": true, "image/webp": true}

// mediaExt names a saved item the way phones do (the mime table lists
// ".jfif" first for JPEG).
var mediaExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/heic": ".heic", "image/heif": ".heif",
	"image/bmp": ".bmp", "image/tiff": ".tif", "video/mp4": ".mp4", "video/quicktime": ".mov", "video/3gpp": ".3gp",
	"audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/mp4": ".m4a", "text/plain": ".txt",
}

func textViews(rows []texting.TextRow) []textView {
	out := make([]textView, len(rows))
	for i, r := range rows {
		out[i] = textView{TextRow: r, Media: make([]mediaView, len(r.Media))}
		for j, m := range r.Media {
			out[i].Media[j] = mediaView{TextMedia: m, Image: m.Status == "kept" && inlineImages[mediaType(m)]}
		}
	}
	return out
}

func mediaType(m models.TextMedia) string {
	t := m.SniffedType
	if t == "" {
		t = m.DeclaredType
	}
	base, _, _ := strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// staffTexts lists the firm's text conversations.
func (h *handler) staffTexts(c *fiber.Ctx) error {
	s := session(c)
	v := viewer(s)
	st, err := h.stores.Firms.Texting(c.UserContext(), v)
	if err != nil {
		return storeErr(err)
	}
	convs, err := h.stores.Texting.Conversations(c.UserContext(), v)
	if err != nil {
		return err
	}
	return h.render(c, "staff/texts", "conversations", "Communications", textsData{Texting: st, Conversations: convs, Admin: s.Admin})
}

// staffTextBadge is the nav's unread-texts badge, polled by the layout.
func (h *handler) staffTextBadge(c *fiber.Ctx) error {
	show, n, err := h.stores.Texting.TextBadge(c.UserContext(), viewer(session(c)))
	if err != nil {
		return storeErr(err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("staff/texts#badge", h.page(c, "", badgeData{Show: show, Unread: n}))
}

// loadThread fills d with the contact's thread and marks it read up to the
// newest text shown. withRoute also says whether a text can be sent now,
// which the polled list does not need.
func (h *handler) loadThread(c *fiber.Ctx, v store.Viewer, contactID int64, withRoute bool, d *threadData) error {
	ctx := c.UserContext()
	contact, err := h.stores.Texting.TextContact(ctx, v, contactID)
	if err != nil {
		return storeErr(err)
	}
	rows, err := h.stores.Texting.Texts(ctx, v, contactID)
	if err != nil {
		return storeErr(err)
	}
	d.Contact, d.Texts = &contact, textViews(rows)
	d.Version = threadVersion(d.Texts)
	if withRoute {
		_, err := h.stores.Texting.Route(ctx, v, contactID)
		if msg, ok := textRefusal(err); ok {
			d.Blocked = msg
		} else if err != nil {
			return storeErr(err)
		}
	}
	if n := len(rows); n > 0 {
		var newest int64
		for _, r := range rows {
			newest = max(newest, r.ID)
		}
		if err := h.stores.Texting.MarkThreadRead(ctx, v, contactID, newest); err != nil {
			return err
		}
	}
	return nil
}

// textRefusal is the texting rule's reason not to send, in its words.
func textRefusal(err error) (string, bool) {
	var r *texting.Refusal
	if errors.As(err, &r) {
		return r.Error(), true
	}
	return "", false
}

// textBodyProblem checks what the user typed; "" means it can be sent.
func textBodyProblem(body string) string {
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "Write the text first."
	case n > maxTextRunes:
		return fmt.Sprintf("A text can be at most 1,600 characters; this one has %s.", strconv.Itoa(n))
	}
	return ""
}

// staffTextThread shows a contact's texts and the form to send one.
func (h *handler) staffTextThread(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var d threadData
	if err := h.loadThread(c, viewer(session(c)), id, true, &d); err != nil {
		return err
	}
	return h.render(c, "staff/texts_thread", "thread", d.Contact.Name(), d)
}

// staffTextMessages is the thread's list of texts alone. The open page
// asks for it with the version it shows; if nothing changed, the answer
// waits (up to longPollWait) for the worker to announce a change, so a new
// text appears within moments without polling every second.
func (h *handler) staffTextMessages(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	ctx := c.UserContext()
	var waiter *textevents.Waiter
	if after := c.Query("after"); after != "" {
		// Subscribe before reading, so a change in between is not missed.
		if waiter, err = textevents.Subscribe(ctx, h.Redis, v.FirmID, id); err != nil {
			h.Log.WarnContext(ctx, "texts: no live updates", "err", err)
		} else {
			defer waiter.Close()
		}
	}
	var d threadData
	if err := h.loadThread(c, v, id, false, &d); err != nil {
		return err
	}
	if waiter != nil && d.Version == c.Query("after") && waiter.Wait(ctx, longPollWait) {
		d = threadData{}
		if err := h.loadThread(c, v, id, false, &d); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("staff/texts_thread#texts", h.page(c, "", d))
}

// longPollWait stays well under the write timeout and the shutdown grace.
const longPollWait = 20 * time.Second

// staffTextNew is "new text": pick a contact, and their earlier texts show
// at once (the picker loads the thread under it).
func (h *handler) staffTextNew(c *fiber.Ctx) error {
	v := viewer(session(c))
	d := threadData{Picker: true}
	if raw := c.Query("contact"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return fiber.ErrNotFound
		}
		if err := h.loadThread(c, v, id, true, &d); err != nil {
			return err
		}
		d.SelectedID = id
	}
	if isHTMX(c) {
		// The picker swaps only the thread (empty when no contact is chosen).
		return c.Render("staff/texts_thread#thread", h.page(c, "", d))
	}
	contacts, err := h.stores.Texting.TextableContacts(c.UserContext(), v)
	if err != nil {
		return err
	}
	d.Contacts = contacts
	return h.render(c, "staff/texts_thread", "", "New text", d)
}

// staffTextSend records a text to the contact and queues it for sending.
func (h *handler) staffTextSend(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	refusal, notice := textBodyProblem(body), ""
	if refusal == "" {
		t, err := h.stores.Texting.SendText(c.UserContext(), v, id, body)
		if msg, ok := textRefusal(err); ok {
			refusal = msg
		} else if err != nil {
			return storeErr(err)
		} else if !h.enqueueText(c, v, t.ID, 0) {
			notice = "Your text is saved and queued; it will be sent once the queue is reachable again."
		}
	}
	if refusal == "" && notice == "" && !isHTMX(c) {
		return redirect(c, fmt.Sprintf("/staff/texts/contacts/%d", id))
	}
	var d threadData
	if err := h.loadThread(c, v, id, true, &d); err != nil {
		return err
	}
	d.Notice = notice
	if refusal != "" {
		d.Error, d.Body = refusal, body
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.render(c, "staff/texts_thread", "thread", d.Contact.Name(), d)
}

// enqueueText queues the send task of a recorded text. A failure is logged,
// not shown as an error: the row is queued and the text is not lost.
func (h *handler) enqueueText(c *fiber.Ctx, v store.Viewer, textID int64, attempt int) bool {
	t, err := tasks.NewTextSend(v.FirmID, textID, attempt)
	if err == nil {
		err = h.Tasks.Enqueue(c.UserContext(), t)
	}
	if err != nil {
		h.Log.ErrorContext(c.UserContext(), "could not enqueue text", "err", err, "text_id", textID)
		return false
	}
	return true
}

// staffTextRetry sends a failed text again, when its reason allows.
func (h *handler) staffTextRetry(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, at, err := h.stores.Texting.RetryText(c.UserContext(), v, id)
	if msg, ok := textRefusal(err); ok {
		return fiber.NewError(fiber.StatusUnprocessableEntity, msg)
	}
	if errors.Is(err, texting.ErrNotRetryable) {
		return fiber.NewError(fiber.StatusConflict, "This text cannot be sent again: only texts that failed for a temporary, unknown or carrier error can.")
	}
	if err != nil {
		return storeErr(err)
	}
	// Each retry needs a task ID of its own (a finished task keeps its ID
	// for an hour); the moment of the retry is unique to it.
	h.enqueueText(c, v, t.ID, int(at.UnixMicro()))
	if !isHTMX(c) {
		return redirect(c, fmt.Sprintf("/staff/texts/contacts/%d", t.ContactID))
	}
	var d threadData
	if err := h.loadThread(c, v, t.ContactID, false, &d); err != nil {
		return err
	}
	return c.Render("staff/texts_thread#texts", h.page(c, "", d))
}

// staffTextMedia opens a kept MMS item of one of the firm's texts.
func (h *handler) staffTextMedia(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := h.stores.Texting.TextMedia(c.UserContext(), viewer(session(c)), id)
	if err != nil {
		return storeErr(err)
	}
	typ := mediaType(m)
	if typ == "" {
		typ = "application/octet-stream"
	}
	name := fmt.Sprintf("text-%d-%d", m.MessageID, m.Position+1)
	if ext, ok := mediaExt[typ]; ok {
		name += ext
	} else if exts, _ := mime.ExtensionsByType(typ); len(exts) > 0 {
		name += exts[0]
	}
	size := m.SizeBytes
	if size <= 0 {
		size = -1 // unknown: stream to the end
	}
	return h.sendDocument(c, models.Document{ID: m.ID, Name: name, MIMEType: typ, StorageKey: m.StorageKey, SizeBytes: size})
}

// matterTextsData is a matter's Communications: its contacts' text threads.
type matterTextsData struct {
	Matter  matters.Row
	Threads []texting.MatterThread
}

// staffMatterTexts lists the text threads of a matter's client and related
// contacts; each links to the one thread the contact has.
func (h *handler) staffMatterTexts(c *fiber.Ctx) error {
	v, m, err := h.matterParam(c)
	if err != nil {
		return err
	}
	id := m.ID
	threads, err := h.stores.Texting.MatterThreads(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	return h.render(c, "staff/matter_texts", "", "Texts · "+m.Description, matterTextsData{Matter: m, Threads: threads})
}
