package web

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/matters"
)

// firmSettingsData is Settings → Firm.
type firmSettingsData struct {
	Details firms.Details
	Zones   []zoneChoice
	Errors  store.FieldErrors
	Saved   bool
	// Areas are the firm's practice areas; AreaError what was wrong with
	// the one just added.
	Areas     []models.PracticeArea
	AreaError string
	// Example is the next matter's number by the format, for a client
	// named Lovelace.
	Example string
}

// firmSettings shows the firm's details to an administrator.
func (h *handler) firmSettings(c *fiber.Ctx) error {
	d, err := h.stores.Firms.Details(c.UserContext(), viewer(session(c)))
	if err != nil {
		return storeErr(err)
	}
	return h.renderFirmSettings(c, firmSettingsData{Details: d, Saved: c.Query("saved") == "1"})
}

func (h *handler) renderFirmSettings(c *fiber.Ctx, d firmSettingsData) error {
	d.Zones = zoneChoices(d.Details.TimeZone)
	areas, err := h.stores.Matters.PracticeAreas(c.UserContext(), viewer(session(c)))
	if err != nil {
		return err
	}
	d.Areas = areas
	d.Example = matters.FormatNumber(d.Details.MatterNumberFormat, 42, models.Contact{Kind: models.ContactPerson, LastName: "Lovelace"}, h.now().Year())
	return h.render(c, "staff/settings_firm", "form", "Firm settings", d)
}

// addPracticeArea adds a practice area to the firm's list.
func (h *handler) addPracticeArea(c *fiber.Ctx) error {
	v := viewer(session(c))
	err := h.stores.Matters.AddPracticeArea(c.UserContext(), v, c.FormValue("name"))
	var bad store.FieldErrors
	msg := ""
	switch {
	case errors.As(err, &bad):
		msg = bad["practice_area"]
	case errors.Is(err, matters.ErrAreaExists):
		msg = "The firm has that practice area already."
	case err != nil:
		return formErr(err)
	}
	if msg != "" {
		d, err := h.stores.Firms.Details(c.UserContext(), v)
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderFirmSettings(c, firmSettingsData{Details: d, AreaError: msg})
	}
	return redirect(c, "/staff/settings/firm#practice-areas")
}

// removePracticeArea takes a practice area off the list.
func (h *handler) removePracticeArea(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := h.stores.Matters.RemovePracticeArea(c.UserContext(), viewer(session(c)), id); err != nil {
		return formErr(err)
	}
	return redirect(c, "/staff/settings/firm#practice-areas")
}

// firmSettingsSave saves the firm's details; a new time zone goes through
// the calendar settings, which re-plan reminders.
func (h *handler) firmSettingsSave(c *fiber.Ctx) error {
	v := viewer(session(c))
	in := firms.Details{
		Name: c.FormValue("name"), MatterNumberFormat: c.FormValue("matter_number_format"), TimeZone: c.FormValue("time_zone"),
		Street: c.FormValue("street"), City: c.FormValue("city"), Province: c.FormValue("province"),
		PostalCode: c.FormValue("postal_code"), Country: c.FormValue("country"),
		MainPhone: c.FormValue("main_phone"), MainEmail: c.FormValue("main_email"),
	}
	if _, bad := firms.CheckDetails(in); len(bad) > 0 {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderFirmSettings(c, firmSettingsData{Details: in, Errors: bad})
	}
	ctx := c.UserContext()
	cal, err := h.stores.Firms.CalendarSettings(ctx, v)
	if err != nil {
		return storeErr(err)
	}
	if err := h.stores.Firms.SaveDetails(ctx, v, in); err != nil {
		return formErr(err)
	}
	if cal.TimeZone != in.TimeZone {
		cal.TimeZone = in.TimeZone
		planned, err := h.stores.Events.SetCalendarSettings(ctx, v, cal)
		if err != nil {
			return formErr(err)
		}
		h.enqueuePlanned(c, v, planned)
	}
	return redirect(c, "/staff/settings/firm?saved=1")
}

// formErr maps a store's refusal to the status a form shows: 403 for what
// the viewer may not do, 422 for input to fix, 404 for what is not theirs.
func formErr(err error) error {
	var invalid *store.InvalidError
	var fields store.FieldErrors
	switch {
	case errors.Is(err, store.ErrForbidden):
		return fiber.NewError(fiber.StatusForbidden, "Only the firm's administrators can do that.")
	case errors.As(err, &invalid):
		return fiber.NewError(fiber.StatusUnprocessableEntity, invalid.Msg)
	case errors.As(err, &fields):
		return fiber.NewError(fiber.StatusUnprocessableEntity, fields.Error())
	}
	return storeErr(err)
}

// adminsOnly refuses, with 403, what only administrators may do.
func (h *handler) adminsOnly(c *fiber.Ctx) error {
	if s := session(c); s == nil || !s.Admin {
		return fiber.NewError(fiber.StatusForbidden, "Only the firm's administrators can do that.")
	}
	return c.Next()
}
