package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// contactFormData is the new or edit contact form.
type contactFormData struct {
	ID     int64 // 0 for a new contact
	Name   string
	Input  contacts.Input
	Errors store.FieldErrors
	// Duplicates are other contacts with an email or number of this one;
	// the form then offers to save anyway.
	Duplicates []contacts.Duplicate
}

// Action is where the form posts.
func (d contactFormData) Action() string {
	if d.ID == 0 {
		return "/staff/contacts"
	}
	return fmt.Sprintf("/staff/contacts/%d", d.ID)
}

// newContact shows an empty form, for a person unless ?kind=company.
func (h *handler) newContact(c *fiber.Ctx) error {
	in := contacts.Input{Kind: models.ContactPerson}
	if c.Query("kind") == string(models.ContactCompany) {
		in.Kind = models.ContactCompany
	}
	return h.renderContactForm(c, contactFormData{Input: withBlankRows(in)}, fiber.StatusOK)
}

// editContact shows the form filled with a contact.
func (h *handler) editContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ct, err := h.stores.Contacts.Contact(c.UserContext(), viewer(session(c)), id)
	if err != nil {
		return storeErr(err)
	}
	return h.renderContactForm(c, contactFormData{ID: id, Name: ct.FullName(), Input: withBlankRows(contacts.InputOf(ct))}, fiber.StatusOK)
}

func (h *handler) renderContactForm(c *fiber.Ctx, d contactFormData, status int) error {
	title := "New contact"
	if d.ID != 0 {
		title = "Edit " + d.Name
	}
	c.Status(status)
	return h.render(c, "staff/contact_form", "form", title, d)
}

// createContact saves a new contact, or shows the form again: with a row
// added, with what to fix, or with the contacts it may duplicate.
func (h *handler) createContact(c *fiber.Ctx) error {
	return h.saveContact(c, 0)
}

// updateContact saves the edit form of a contact.
func (h *handler) updateContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return h.saveContact(c, id)
}

