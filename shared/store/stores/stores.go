// Package stores builds every store over one database, wired to each other
// where one domain's work calls another's (a Y/N text answers a calendar
// invitation).
package stores

import (
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/store/apitokens"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/customactions"
	"github.com/parleyhq/parley/shared/store/documents"
	"github.com/parleyhq/parley/shared/store/events"
	"github.com/parleyhq/parley/shared/store/firms"
	"github.com/parleyhq/parley/shared/store/imports"
	"github.com/parleyhq/parley/shared/store/inboxleads"
	"github.com/parleyhq/parley/shared/store/matters"
	"github.com/parleyhq/parley/shared/store/notes"
	"github.com/parleyhq/parley/shared/store/oauth"
	"github.com/parleyhq/parley/shared/store/outbox"
	"github.com/parleyhq/parley/shared/store/pages"
	"github.com/parleyhq/parley/shared/store/portal"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/store/texting"
)

// Set is every store.
type Set struct {
	Firms     *firms.Store
	Contacts  *contacts.Store
	Matters   *matters.Store
	Notes     *notes.Store
	Imports   *imports.Store
	Documents *documents.Store
	Portal    *portal.Store
	Texting   *texting.Store
	Events    *events.Store
	Outbox    *outbox.Store
	Signin    *signin.Store
	Pages     *pages.Store
	APITokens *apitokens.Store
	// CustomActions are integrations' links on staff pages.
	CustomActions *customactions.Store
	InboxLeads    *inboxleads.Store
	// OAuth is what the authorization server keeps.
	OAuth *oauth.Store
}

// New builds the stores over gdb.
func New(gdb *gorm.DB) *Set {
	s := &Set{
		Firms: &firms.Store{DB: gdb}, Contacts: &contacts.Store{DB: gdb}, Matters: &matters.Store{DB: gdb}, Notes: &notes.Store{DB: gdb}, Imports: &imports.Store{DB: gdb},
		Documents: &documents.Store{DB: gdb}, Portal: &portal.Store{DB: gdb}, Events: &events.Store{DB: gdb},
		Outbox: &outbox.Store{DB: gdb}, Signin: &signin.Store{DB: gdb}, Pages: &pages.Store{DB: gdb},
		APITokens: &apitokens.Store{DB: gdb}, CustomActions: &customactions.Store{DB: gdb}, OAuth: &oauth.Store{DB: gdb},
	}
	s.Texting = &texting.Store{DB: gdb, Replies: s.Events.Answer}
	// Converting a texter's lead gives their texts to the new client.
	s.InboxLeads = &inboxleads.Store{DB: gdb, LinkTexts: texting.LinkUnknownTx}
	return s
}
