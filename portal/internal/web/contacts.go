package web

import (
	"fmt"
	"html/template"

	"github.com/gofiber/fiber/v2"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// contactsData is a page of the contact list and the search that made it.
type contactsData struct {
	Query string
	Kind  models.ContactKind
	// Rows are the list's rows (see contactRows).
	Rows template.HTML
	More more
	// Count is how many contacts the list holds; Capped says "more than".
	Count  int
	Capped bool
	Notice string
}

// staffContacts lists the firm's contacts, or those a search or the kind
// filter finds, a page at a time; a search typed on the page swaps only the
// list, and "Show more" only the next rows.
func (h *handler) staffContacts(c *fiber.Ctx) error {
	v := viewer(session(c))
	f := contacts.Filter{Query: c.Query("q")}
	if k := models.ContactKind(c.Query("kind")); k == models.ContactPerson || k == models.ContactCompany {
		f.Kind = k
	}
	page, err := h.stores.Contacts.List(c.UserContext(), v, f, c.Query("after"))
	if err != nil {
		return pageErr(err)
	}
	d := contactsData{Query: f.Query, Kind: f.Kind, Rows: contactRows(page.Items),
		More: more{URL: pageURL(c, "after", page.Next), Cols: 4}}
	if nextPage(c, "after") {
		return c.Render("staff/contacts#rows", h.page(c, "", d))
	}
	if d.Count, d.Capped, err = h.stores.Contacts.Count(c.UserContext(), v, f); err != nil {
		return err
	}
	if c.Query("done") == "deleted" {
		d.Notice = "The contact is deleted."
	}
	return h.render(c, "staff/contacts", "list", "Contacts", d)
}

// staffContact is a contact's page: details, matters, related contacts,
// portal access and their Communications.
func (h *handler) staffContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	p, err := h.stores.Pages.Contact(c.UserContext(), viewer(session(c)), id)
	if err != nil {
		return storeErr(err)
	}
	return h.render(c, "staff/contact", "", p.Contact.Name(), p)
}

// staffContactInvite invites the contact to the portal, as the matter
// page does for its client.
func (h *handler) staffContactInvite(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	// Links.Invite scopes to the firm too, but answers "not one of the
	// contact's addresses" for an unknown contact; here that is a 404.
	if _, err := h.stores.Contacts.Contact(c.UserContext(), v, id); err != nil {
		return storeErr(err)
	}
	return h.invite(c, v, id, fmt.Sprintf("/staff/contacts/%d#portal-access", id))
}
