package web

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
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
	// Enquiries are the newest texts from unknown numbers waiting for an
	// administrator, and how many there are (see texting.Enquiries).
	Enquiries    []models.UnknownText
	EnquiryCount int
	More         more
	// StopPoll: a later page is shown, which the first page's refresh
	// would drop, so it stops.
	StopPoll bool
}

// badgeData is the unread-texts badge in the staff nav.
type badgeData struct {
	Show   bool
	Unread int
	// Enquiries counts texts from unknown numbers waiting for an
	// administrator, up to 100.
	Enquiries int
}

// Total is the number the badge shows.
func (d badgeData) Total() string {
	if d.Enquiries > 99 {
		return fmt.Sprintf("%d+", d.Unread+99)
	}
	return strconv.Itoa(d.Unread + d.Enquiries)
}

// threadData is one contact's text thread, or the contact picker of a new
// text with the chosen contact's thread under it.
type threadData struct {
	Picker     bool
	Query      string
	Found      []contacts.Row
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
	// From is where the live part of the thread starts: it holds the texts
	// from this one on, and older ones load above it (Older).
	From  string
	Older more
	// OlderTexts is a page of older texts, loaded above the live part.
	OlderTexts []textView
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

// staffTexts lists the firm's text conversations, a page at a time. The
// first page refreshes itself; a later page swaps in only its rows.
func (h *handler) staffTexts(c *fiber.Ctx) error {
	s := session(c)
	v := viewer(s)
	st, err := h.stores.Firms.Texting(c.UserContext(), v)
	if err != nil {
		return storeErr(err)
	}
	page, err := h.stores.Texting.Conversations(c.UserContext(), v, c.Query("after"))
	if err != nil {
		return pageErr(err)
	}
	d := textsData{Texting: st, Conversations: page.Items, Admin: s.Admin,
		More: more{URL: pageURL(c, "after", page.Next), Label: "Show older conversations"}}
	if nextPage(c, "after") {
		d.StopPoll = true
		return c.Render("staff/texts#rows", h.page(c, "", d))
	}
	if !isHTMX(c) { // the conversations' own refresh leaves the enquiries as they are
		if d.Enquiries, d.EnquiryCount, err = h.stores.Texting.Enquiries(c.UserContext(), v, 3); err != nil {
			return err
		}
	}
	return h.render(c, "staff/texts", "conversations", "Communications", d)
}

// staffTextBadge is the nav's unread-texts badge, polled by the layout.
func (h *handler) staffTextBadge(c *fiber.Ctx) error {
	show, n, enquiries, err := h.stores.Texting.TextBadge(c.UserContext(), viewer(session(c)))
	if err != nil {
		return storeErr(err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("staff/texts#badge", h.page(c, "", badgeData{Show: show, Unread: n, Enquiries: enquiries}))
}

// loadThread fills d with the contact's thread and marks it read up to the
// newest text shown: the newest page of texts, or, when from is a cursor,
// every text from that one on (what an open thread already shows, and what
// came since). withRoute also says whether a text can be sent now, which
// the polled list does not need.
func (h *handler) loadThread(c *fiber.Ctx, v store.Viewer, contactID int64, withRoute bool, from string, d *threadData) error {
	ctx := c.UserContext()
	contact, err := h.stores.Texting.TextContact(ctx, v, contactID)
	if err != nil {
		return storeErr(err)
	}
	var rows []texting.TextRow
	older := ""
	if from != "" {
		if rows, err = h.stores.Texting.TextsSince(ctx, v, contactID, from); err != nil {
			return pageErr(err)
		}
	} else {
		page, err := h.stores.Texting.Texts(ctx, v, contactID, "")
		if err != nil {
			return pageErr(err)
		}
		rows, older = page.Items, page.Next
	}
	if n := len(rows); n > 0 && from == "" {
		from = store.Cursor(rows[n-1].CreatedAt, rows[n-1].ID)
	}
	slices.Reverse(rows) // a conversation reads oldest first
	d.Contact, d.Texts, d.From = &contact, textViews(rows), from
	d.Version = threadVersion(d.Texts)
	if older != "" {
		d.Older = more{URL: fmt.Sprintf("/staff/texts/contacts/%d/older?before=%s", contactID, url.QueryEscape(older)),
			Label: "Show older texts"}
	}
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

// staffTextOlder is a page of older texts of a thread, swapped in above the
// ones shown, with the button for the page before it.
func (h *handler) staffTextOlder(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	contact, err := h.stores.Texting.TextContact(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	page, err := h.stores.Texting.Texts(c.UserContext(), v, id, c.Query("before"))
	if err != nil {
		return pageErr(err)
	}
	slices.Reverse(page.Items)
	d := threadData{Contact: &contact, OlderTexts: textViews(page.Items)}
	if page.Next != "" {
		d.Older = more{URL: fmt.Sprintf("/staff/texts/contacts/%d/older?before=%s", id, url.QueryEscape(page.Next)),
			Label: "Show older texts"}
	}
	return c.Render("staff/texts_thread#older", h.page(c, "", d))
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
	if err := h.loadThread(c, viewer(session(c)), id, true, "", &d); err != nil {
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
	from := c.Query("from")
	var d threadData
	if err := h.loadThread(c, v, id, false, from, &d); err != nil {
		return err
	}
	waitCtx, release := h.unlessStopping(ctx)
	defer release()
	if waiter != nil && d.Version == c.Query("after") && waiter.Wait(waitCtx, longPollWait) {
		d = threadData{}
		if err := h.loadThread(c, v, id, false, from, &d); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("staff/texts_thread#texts", h.page(c, "", d))
}

// unlessStopping is ctx, also cancelled when the portal starts shutting
// down; call release when done with it.
func (h *handler) unlessStopping(ctx context.Context) (_ context.Context, release func()) {
	ctx, cancel := context.WithCancel(ctx)
	if h.Stopping == nil {
		return ctx, cancel
	}
	stop := context.AfterFunc(h.Stopping, cancel)
	return ctx, func() { stop(); cancel() }
}

// longPollWait stays well under the write timeout and the shutdown grace.
const longPollWait = 20 * time.Second

// staffTextNew is "new text": search for a contact, and their earlier
// texts show at once (a found contact loads the thread under the search).
func (h *handler) staffTextNew(c *fiber.Ctx) error {
	v := viewer(session(c))
	d := threadData{Picker: true, Query: c.Query("q")}
	if raw := c.Query("contact"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return fiber.ErrNotFound
		}
		if err := h.loadThread(c, v, id, true, "", &d); err != nil {
			return err
		}
		d.SelectedID = id
	}
	if isHTMX(c) && c.Query("contact") != "" {
		// A chosen contact swaps only the thread.
		return c.Render("staff/texts_thread#thread", h.page(c, "", d))
	}
	if d.Query != "" {
		found, err := h.stores.Contacts.Search(c.UserContext(), v, d.Query, pickerSize)
		if err != nil {
			return err
		}
		d.Found = found
	}
	if isHTMX(c) {
		return c.Render("staff/texts_thread#found", h.page(c, "", d))
	}
	return h.render(c, "staff/texts_thread", "", "New text", d)
}

// pickerSize is how many contacts a type-ahead search offers.
const pickerSize = 10

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
	if err := h.loadThread(c, v, id, true, "", &d); err != nil {
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
	if err := h.loadThread(c, v, t.ContactID, false, "", &d); err != nil {
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
