package web

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
)

// followCustomAction is a click on an integration's link: it checks the
// user may see what the page showed (?subject=ID), mints the click's
// nonce and sends the browser to the integration with what it needs to
// call the API back as this user.
func (h *handler) followCustomAction(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	subject, err := strconv.ParseInt(c.Query("subject"), 10, 64)
	if err != nil || subject <= 0 {
		return fiber.ErrNotFound
	}
	v := viewer(session(c))
	ctx := c.UserContext()
	a, err := h.stores.CustomActions.Action(ctx, v, id)
	if err != nil {
		return storeErr(err)
	}
	var subjectURL string
	switch a.UIReference {
	case models.UIMattersShow:
		_, err = h.stores.Matters.Matter(ctx, v, subject)
		subjectURL = fmt.Sprintf("/api/v1/matters/%d", subject)
	case models.UIContactsShow:
		_, err = h.stores.Contacts.Contact(ctx, v, subject)
		subjectURL = fmt.Sprintf("/api/v1/contacts/%d", subject)
	case models.UIInboxLeadsShow:
		_, err = h.stores.InboxLeads.Lead(ctx, v, subject)
		subjectURL = fmt.Sprintf("/api/v1/inbox_leads/%d", subject)
	default:
		return fiber.ErrNotFound
	}
	if err != nil {
		return storeErr(err)
	}
	nonce, err := h.stores.CustomActions.Mint(ctx, v, a, h.now())
	if err != nil {
		return storeErr(err)
	}
	target, err := url.Parse(a.TargetURL)
	if err != nil {
		return fmt.Errorf("custom action %d: target: %w", a.ID, err)
	}
	q := target.Query()
	q.Set("custom_action_id", strconv.FormatInt(a.ID, 10))
	q.Set("user_id", strconv.FormatInt(v.UserID, 10))
	q.Set("subject_url", subjectURL)
	q.Set("custom_action_nonce", nonce)
	target.RawQuery = q.Encode()
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(target.String(), fiber.StatusSeeOther)
}
