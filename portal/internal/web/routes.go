package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/auth"
	"github.com/parleyhq/parley/portal/internal/oauth"
	"github.com/parleyhq/parley/shared/models"
)

// maxUploadFiles is how many files one "send documents" may carry.
const maxUploadFiles = 20

// routes lists every route of the portal in one place.
func (h *handler) routes(app *fiber.App) {
	app.Use(h.loadSession, h.csrf)

	app.Get("/", h.home)
	app.Get("/api/docs", h.apiDocs)
	app.Get("/login", h.loginForm)
	app.Post("/login", h.loginRequest)
	app.Get("/login/sent", h.loginSent)
	app.Get("/login/link/:token", h.linkPage)
	app.Post("/login/link", h.linkUse)
	app.Post("/logout", h.logout)
	app.Post("/session/keepalive", h.require(auth.KindClient, auth.KindUser), h.keepalive)
	if h.Config.Dev() {
		app.Get("/dev/mail", h.devMail)
	}

	client := app.Group("/portal", h.require(auth.KindClient))
	client.Get("/", h.clientMatters)
	client.Get("/matters/:id", h.clientMatter)
	client.Post("/matters/:id/messages", h.clientMessage)
	client.Get("/matters/:id/messages", h.matterMore("client/matter", "messages"))
	client.Get("/matters/:id/documents", h.matterMore("client/matter", "documents"))
	client.Get("/documents/:id", h.clientDocument)
	client.Get("/documents/:id/view", h.clientDocumentView)
	client.Get("/events/:id/calendar.ics", h.clientEventICS)

	// Before the staff group: signed out, it keeps the page to come back to.
	app.Get(oauth.ConsentPath, h.oauthConsent)
	staff := app.Group("/staff", h.require(auth.KindUser))
	staff.Post("/oauth/consent", h.oauthDecide)
	staff.Get("/", h.staffMatters)
	staff.Get("/matters", h.staffMatters)
	staff.Get("/matters/new", h.newMatter)
	staff.Post("/matters", h.createMatter)
	staff.Get("/matters/contact-choices", h.matterContactChoices)
	staff.Get("/matters/:id", h.staffMatter)
	staff.Get("/matters/:id/edit", h.editMatter)
	staff.Post("/matters/:id", h.updateMatter)
	staff.Post("/matters/:id/related", h.relateToMatter)
	staff.Post("/matters/:id/related/:contact/delete", h.unrelateFromMatter)
	staff.Get("/matters/:id/notes", h.notesList(true))
	staff.Post("/matters/:id/notes", h.addNote(true))
	staff.Get("/contacts/:id/notes", h.notesList(false))
	staff.Post("/contacts/:id/notes", h.addNote(false))
	staff.Get("/notes/:id/edit", h.editNote)
	staff.Post("/notes/:id", h.updateNote)
	staff.Post("/notes/:id/delete", h.deleteNote)
	staff.Post("/matters/:id/status", h.staffStatus)
	staff.Post("/matters/:id/messages", h.staffMessage)
	staff.Get("/matters/:id/messages", h.matterMore("staff/matter", "messages"))
	staff.Get("/matters/:id/documents", h.matterMore("staff/matter", "documents"))
	staff.Post("/matters/:id/folders", h.staffCreateFolder)
	staff.Post("/matters/:id/folders/:folder/share", h.staffShareFolder)
	staff.Post("/matters/:id/invite", h.staffInvite)
	staff.Post("/documents/:id/share", h.staffShareDocument)
	staff.Get("/documents/:id", h.staffDocument)
	staff.Get("/contacts", h.staffContacts)
	staff.Get("/contacts/new", h.newContact)
	staff.Post("/contacts", h.createContact)
	staff.Get("/contacts/import", h.contactImportForm)
	staff.Post("/contacts/import", h.contactImportUpload)
	staff.Get("/contacts/import/:id", h.contactImport)
	staff.Post("/contacts/import/:id/confirm", h.contactImportConfirm)
	staff.Get("/contacts/:id", h.staffContact)
	staff.Get("/custom-actions/:id", h.followCustomAction)
	staff.Get("/inbox", h.inbox)
	staff.Get("/inbox/:id", h.inboxLead)
	staff.Post("/inbox/:id/ignore", h.setLeadState(models.LeadIgnored, "ignored"))
	staff.Post("/inbox/:id/restore", h.setLeadState(models.LeadUntriaged, "restored"))
	staff.Get("/inbox/:id/convert", h.convertLeadForm)
	staff.Post("/inbox/:id/convert", h.convertLead)
	staff.Get("/contacts/:id/edit", h.editContact)
	staff.Post("/contacts/:id", h.updateContact)
	staff.Get("/contacts/:id/delete", h.confirmDeleteContact)
	staff.Post("/contacts/:id/delete", h.deleteContact)
	staff.Post("/contacts/:id/archive", h.archiveContact)
	staff.Post("/contacts/:id/restore", h.restoreContact)
	staff.Post("/contacts/:id/relationships", h.relateContact)
	staff.Get("/contacts/:id/relationships/choices", h.relationshipChoices)
	staff.Post("/contacts/:id/relationships/:rel/delete", h.unrelateContact)
	staff.Post("/contacts/:id/invite", h.staffContactInvite)
	staff.Get("/matters/:id/texts", h.staffMatterTexts)
	staff.Get("/matters/:id/calendar", h.staffMatterCalendar)
	staff.Get("/calendar", h.staffCalendar)
	staff.Get("/calendar/new", h.staffEventNew)
	staff.Get("/calendar/contacts", h.staffEventContacts)
	staff.Get("/calendar/contacts/:id", h.staffEventContact)
	staff.Get("/calendar/matters", h.staffEventMatters)
	staff.Post("/calendar/events", h.staffEventCreate)
	staff.Get("/calendar/events/:id", h.staffEvent)
	staff.Get("/calendar/events/:id/edit", h.staffEventEdit)
	staff.Post("/calendar/events/:id", h.staffEventUpdate)
	staff.Post("/calendar/events/:id/cancel", h.staffEventCancel)
	staff.Get("/texts", h.staffTexts)
	staff.Get("/texts/badge", h.staffTextBadge)
	staff.Get("/texts/new", h.staffTextNew)
	staff.Get("/texts/unknown", h.adminOnly, h.staffUnknownTexts)
	staff.Post("/texts/unknown/:id/contact", h.adminOnly, h.staffUnknownToContact)
	staff.Post("/texts/unknown/:id/dismiss", h.adminOnly, h.staffUnknownDismiss)
	staff.Get("/texts/contacts/:id", h.staffTextThread)
	staff.Get("/texts/contacts/:id/messages", h.staffTextMessages)
	staff.Get("/texts/contacts/:id/older", h.staffTextOlder)
	staff.Post("/texts/contacts/:id", h.staffTextSend)
	staff.Post("/texts/:id/retry", h.staffTextRetry)
	staff.Get("/texts/media/:id", h.staffTextMedia)
	staff.Get("/settings", h.settingsHome)
	staff.Get("/settings/texting", h.adminOnly, h.textingSettings)
	staff.Post("/settings/texting/enable", h.adminOnly, h.textingEnable)
	staff.Post("/settings/texting/details", h.adminOnly, h.textingDetails)
	staff.Post("/settings/texting/disable", h.adminOnly, h.textingDisable)
	staff.Post("/settings/texting/calendar", h.adminOnly, h.calendarSettingsSave)
	staff.Get("/settings/firm", h.adminsOnly, h.firmSettings)
	staff.Post("/settings/firm", h.adminsOnly, h.firmSettingsSave)
	staff.Post("/settings/practice-areas", h.adminsOnly, h.addPracticeArea)
	staff.Post("/settings/practice-areas/:id/delete", h.adminsOnly, h.removePracticeArea)
	staff.Get("/settings/team", h.adminsOnly, h.team)
	staff.Post("/settings/team", h.adminsOnly, h.teamInvite)
	staff.Post("/settings/team/:id/role", h.adminsOnly, h.teamRole)
	staff.Post("/settings/team/:id/deactivate", h.adminsOnly, h.teamDeactivate)
	staff.Post("/settings/team/:id/reactivate", h.adminsOnly, h.teamReactivate)
	staff.Post("/settings/team/:id/resend", h.adminsOnly, h.teamResend)
	staff.Get("/profile", h.profile)
	staff.Post("/profile", h.profileSave)
	staff.Post("/profile/sign-out-everywhere", h.profileSignOutEverywhere)
	staff.Get("/settings/api-tokens", h.apiTokens)
	staff.Post("/settings/api-tokens", h.apiTokenCreate)
	staff.Post("/settings/api-tokens/:id/revoke", h.apiTokenRevoke)
	staff.Get("/settings/integrations", h.adminsOnly, h.integrations)
	staff.Post("/settings/integrations", h.adminsOnly, h.integrationCreate)
	staff.Post("/settings/integrations/:id/revoke", h.adminsOnly, h.integrationRevoke)
	staff.Get("/settings/notifications", h.notificationSettings)
	staff.Post("/settings/notifications", h.notificationSave)

	// Uploads, after their groups so the groups' sign-in checks run first.
	h.upload(app, "/portal/matters/:id/documents", h.clientUpload)
	h.upload(app, "/staff/matters/:id/documents", h.staffUpload)
}

// upload routes a streamed multipart upload, whose CSRF token is checked
// inside the body (see csrf).
func (h *handler) upload(app *fiber.App, pattern string, handler fiber.Handler) {
	h.uploads.add(pattern)
	app.Post(pattern, handler)
}

// adminOnly shows administrators' pages to administrators alone; to anyone
// else they do not exist.
func (h *handler) adminOnly(c *fiber.Ctx) error {
	if s := session(c); s == nil || !s.Admin {
		return fiber.ErrNotFound
	}
	return c.Next()
}
