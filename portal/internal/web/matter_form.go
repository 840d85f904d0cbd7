package web

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/phone"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/inboxleads"
	"github.com/parleyhq/parley/shared/store/matters"
)

// staffMatters lists the matters the user may see, filtered by status,
// "my matters", practice area, client or a search.
func (h *handler) staffMatters(c *fiber.Ctx) error {
	f := matters.Filter{Query: c.Query("q"), Mine: c.Query("mine") == "1", PracticeArea: c.Query("area")}
	switch cat := models.StatusCategory(c.Query("status")); cat {
	case models.StatusOpen, models.StatusPending, models.StatusClosed:
		f.Category = cat
	}
	f.ClientID, _ = strconv.ParseInt(c.Query("client"), 10, 64)
	return h.matterList(c, "staff/matters", "Matters", f)
}

// fillMatterFilters adds the staff list's filter choices.
func (h *handler) fillMatterFilters(c *fiber.Ctx, v store.Viewer, d *mattersData) error {
	var err error
	if d.Areas, err = h.stores.Matters.PracticeAreas(c.UserContext(), v); err != nil {
		return err
	}
	d.Categories = []models.StatusCategory{models.StatusOpen, models.StatusPending, models.StatusClosed}
	if d.Filter.ClientID != 0 {
		client, err := h.stores.Contacts.Contact(c.UserContext(), v, d.Filter.ClientID)
		if err != nil {
			return storeErr(err)
		}
		d.ClientName = client.Name()
	}
	return nil
}

// matterFormData is the new or edit matter form.
type matterFormData struct {
	ID     int64 // 0 for a new matter
	Number string
	Input  matters.Input
	Errors store.FieldErrors
	// ClientName names the picked client (ClientID), for the form to show.
	ClientName, PrimaryName string
	// NewClient says the form shows the new client's fields.
	NewClient bool
	Users     []events.UserChoice
	Areas     []models.PracticeArea
	// Lead is the inbox lead the new matter is opened from.
	Lead *models.InboxLead
}

// Action is where the form posts.
func (d matterFormData) Action() string {
	if d.Lead != nil {
		return fmt.Sprintf("/staff/inbox/%d/convert", d.Lead.ID)
	}
	if d.ID == 0 {
		return "/staff/matters"
	}
	return fmt.Sprintf("/staff/matters/%d", d.ID)
}

// Permits says whether user id is listed on the matter.
func (d matterFormData) Permits(id int64) bool {
	for _, u := range d.Input.UserIDs {
		if u == id {
			return true
		}
	}
	return false
}

// newMatter shows an empty form; ?client= picks its client.
func (h *handler) newMatter(c *fiber.Ctx) error {
	v := viewer(session(c))
	in := matters.Input{Category: models.StatusOpen, Permission: models.PermissionEveryone, ResponsibleUserID: v.UserID,
		OpenedOn: h.now().Format("2006-01-02")}
	in.ClientID, _ = strconv.ParseInt(c.Query("client"), 10, 64)
	d := matterFormData{Input: in, NewClient: c.Query("new_client") == "1"}
	return h.renderMatterForm(c, d, fiber.StatusOK)
}

