package web

import (
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/portal"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/tasks"
)

func (h *handler) staffMatterData(c *fiber.Ctx, v store.Viewer, id int64) (matterData, error) {
	d, err := h.loadMatter(c, v, id)
	if err != nil {
		return d, err
	}
	client, err := h.stores.Matters.ClientOf(c.UserContext(), v, d.Matter)
	if err != nil {
		return d, err
	}
	d.Client = client
	if d.Related, err = h.stores.Matters.RelatedContacts(c.UserContext(), v, d.Matter); err != nil {
		return d, err
	}
	m := d.Matter
	if d.Names, err = h.stores.Firms.Names(c.UserContext(), v, m.ResponsibleUserID, m.OriginatingUserID, m.CreatedByUserID, m.UpdatedByUserID); err != nil {
		return d, err
	}
	if m.PrimaryContactID != nil {
		primary, err := h.stores.Contacts.Contact(c.UserContext(), v, *m.PrimaryContactID)
		if err != nil {
			return d, err
		}
		d.PrimaryName = primary.Name()
	}
	d.Actions, err = h.stores.CustomActions.ForPage(c.UserContext(), v, models.UIMattersShow)
	return d, err
}

// staffMatter is the firm's view of a matter's client communication.
func (h *handler) staffMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := h.staffMatterData(c, viewer(session(c)), id)
	if err != nil {
		return err
	}
	return h.render(c, "staff/matter", "", d.Matter.Description, d)
}

// staffStatus sets the status and next steps the client reads.
func (h *handler) staffStatus(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	status, next := strings.TrimSpace(c.FormValue("client_status")), strings.TrimSpace(c.FormValue("next_steps"))
	if len(status) > 2000 || len(next) > 2000 {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Status and next steps are limited to 2,000 characters each.")
	}
	if err := h.stores.Matters.SetClientStatus(c.UserContext(), v, id, status, next); err != nil {
		return storeErr(err)
	}
	return h.staffRefresh(c, v, id, "status")
}

// staffRefresh answers an htmx action with the updated block, or a full
// page load with a redirect back to the matter.
func (h *handler) staffRefresh(c *fiber.Ctx, v store.Viewer, id int64, block string) error {
	if !isHTMX(c) {
		return redirect(c, fmt.Sprintf("/staff/matters/%d#%s", id, block))
	}
	d, err := h.staffMatterData(c, v, id)
	if err != nil {
		return err
	}
	return c.Render("staff/matter#"+block, h.page(c, "", d))
}

// staffMessage answers the client.
func (h *handler) staffMessage(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	body, err := messageBody(c)
	if err != nil {
		return err
	}
	m, err := h.stores.Matters.Matter(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	msg, err := h.stores.Portal.AddMessage(c.UserContext(), v, id, body)
	if err != nil {
		return storeErr(err)
	}
	h.notify(c, v, m, portal.Notice{Kind: "message", Summary: "A new message about " + m.Description, MessageID: msg.ID})
	return h.staffRefresh(c, v, id, "messages")
}

// staffUpload adds documents, shared with the client if asked.
func (h *handler) staffUpload(c *fiber.Ctx) error {
	v, m, err := h.matterParam(c)
	if err != nil {
		return err
	}
	id := m.ID
	res, err := h.receiveDocuments(c, v, id)
	if err != nil {
		return err
	}
	for _, d := range res.Sent {
		if d.SharedWithClient {
			h.notify(c, v, m, portal.Notice{Kind: "document", Summary: "New document: " + d.Name, DocumentID: d.ID})
		}
	}
	if res.Message {
		h.notify(c, v, m, portal.Notice{Kind: "message", Summary: "A new message about " + m.Description, MessageID: res.MessageID})
	}
	d, err := h.staffMatterData(c, v, id)
	if err != nil {
		return err
	}
	d.Result = &res
	if res.Error != "" || len(res.Refused) > 0 && len(res.Sent) == 0 {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.render(c, "staff/matter", "documents", d.Matter.Description, d)
}

// staffShareDocument shares or unshares one document with the client.
func (h *handler) staffShareDocument(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	share := c.FormValue("share") == "1"
	doc, err := h.stores.Documents.ShareDocument(c.UserContext(), v, id, share)
	if err != nil {
		return storeErr(err)
	}
	m, err := h.stores.Matters.Matter(c.UserContext(), v, *doc.MatterID)
	if err != nil {
		return storeErr(err)
	}
	if share {
		h.notify(c, v, m, portal.Notice{Kind: "document", Summary: "New document: " + doc.Name, DocumentID: doc.ID})
	}
	if !isHTMX(c) {
		return redirect(c, fmt.Sprintf("/staff/matters/%d#documents", m.ID))
	}
	d, err := h.staffMatterData(c, v, m.ID)
	if err != nil {
		return err
	}
	if share {
		d.Shared = &sharedItem{Name: doc.Name, UndoURL: fmt.Sprintf("/staff/documents/%d/share", doc.ID)}
	}
	return c.Render("staff/matter#documents", h.page(c, "", d))
}

// staffCreateFolder adds a folder to the matter.
func (h *handler) staffCreateFolder(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\") {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Give the folder a name (no slashes, up to 255 characters).")
	}
	share := c.FormValue("share") == "1"
	_, err = h.stores.Documents.CreateFolder(c.UserContext(), v, id, name, share)
	if errors.Is(err, documents.ErrDuplicate) {
		return fiber.NewError(fiber.StatusConflict, "This matter already has a folder with that name.")
	}
	if err != nil {
		return storeErr(err)
	}
	return h.staffRefresh(c, v, id, "documents")
}

