package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/inboxleads"
)

// inboxData is the Inbox: a state's leads, newest first.
type inboxData struct {
	State models.LeadState
	Query string
	Leads []models.InboxLead
	More  more
}

// inbox lists the firm's untriaged (or ignored) leads, searchable.
func (h *handler) inbox(c *fiber.Ctx) error {
	state := models.LeadUntriaged
	if c.Query("state") == string(models.LeadIgnored) {
		state = models.LeadIgnored
	}
	page, err := h.stores.InboxLeads.Page(c.UserContext(), viewer(session(c)), state, c.Query("q"), c.Query("after"))
	if err != nil {
		return pageErr(err)
	}
	d := inboxData{State: state, Query: c.Query("q"), Leads: page.Items, More: more{URL: pageURL(c, "after", page.Next), Cols: 4}}
	if nextPage(c, "after") {
		return c.Render("staff/inbox#rows", h.page(c, "", d))
	}
	return h.render(c, "staff/inbox", "", "Inbox", d)
}

// leadData is a lead's page.
type leadData struct {
	Lead models.InboxLead
	// Texts are the texts the lead's number sent, newest first.
	Texts   []models.UnknownText
	Actions []models.CustomAction
	Notice  string
}

// inboxLead is one lead: who, what they wrote, and what to do with it.
func (h *handler) inboxLead(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	ctx := c.UserContext()
	d := leadData{}
	if d.Lead, err = h.stores.InboxLeads.Lead(ctx, v, id); err != nil {
		return storeErr(err)
	}
	if d.Lead.FromSource == models.LeadFromText {
		if d.Texts, err = h.stores.Texting.UnknownFrom(ctx, v, d.Lead.PhoneNumber, 20); err != nil {
			return err
		}
	}
	if d.Actions, err = h.stores.CustomActions.ForPage(ctx, v, models.UIInboxLeadsShow); err != nil {
		return err
	}
	switch c.Query("done") {
	case "ignored":
		d.Notice = "Ignored: the lead is under Ignored, where it can be restored."
	case "restored":
		d.Notice = "Restored to the Inbox."
	}
	return h.render(c, "staff/inbox_lead", "", d.Lead.Name(), d)
}

// setLeadState ignores a lead or restores it to the Inbox.
func (h *handler) setLeadState(state models.LeadState, done string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		err = h.stores.InboxLeads.SetState(c.UserContext(), viewer(session(c)), id, state)
		if errors.Is(err, inboxleads.ErrConverted) {
			return fiber.NewError(fiber.StatusConflict, "This lead is already converted to a matter.")
		}
		if err != nil {
			return storeErr(err)
		}
		return redirect(c, fmt.Sprintf("/staff/inbox/%d?done=%s", id, done))
	}
}