func (h *handler) saveContact(c *fiber.Ctx, id int64) error {
	v := viewer(session(c))
	in := readContactForm(c)
	d := contactFormData{ID: id, Input: in}
	if id != 0 {
		ct, err := h.stores.Contacts.Contact(c.UserContext(), v, id)
		if err != nil {
			return storeErr(err)
		}
		d.Name = ct.FullName()
	}
	// "Add an email" and a switch of kind only redraw the form.
	switch c.FormValue("redraw") {
	case "email":
		d.Input.Emails = append(d.Input.Emails, contacts.EmailInput{})
		return h.renderContactForm(c, d, fiber.StatusOK)
	case "phone":
		d.Input.Phones = append(d.Input.Phones, contacts.PhoneInput{})
		return h.renderContactForm(c, d, fiber.StatusOK)
	case "address":
		d.Input.Addresses = append(d.Input.Addresses, contacts.AddressInput{})
		return h.renderContactForm(c, d, fiber.StatusOK)
	case "kind":
		d.Input = withBlankRows(d.Input)
		return h.renderContactForm(c, d, fiber.StatusOK)
	}
	force := c.FormValue("force") == "1"
	var err error
	if id == 0 {
		var ct models.Contact
		ct, d.Duplicates, err = h.stores.Contacts.Create(c.UserContext(), v, in, force)
		id = ct.ID
	} else {
		d.Duplicates, err = h.stores.Contacts.Update(c.UserContext(), v, id, in, force)
	}
	var bad store.FieldErrors
	switch {
	case errors.As(err, &bad):
		d.Errors = bad
		return h.renderContactForm(c, d, fiber.StatusUnprocessableEntity)
	case errors.Is(err, contacts.ErrDuplicates):
		return h.renderContactForm(c, d, fiber.StatusUnprocessableEntity)
	case err != nil:
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/%d", id))
}

// readContactForm reads the contact form, its repeated rows in order.
func readContactForm(c *fiber.Ctx) contacts.Input {
	in := contacts.Input{
		Kind: models.ContactKind(c.FormValue("kind")), FirstName: c.FormValue("first_name"), MiddleName: c.FormValue("middle_name"),
		LastName: c.FormValue("last_name"), Title: c.FormValue("title"), CompanyName: c.FormValue("company_name"),
		Status: c.FormValue("status"),
	}
	args := c.Request().PostArgs()
	multi := func(name string) []string {
		var out []string
		for _, v := range args.PeekMulti(name) {
			out = append(out, string(v))
		}
		return out
	}
	index := func(name string) int {
		i, err := strconv.Atoi(c.FormValue(name))
		if err != nil {
			return -1
		}
		return i
	}
	labels, primary := multi("email_label"), index("email_primary")
	for i, a := range multi("email_address") {
		in.Emails = append(in.Emails, contacts.EmailInput{Address: a, Label: at(labels, i), Primary: i == primary})
	}
	labels, primary = multi("phone_label"), index("phone_primary")
	texting := index("phone_texting")
	for i, n := range multi("phone_number") {
		in.Phones = append(in.Phones, contacts.PhoneInput{Number: n, Label: at(labels, i), Primary: i == primary, Texting: i == texting})
	}
	labels = multi("address_label")
	streets, cities, provinces, codes, countries := multi("street"), multi("city"), multi("province"), multi("postal_code"), multi("country")
	for i := range streets {
		in.Addresses = append(in.Addresses, contacts.AddressInput{Label: at(labels, i), Street: streets[i], City: at(cities, i),
			Province: at(provinces, i), PostalCode: at(codes, i), Country: at(countries, i)})
	}
	return in
}

// at is s[i], or "" past its end (a row sent short).
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// withBlankRows gives each repeated part of the form one empty row to
// fill in, so a contact gets its first email without an extra step.
func withBlankRows(in contacts.Input) contacts.Input {
	if len(in.Emails) == 0 {
		in.Emails = []contacts.EmailInput{{Primary: true}}
	}
	if len(in.Phones) == 0 {
		in.Phones = []contacts.PhoneInput{{Label: "mobile", Primary: true}}
	}
	if len(in.Addresses) == 0 {
		in.Addresses = []contacts.AddressInput{{}}
	}
	return in
}

// contactDeleteData is the page that says, before it happens, whether a
// contact will be deleted or archived, and why.
type contactDeleteData struct {
	Contact models.Contact
	Usage   contacts.Usage
}

// confirmDeleteContact says what deleting the contact will do.
func (h *handler) confirmDeleteContact(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ct, err := h.stores.Contacts.Contact(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	u, err := h.stores.Contacts.Usage(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	return h.render(c, "staff/contact_delete", "", "Delete "+ct.Name(), contactDeleteData{Contact: ct, Usage: u})
}

// deleteContact deletes a contact nothing uses.
func (h *handler) deleteContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	err = h.stores.Contacts.Delete(c.UserContext(), viewer(session(c)), id)
	if errors.Is(err, contacts.ErrInUse) {
		return fiber.NewError(fiber.StatusUnprocessableEntity, "This contact is on matters, texts, documents, events or messages, so it can only be archived.")
	}
	if err != nil {
		return formErr(err)
	}
	return redirect(c, "/staff/contacts?done=deleted")
}

// archiveContact hides a contact from lists and pickers; restoreContact
// brings it back.
func (h *handler) archiveContact(c *fiber.Ctx) error { return h.setArchived(c, true) }

func (h *handler) restoreContact(c *fiber.Ctx) error { return h.setArchived(c, false) }

func (h *handler) setArchived(c *fiber.Ctx, archived bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.stores.Contacts.Archive(c.UserContext(), viewer(session(c)), id, archived); err != nil {
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/%d", id))
}

// relateContact links the contact to another with a label.
func (h *handler) relateContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	other, _ := strconv.ParseInt(c.FormValue("related_contact_id"), 10, 64)
	err = h.stores.Contacts.Relate(c.UserContext(), viewer(session(c)), id, other, c.FormValue("label"))
	switch {
	case errors.Is(err, contacts.ErrRelated):
		return fiber.NewError(fiber.StatusUnprocessableEntity, "These two contacts are already related.")
	case err != nil:
		return formErr(err) // field errors are a 422 too
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/%d#relationships", id))
}

// unrelateContact removes a relationship.
func (h *handler) unrelateContact(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rel, err := idParam(c, "rel")
	if err != nil {
		return err
	}
	if err := h.stores.Contacts.Unrelate(c.UserContext(), viewer(session(c)), id, rel); err != nil {
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/%d#relationships", id))
}

// relationshipChoices answers the relationship form's contact search.
func (h *handler) relationshipChoices(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	if _, err := h.stores.Contacts.Contact(c.UserContext(), v, id); err != nil {
		return storeErr(err)
	}
	found, err := h.stores.Contacts.Search(c.UserContext(), v, c.Query("q"), pickerSize)
	if err != nil {
		return err
	}
	kept := found[:0]
	for _, f := range found {
		if f.ID != id {
			kept = append(kept, f)
		}
	}
	return c.Render("staff/contact#relation-choices", h.page(c, "", map[string]any{"Found": kept, "Query": c.Query("q")}))
}