// staffShareFolder shares or unshares a folder and everything in it.
func (h *handler) staffShareFolder(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	folderID, err := idParam(c, "folder")
	if err != nil {
		return err
	}
	share := c.FormValue("share") == "1"
	f, err := h.stores.Documents.ShareFolder(c.UserContext(), v, id, folderID, share)
	if err != nil {
		return storeErr(err)
	}
	if !share {
		return h.staffRefresh(c, v, id, "documents")
	}
	m, err := h.stores.Matters.Matter(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	h.notify(c, v, m, portal.Notice{Kind: "document", Summary: "New folder shared with you: " + f.Name, FolderID: f.ID})
	if !isHTMX(c) {
		return redirect(c, fmt.Sprintf("/staff/matters/%d#documents", id))
	}
	d, err := h.staffMatterData(c, v, id)
	if err != nil {
		return err
	}
	d.Shared = &sharedItem{Name: "the folder " + f.Name, UndoURL: fmt.Sprintf("/staff/matters/%d/folders/%d/share", id, f.ID)}
	return c.Render("staff/matter#documents", h.page(c, "", d))
}

// staffInvite emails the matter's client a portal invitation.
func (h *handler) staffInvite(c *fiber.Ctx) error {
	v, m, err := h.matterParam(c)
	if err != nil {
		return err
	}
	return h.invite(c, v, m.ClientContactID, fmt.Sprintf("/staff/matters/%d", m.ID))
}

// invite emails a contact a portal invitation at the address the form
// picked, which must be one of the contact's; back is where a page without
// htmx returns. The matter and the contact pages both invite through it.
func (h *handler) invite(c *fiber.Ctx, v store.Viewer, contactID int64, back string) error {
	email := store.NormalizeEmail(c.FormValue("email"))
	err := h.stores.Signin.Invite(c.UserContext(), v.FirmID, contactID, email)
	if errors.Is(err, signin.ErrNotContactEmail) {
		return fiber.NewError(fiber.StatusUnprocessableEntity,
			"That address is not one of the contact's email addresses. Choose one of theirs, or add it to the contact first.")
	}
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return c.SendString(`<p class="ok" role="status">Invitation sent to ` + html.EscapeString(email) + `.</p>`)
	}
	return redirect(c, back)
}

// staffDocument opens a document for a firm user.
func (h *handler) staffDocument(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	doc, err := h.stores.Documents.Document(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	return h.sendDocument(c, doc)
}

// notify records an item for the client's next email and schedules that
// email. A failure here must not undo what the firm user did, so it is
// logged; the notice row stays and is picked up by the next item's task.
func (h *handler) notify(c *fiber.Ctx, v store.Viewer, m matters.Row, notice portal.Notice) {
	ctx := c.UserContext()
	contactID, ok, err := h.stores.Portal.AddClientNotice(ctx, v, m, notice)
	if err == nil && ok {
		var t *asynq.Task
		if t, err = tasks.NewClientNotify(v.FirmID, contactID, h.now(), h.Config.NoticeBatchWindow); err == nil {
			err = h.Tasks.Enqueue(ctx, t)
		}
	}
	if err != nil {
		h.Log.ErrorContext(ctx, "could not schedule client notice", "err", err, "matter_id", m.ID)
	}
}
