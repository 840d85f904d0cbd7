package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// unknownTextsData lists texts from numbers that are no contact.
type unknownTextsData struct {
	Texts []models.UnknownText
	More  more
}

// staffUnknownTexts shows administrators the texts kept out of
// conversations because no contact has the sender's number, a page at a time.
func (h *handler) staffUnknownTexts(c *fiber.Ctx) error {
	page, err := h.stores.Texting.UnknownTexts(c.UserContext(), viewer(session(c)), c.Query("after"))
	if err != nil {
		return pageErr(err)
	}
	d := unknownTextsData{Texts: page.Items, More: more{URL: pageURL(c, "after", page.Next)}}
	if nextPage(c, "after") {
		return c.Render("staff/texts_unknown#rows", h.page(c, "", d))
	}
	return h.render(c, "staff/texts_unknown", "", "Texts from unknown numbers", d)
}

// staffUnknownToContact makes the sender a contact, in one step, and opens
// their conversation.
func (h *handler) staffUnknownToContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	first, last := strings.TrimSpace(c.FormValue("first_name")), strings.TrimSpace(c.FormValue("last_name"))
	if first == "" && last == "" || len(first) > 100 || len(last) > 100 {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "Give the contact a first or last name (up to 100 characters each).")
	}
	contact, err := h.stores.Texting.ContactFromUnknown(c.UserContext(), viewer(session(c)), id, first, last)
	if errors.Is(err, contacts.ErrNotE164) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "This sender's number cannot be saved on a contact.")
	}
	if err != nil {
		return storeErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/texts/contacts/%d", contact.ID))
}

// staffUnknownDismiss takes the sender's open texts out of the badge and off
// the top of Communications (spam, a wrong number); they stay listed.
func (h *handler) staffUnknownDismiss(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.stores.Texting.DismissUnknown(c.UserContext(), viewer(session(c)), id); err != nil {
		return storeErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/texts/unknown#unknown-%d", id))
}