// editMatter shows the form filled with a matter.
func (h *handler) editMatter(c *fiber.Ctx) error {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := h.stores.Matters.Matter(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	in, err := h.stores.Matters.InputOf(c.UserContext(), v, m)
	if err != nil {
		return err
	}
	return h.renderMatterForm(c, matterFormData{ID: id, Number: m.Number, Input: in}, fiber.StatusOK)
}

func (h *handler) renderMatterForm(c *fiber.Ctx, d matterFormData, status int) error {
	v := viewer(session(c))
	ctx := c.UserContext()
	var err error
	if d.Users, err = h.stores.Events.UserChoices(ctx, v); err != nil {
		return err
	}
	if d.Areas, err = h.stores.Matters.PracticeAreas(ctx, v); err != nil {
		return err
	}
	for _, p := range []struct {
		id   int64
		name *string
	}{{d.Input.ClientID, &d.ClientName}, {d.Input.PrimaryContactID, &d.PrimaryName}} {
		if p.id == 0 {
			continue
		}
		if ct, err := h.stores.Contacts.Contact(ctx, v, p.id); err == nil {
			*p.name = ct.Name()
		}
	}
	if d.Input.NewClient == nil && d.NewClient {
		d.Input.NewClient = &contacts.Input{Kind: models.ContactPerson}
	}
	if d.Input.NewClient != nil {
		d.NewClient = true
		nc := withBlankRows(*d.Input.NewClient)
		nc.Addresses = nil
		d.Input.NewClient = &nc
	}
	title := "New matter"
	if d.Lead != nil {
		title = "Open a matter for " + d.Lead.Name()
	}
	if d.ID != 0 {
		title = "Edit " + d.Number
	}
	c.Status(status)
	return h.render(c, "staff/matter_form", "form", title, d)
}

// createMatter opens a matter from the form.
func (h *handler) createMatter(c *fiber.Ctx) error { return h.saveMatter(c, 0, nil) }

// lead loads the inbox lead of the route, refusing one already converted.
func (h *handler) lead(c *fiber.Ctx) (*models.InboxLead, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	l, err := h.stores.InboxLeads.Lead(c.UserContext(), viewer(session(c)), id)
	if err != nil {
		return nil, storeErr(err)
	}
	if l.State == models.LeadConverted {
		return nil, fiber.NewError(fiber.StatusConflict, "This lead is already converted to a matter.")
	}
	return &l, nil
}

// convertLeadForm is the new-matter form for an inbox lead, its new client
// filled in from the lead (or, by the usual picker, an existing contact).
func (h *handler) convertLeadForm(c *fiber.Ctx) error {
	l, err := h.lead(c)
	if err != nil {
		return err
	}
	v := viewer(session(c))
	nc := contacts.Input{Kind: models.ContactPerson, FirstName: l.FirstName, LastName: l.LastName}
	if l.Email != "" {
		nc.Emails = []contacts.EmailInput{{Address: l.Email, Primary: true}}
	}
	if l.PhoneNumber != "" {
		nc.Phones = []contacts.PhoneInput{{Number: phone.Display(l.PhoneNumber, ""), Label: "mobile", Primary: true, Texting: true}}
	}
	in := matters.Input{Category: models.StatusOpen, Permission: models.PermissionEveryone, ResponsibleUserID: v.UserID,
		OpenedOn: h.now().Format("2006-01-02"), NewClient: &nc}
	return h.renderMatterForm(c, matterFormData{Input: in, NewClient: true, Lead: l}, fiber.StatusOK)
}

// convertLead opens the matter of an inbox lead.
func (h *handler) convertLead(c *fiber.Ctx) error {
	l, err := h.lead(c)
	if err != nil {
		return err
	}
	return h.saveMatter(c, 0, l)
}

// updateMatter saves a matter's edit form.
func (h *handler) updateMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return h.saveMatter(c, id, nil)
}

