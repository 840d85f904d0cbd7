package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/view"
)

type mattersData struct {
	Matters []store.MatterRow
	Unread  map[int64]int
}

// clientMatters lists the client's matters.
func (h *handler) clientMatters(c *fiber.Ctx) error {
	return h.matterList(c, "client/matters", "Your matters")
}

// matterList renders the matters the viewer may see, with unread counts.
func (h *handler) matterList(c *fiber.Ctx, name, title string) error {
	v := viewer(session(c))
	matters, err := h.store.Matters(c.UserContext(), v)
	if err != nil {
		return err
	}
	unread, err := h.store.UnreadCounts(c.UserContext(), v)
	if err != nil {
		return err
	}
	return h.render(c, name, "", title, mattersData{Matters: matters, Unread: unread})
}

type matterData struct {
	Matter    store.MatterRow
	Documents []store.DocumentRow
	Folders   []store.FolderRow
	Messages  []store.MessageRow
	Result    *sendResult
	Client    any
	// Related are the matter's related contacts (staff pages only).
	Related []store.MatterPerson
}

func (h *handler) loadMatter(c *fiber.Ctx, v store.Viewer, id int64) (matterData, error) {
	p, err := h.store.MatterPage(c.UserContext(), v, id)
	if err != nil {
		return matterData{}, storeErr(err)
	}
	return matterData{Matter: p.Matter, Documents: p.Documents, Folders: p.Folders, Messages: p.Messages}, nil
}

// clientPage is the client's matter page with each row worked out in Go:
// html/template pays a reflective call for every field, function and
// escaper it evaluates, and this page has a hundred rows.
type clientPage struct {
	Matter    store.MatterRow
	Documents []clientDoc
	Folders   []store.FolderRow
	Messages  []clientMsg
	Result    *sendResult
}

type clientDoc struct {
	ID         int64
	Name       string
	FolderName string
	Size       string
	New        bool // shared by the firm and not opened yet
	FromYou    bool
}

type clientMsg struct {
	Mine   bool
	Author string
	When   string
	New    bool
	Body   string
}

func (d matterData) forClient() clientPage {
	p := clientPage{Matter: d.Matter, Folders: d.Folders, Result: d.Result,
		Documents: make([]clientDoc, len(d.Documents)), Messages: make([]clientMsg, len(d.Messages))}
	for i, x := range d.Documents {
		p.Documents[i] = clientDoc{ID: x.ID, Name: x.Name, FolderName: x.FolderName, Size: view.HumanBytes(x.SizeBytes),
			New: x.UploadedByContactID == nil && x.FirstViewedByClientAt == nil, FromYou: x.UploadedByContactID != nil}
	}
	for i, x := range d.Messages {
		m := clientMsg{Mine: x.FromClient(), Author: x.AuthorName, When: x.CreatedAt.Format("Jan 2, 3:04 PM"), New: x.New, Body: x.Body}
		if m.Mine {
			m.Author = "You"
		}
		p.Messages[i] = m
	}
	return p
}

// clientMatter is the client's page for one matter: status, next steps,
// documents, and messages.
func (h *handler) clientMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := h.loadMatter(c, viewer(session(c)), id)
	if err != nil {
		return err
	}
	return h.render(c, "client/matter", "", d.Matter.Description, d.forClient())
}

// clientMessage posts a message to the firm.
func (h *handler) clientMessage(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	body, err := messageBody(c)
	if err != nil {
		return err
	}
	if _, err := h.store.AddMessage(c.UserContext(), v, id, body); err != nil {
		return storeErr(err)
	}
	if isHTMX(c) {
		d, err := h.loadMatter(c, v, id)
		if err != nil {
			return err
		}
		return c.Render("client/matter#messages", h.page(c, "", d.forClient()))
	}
	return redirect(c, "/portal/matters/"+c.Params("id")+"#messages")
}

// clientUpload receives "send documents".
func (h *handler) clientUpload(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.store.Matter(c.UserContext(), v, id); err != nil {
		return storeErr(err)
	}
	res, err := h.receiveDocuments(c, v, id)
	if err != nil {
		return err
	}
	d, err := h.loadMatter(c, v, id)
	if err != nil {
		return err
	}
	d.Result = &res
	if res.Error != "" || len(res.Refused) > 0 && len(res.Sent) == 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.render(c, "client/matter", "documents", d.Matter.Description, d.forClient())
}

// clientDocument downloads or opens a document, checking access every time.
func (h *handler) clientDocument(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, err := h.store.Document(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	if err := h.store.MarkViewedByClient(c.UserContext(), v, doc); err != nil {
		return err
	}
	return h.sendDocument(c, doc)
}

// maxMessage is the longest portal message, in bytes (the column's check).
const maxMessage = 10000

// messageBody reads a message form's text: required, within maxMessage.
func messageBody(c *fiber.Ctx) (string, error) {
	body := strings.TrimSpace(c.FormValue("body"))
	if body == "" || len(body) > maxMessage {
		return "", fiber.NewError(fiber.StatusUnprocessableEntity, "Write a message of up to 10,000 characters.")
	}
	return body, nil
}
