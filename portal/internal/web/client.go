package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/store"
)

type mattersData struct {
	Matters []store.MatterRow
	Unread  map[int64]int
}

// clientMatters lists the client's matters.
func (h *handler) clientMatters(c *fiber.Ctx) error {
	v := viewer(session(c))
	matters, err := h.store.Matters(c.UserContext(), v)
	if err != nil {
		return err
	}
	unread, err := h.store.UnreadCounts(c.UserContext(), v)
	if err != nil {
		return err
	}
	return h.render(c, "client/matters", "", "Your matters", mattersData{Matters: matters, Unread: unread})
}

type matterData struct {
	Matter    store.MatterRow
	Documents []store.DocumentRow
	Folders   []store.FolderRow
	Messages  []store.MessageRow
	Result    *sendResult
	Client    any
}

func (h *handler) loadMatter(c *fiber.Ctx, v store.Viewer, id int64) (matterData, error) {
	ctx := c.UserContext()
	m, err := h.store.Matter(ctx, v, id)
	if err != nil {
		return matterData{}, storeErr(err)
	}
	d := matterData{Matter: m}
	if d.Documents, err = h.store.Documents(ctx, v, id); err != nil {
		return d, err
	}
	if d.Folders, err = h.store.Folders(ctx, v, id); err != nil {
		return d, err
	}
	if d.Messages, err = h.store.Messages(ctx, v, id); err != nil {
		return d, err
	}
	return d, nil
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
	return h.render(c, "client/matter", "", d.Matter.Description, d)
}

// clientMessage posts a message to the firm.
func (h *handler) clientMessage(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	if body == "" || len(body) > 10000 {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Write a message of up to 10,000 characters.")
	}
	if _, err := h.store.AddMessage(c.UserContext(), v, id, body); err != nil {
		return storeErr(err)
	}
	if isHTMX(c) {
		d, err := h.loadMatter(c, v, id)
		if err != nil {
			return err
		}
		return c.Render("client/matter#messages", h.page(c, "", d))
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
	return h.render(c, "client/matter", "documents", d.Matter.Description, d)
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