// saveMatter saves the form: a new matter (id 0), perhaps from an inbox
// lead, or an existing one.
func (h *handler) saveMatter(c *fiber.Ctx, id int64, lead *models.InboxLead) error {
	v := viewer(session(c))
	in := readMatterForm(c)
	d := matterFormData{ID: id, Input: in, NewClient: in.NewClient != nil, Lead: lead}
	if id != 0 {
		m, err := h.stores.Matters.Matter(c.UserContext(), v, id)
		if err != nil {
			return storeErr(err)
		}
		d.Number = m.Number
	}
	switch c.FormValue("redraw") {
	case "new_client", "pick_client", "kind":
		if c.FormValue("redraw") == "pick_client" {
			d.Input.NewClient, d.NewClient = nil, false
		} else if d.Input.NewClient == nil {
			d.Input.NewClient = &contacts.Input{Kind: models.ContactPerson}
		}
		return h.renderMatterForm(c, d, fiber.StatusOK)
	}
	var err error
	switch {
	case lead != nil:
		id, err = h.stores.InboxLeads.Convert(c.UserContext(), v, lead.ID, in, h.now())
	case id == 0:
		var m matters.Row
		m, err = h.stores.Matters.Create(c.UserContext(), v, in, h.now())
		id = m.ID
	default:
		err = h.stores.Matters.Update(c.UserContext(), v, id, in, h.now())
	}
	var bad store.FieldErrors
	switch {
	case errors.As(err, &bad):
		d.Errors = bad
		return h.renderMatterForm(c, d, fiber.StatusUnprocessableEntity)
	case errors.Is(err, inboxleads.ErrConverted):
		return fiber.NewError(fiber.StatusConflict, "This lead is already converted to a matter.")
	case errors.Is(err, matters.ErrNumberTaken):
		return fiber.NewError(fiber.StatusUnprocessableEntity,
			"The firm's matter number format gives this matter a number already taken; change the format under Settings → Firm.")
	case err != nil:
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/matters/%d", id))
}

// readMatterForm reads the matter form; a new client's fields come under
// new_client_*.
func readMatterForm(c *fiber.Ctx) matters.Input {
	// A contact picked from a search comes after the one chosen before,
	// so the last value of a field wins.
	num := func(name string) int64 {
		var n int64
		for _, raw := range c.Request().PostArgs().PeekMulti(name) {
			n, _ = strconv.ParseInt(string(raw), 10, 64)
		}
		return n
	}
	in := matters.Input{
		Description: c.FormValue("description"), PracticeArea: c.FormValue("practice_area"), Status: c.FormValue("status"),
		Category: models.StatusCategory(c.FormValue("category")), ClientID: num("client_id"),
		PrimaryContactID: num("primary_contact_id"), ResponsibleUserID: num("responsible"), OriginatingID: num("originating"),
		OpenedOn: c.FormValue("opened_on"), PendingOn: c.FormValue("pending_on"), ClosedOn: c.FormValue("closed_on"),
		Location: c.FormValue("location"), Permission: models.Permission(c.FormValue("permission")),
		ProjectedValue: c.FormValue("projected_value"), HiredOn: c.FormValue("hired_on"), FirstLetterOn: c.FormValue("first_letter_on"),
	}
	for _, raw := range c.Request().PostArgs().PeekMulti("users") {
		if id, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			in.UserIDs = append(in.UserIDs, id)
		}
	}
	if c.FormValue("new_client") == "1" {
		nc := contacts.Input{Kind: models.ContactKind(c.FormValue("new_client_kind")), FirstName: c.FormValue("new_client_first_name"),
			LastName: c.FormValue("new_client_last_name"), CompanyName: c.FormValue("new_client_company_name")}
		if e := c.FormValue("new_client_email"); e != "" {
			nc.Emails = []contacts.EmailInput{{Address: e, Primary: true}}
		}
		if p := c.FormValue("new_client_phone"); p != "" {
			nc.Phones = []contacts.PhoneInput{{Number: p, Label: "mobile", Primary: true, Texting: c.FormValue("new_client_texting") == "1"}}
		}
		in.NewClient, in.ClientID = &nc, 0
	}
	return in
}

// matterContactChoices answers the matter form's contact searches with
// radio buttons named by ?field (client_id or primary_contact_id).
func (h *handler) matterContactChoices(c *fiber.Ctx) error {
	field := c.Query("field")
	if field != "client_id" && field != "primary_contact_id" && field != "contact_id" {
		return fiber.ErrNotFound
	}
	// Each search box has its own name, so the form posts none as "q".
	q := c.Query("q", c.Query("client_q", c.Query("primary_q")))
	found, err := h.stores.Contacts.Search(c.UserContext(), viewer(session(c)), q, pickerSize)
	if err != nil {
		return err
	}
	return c.Render("staff/matter_form#choices", h.page(c, "", map[string]any{"Found": found, "Query": q, "Field": field}))
}

// relateToMatter adds a related contact with a role.
func (h *handler) relateToMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	contactID, _ := strconv.ParseInt(c.FormValue("contact_id"), 10, 64)
	err = h.stores.Matters.Relate(c.UserContext(), viewer(session(c)), id, contactID, c.FormValue("role"))
	switch {
	case errors.Is(err, matters.ErrAlreadyRelated):
		return fiber.NewError(fiber.StatusUnprocessableEntity, "That contact is on the matter already.")
	case err != nil:
		return formErr(err) // field errors are a 422 too
	}
	return redirect(c, fmt.Sprintf("/staff/matters/%d#people", id))
}

// unrelateFromMatter takes a related contact off the matter.
func (h *handler) unrelateFromMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	contactID, err := idParam(c, "contact")
	if err != nil {
		return err
	}
	if err := h.stores.Matters.Unrelate(c.UserContext(), viewer(session(c)), id, contactID); err != nil {
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/matters/%d#people", id))
}
