package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/firms"
)

// textingSettingsData is Settings → Text messaging.
type textingSettingsData struct {
	Settings firms.TextingSettings
	// Available is how many pool numbers exist at all; 0 means texting
	// cannot be turned on until the operator configures some.
	Available int
	AltEmail  string
	AltPhone  string
	Error     string
	Notice    string

	Calendar  firms.CalendarSettings
	Zones     []zoneChoice
	Reminders []reminderChoice
	// Templates are the fixed calendar texts, shown read-only.
	Templates []templateSample
}

// notificationsData is Settings → Notifications.
type notificationsData struct {
	TextBadge bool
	Notice    string
}

var settingsNotices = map[string]string{
	"on":       "Texting is on.",
	"off":      "Texting is off. The number went back to the pool; your firm's texts are kept.",
	"details":  "Your details for clients are saved.",
	"badge":    "Your notification settings are saved.",
	"calendar": "Calendar settings are saved.",
}

// textingSettings shows the firm's texting state to an administrator.
func (h *handler) textingSettings(c *fiber.Ctx) error {
	return h.renderTextingSettings(c, "", "", "", settingsNotices[c.Query("done")])
}

func (h *handler) renderTextingSettings(c *fiber.Ctx, errMsg, email, phone, notice string) error {
	s := session(c)
	v := viewer(s)
	st, err := h.stores.Firms.Texting(c.UserContext(), v)
	if err != nil {
		return storeErr(err)
	}
	cs, err := h.stores.Firms.CalendarSettings(c.UserContext(), v)
	if err != nil {
		return storeErr(err)
	}
	firm := models.Firm{Name: s.FirmName, TimeZone: cs.TimeZone, FirmTexting: st.FirmTexting}
	d := textingSettingsData{Settings: st, Available: len(h.Config.TextingNumbers), Error: errMsg, Notice: notice,
		AltEmail: st.TextingAltEmail, AltPhone: st.TextingAltPhone,
		Calendar: cs, Zones: zoneChoices(cs.TimeZone), Reminders: reminderChoices(), Templates: templateSamples(firm, h.now())}
	if errMsg != "" {
		d.AltEmail, d.AltPhone = email, phone
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return h.render(c, "staff/settings_texting", "", "Text messaging", d)
}

// textingEnable turns texting on, assigning a number from the pool.
func (h *handler) textingEnable(c *fiber.Ctx) error {
	_, err := h.stores.Firms.EnableTexting(c.UserContext(), viewer(session(c)), h.Config.TextingNumbers)
	if errors.Is(err, firms.ErrNoTextingNumber) {
		return h.renderTextingSettings(c, "No texting number is available; the operator must add one to TEXTING_NUMBERS.", "", "", "")
	}
	if err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/texting?done=on")
}

// textingDisable turns texting off and releases the number.
func (h *handler) textingDisable(c *fiber.Ctx) error {
	if err := h.stores.Firms.DisableTexting(c.UserContext(), viewer(session(c))); err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/texting?done=off")
}

// textingDetails saves the alternative email and phone clients are given.
func (h *handler) textingDetails(c *fiber.Ctx) error {
	rawEmail, rawPhone := strings.TrimSpace(c.FormValue("alt_email")), strings.TrimSpace(c.FormValue("alt_phone"))
	email, phone, problem := textingDetails(rawEmail, rawPhone)
	if problem != "" {
		return h.renderTextingSettings(c, problem, rawEmail, rawPhone, "")
	}
	if err := h.stores.Firms.SetTextingDetails(c.UserContext(), viewer(session(c)), email, phone); err != nil {
		return storeErr(err)
	}
	return redirect(c, "/staff/settings/texting?done=details")
}

// textingDetails validates the alternative contact details; either may be
// empty. The phone is kept in E.164 like every other number.
func textingDetails(rawEmail, rawPhone string) (email, phone, problem string) {
	if rawEmail != "" {
		if email = store.NormalizeEmail(rawEmail); email == "" {
			return "", "", "Enter a valid email address, like office@example.com."
		}
	}
	if rawPhone != "" {
		var err error
		if phone, err = sms.NormalizeTextable(rawPhone); err != nil {
			return "", "", err.Error()
		}
	}
	return email, phone, ""
}

// notificationSettings shows the signed-in user's own notification settings.
func (h *handler) notificationSettings(c *fiber.Ctx) error {
	st, err := h.stores.Firms.Texting(c.UserContext(), viewer(session(c)))
	if err != nil {
		return storeErr(err)
	}
	return h.render(c, "staff/settings_notifications", "", "Notifications",
		notificationsData{TextBadge: st.TextBadge, Notice: settingsNotices[c.Query("done")]})
}

// notificationSave turns the user's unread-texts badge on or off.
func (h *handler) notificationSave(c *fiber.Ctx) error {
	if err := h.stores.Firms.SetTextBadge(c.UserContext(), viewer(session(c)), c.FormValue("text_badge") == "1"); err != nil {
		return storeErr(err)
	}
	// The form sits on two pages; go back to the one it came from.
	back := "/staff/settings/notifications"
	if c.FormValue("back") == "texting" {
		back = "/staff/settings/texting"
	}
	return redirect(c, back+"?done=badge")
}
