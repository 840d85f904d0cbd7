// Package seed creates the demo firm that `make run` lets a newcomer log into.
package seed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/parleyhq/parley/shared/calendar"
	"github.com/parleyhq/parley/shared/config"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
)

// The demo accounts documentation and tests rely on.
const (
	DemoFirmSlug     = "demo"
	DemoAdminEmail   = "admin@demo.parley.test"
	DemoMemberEmail  = "paralegal@demo.parley.test"
	DemoClientEmail  = "client@demo.parley.test"
	DemoClientPhone  = "+14155550123"
	DemoRelatedEmail = "related@demo.parley.test"
	// The alternative contact details the demo firm's HELP reply gives.
	DemoTextingAltEmail = "office@demo.parley.test"
	DemoTextingAltPhone = "+14155550100"
)

// Demo creates the demo firm unless it exists, without texting. It is safe
// to run again.
func Demo(ctx context.Context, gdb *gorm.DB, store docstore.Store, log *slog.Logger) error {
	return DemoWithTexting(ctx, gdb, store, log, nil)
}

// DemoWithTexting creates the demo firm unless it exists and, when pool is
// not empty, turns texting on for it with the first pool number no other
// firm holds (an existing demo firm with texting off gets it too). It is
// safe to run again.
func DemoWithTexting(ctx context.Context, gdb *gorm.DB, store docstore.Store, log *slog.Logger, pool []config.PoolNumber) error {
	var existing models.Firm
	err := gdb.WithContext(ctx).Where("slug = ?", DemoFirmSlug).Take(&existing).Error
	if err == nil {
		log.Info("demo firm already present", "firm_id", existing.ID)
		return enableTexting(ctx, gdb, existing.ID, pool, log)
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("seed: look up demo firm: %w", err)
	}

	// Blobs first: the store is content-addressed, so re-running after a
	// failure rewrites the same keys and leaves nothing orphaned by name.
	letter, err := store.Put(ctx, bytes.NewReader(engagementLetterPDF()), 0)
	if err != nil {
		return fmt.Errorf("seed: store engagement letter: %w", err)
	}
	memo, err := store.Put(ctx, bytes.NewReader([]byte(internalMemo)), 0)
	if err != nil {
		return fmt.Errorf("seed: store memo: %w", err)
	}

	var firmID int64
	err = gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		firm := models.Firm{Slug: DemoFirmSlug, Name: "Demo Law LLP", TimeZone: DemoZone()}
		if err := tx.Create(&firm).Error; err != nil {
			return fmt.Errorf("firm: %w", err)
		}
		firmID = firm.ID
		admin := models.User{FirmID: firm.ID, Email: DemoAdminEmail, FirstName: "Avery", LastName: "Admin", Role: models.RoleAdmin, Active: true}
		member := models.User{FirmID: firm.ID, Email: DemoMemberEmail, FirstName: "Pat", LastName: "Paralegal", Role: models.RoleMember, Active: true}
		if err := tx.Create(&[]*models.User{&admin, &member}).Error; err != nil {
			return fmt.Errorf("users: %w", err)
		}
		invited := time.Now()
		client := models.Contact{
			FirmID: firm.ID, Kind: models.ContactPerson, FirstName: "Casey", LastName: "Client", Status: "client",
			PortalInvitedAt: &invited, // so the demo client can sign in at once
			Emails:          []models.ContactEmail{{FirmID: firm.ID, Address: DemoClientEmail, Label: "home", IsPrimary: true}},
			PhoneNumbers:    []models.ContactPhoneNumber{{FirmID: firm.ID, Number: DemoClientPhone, Label: "mobile", IsTexting: true}},
			Addresses:       []models.ContactAddress{{FirmID: firm.ID, Label: "home", Street: "500 Market St", City: "San Francisco", Province: "CA", PostalCode: "94105", Country: "USA"}},
		}
		related := models.Contact{
			FirmID: firm.ID, Kind: models.ContactPerson, FirstName: "Robin", LastName: "Related", Status: "active",
			Emails:       []models.ContactEmail{{FirmID: firm.ID, Address: DemoRelatedEmail, Label: "home", IsPrimary: true}},
			PhoneNumbers: []models.ContactPhoneNumber{{FirmID: firm.ID, Number: "+14155550124", Label: "mobile", IsTexting: true}},
		}
		if err := tx.Create(&[]*models.Contact{&client, &related}).Error; err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		matter := models.Matter{
			FirmID: firm.ID, Number: "00001", Description: "Casey Client v. Acme Insurance (car accident claim)",
			PracticeArea: "Personal injury", Status: "Discovery", StatusCategory: models.StatusOpen,
			ClientContactID: client.ID, PrimaryContactID: &client.ID, ResponsibleUserID: &admin.ID,
			Permission:   models.PermissionEveryone,
			ClientStatus: "We have filed your claim and are collecting records from the insurer.",
			NextSteps:    "Please send photos of the damage and any medical bills you receive.",
		}
		if err := tx.Create(&matter).Error; err != nil {
			return fmt.Errorf("matter: %w", err)
		}
		if err := tx.Create(&models.MatterRelatedContact{FirmID: firm.ID, MatterID: matter.ID, ContactID: related.ID, Relationship: "Spouse"}).Error; err != nil {
			return fmt.Errorf("related contact: %w", err)
		}
		shared := models.Folder{FirmID: firm.ID, MatterID: &matter.ID, Name: "Engagement", SharedWithClient: true, CreatedByUserID: &admin.ID}
		if err := tx.Create(&shared).Error; err != nil {
			return fmt.Errorf("folder: %w", err)
		}
		docs := []*models.Document{
			{FirmID: firm.ID, MatterID: &matter.ID, FolderID: &shared.ID, Name: "Engagement letter.pdf",
				SizeBytes: letter.Size, SHA256: letter.SHA256, MIMEType: letter.MIME, StorageKey: letter.Key,
				UploadedByUserID: &admin.ID, SharedWithClient: true},
			{FirmID: firm.ID, MatterID: &matter.ID, Name: "Internal case memo.txt",
				SizeBytes: memo.Size, SHA256: memo.SHA256, MIMEType: memo.MIME, StorageKey: memo.Key,
				UploadedByUserID: &member.ID, SharedWithClient: false},
		}
		if err := tx.Create(&docs).Error; err != nil {
			return fmt.Errorf("documents: %w", err)
		}
		welcome := models.PortalMessage{FirmID: firm.ID, MatterID: matter.ID, AuthorUserID: &admin.ID,
			Body: "Welcome to our client portal. You will find your engagement letter under Documents; send us the photos when you can."}
		if err := tx.Create(&welcome).Error; err != nil {
			return fmt.Errorf("message: %w", err)
		}
		note := models.Note{FirmID: firm.ID, MatterID: &matter.ID, AuthorUserID: &admin.ID, Subject: "Intake", Body: "Client prefers texts in the afternoon."}
		if err := tx.Create(&note).Error; err != nil {
			return fmt.Errorf("note: %w", err)
		}
		// Someone who asked for help through the firm's website, waiting
		// in the Inbox.
		lead := models.InboxLead{FirmID: firm.ID, FirstName: "Jordan", LastName: "Lee", Email: "jordan.lee@example.com",
			PhoneNumber: "+14155550142", FromMessage: "My landlord is keeping my deposit after I moved out. Can you help?",
			FromSource: "website_chat", State: models.LeadUntriaged}
		if err := tx.Create(&lead).Error; err != nil {
			return fmt.Errorf("inbox lead: %w", err)
		}
		// An appointment the client attends, a week from now at 10 in the
		// firm's zone, so the calendar and the portal have one to show. No
		// text is planned about it: the demo sends nothing by itself.
		now := time.Now().In(calendar.Location(firm.TimeZone))
		start := time.Date(now.Year(), now.Month(), now.Day()+7, 10, 0, 0, 0, now.Location())
		meeting := models.Event{FirmID: firm.ID, MatterID: &matter.ID, Title: "Meeting to review the claim", StartsAt: start,
			EndsAt: start.Add(time.Hour), Location: "Demo Law LLP, 100 Main St", CreatedByUserID: &admin.ID}
		if err := tx.Create(&meeting).Error; err != nil {
			return fmt.Errorf("event: %w", err)
		}
		attendees := []models.EventAttendee{{FirmID: firm.ID, EventID: meeting.ID, UserID: &admin.ID},
			{FirmID: firm.ID, EventID: meeting.ID, ContactID: &client.ID}}
		if err := tx.Create(&attendees).Error; err != nil {
			return fmt.Errorf("attendees: %w", err)
		}
		log.Info("seeded demo firm", "firm_id", firm.ID, "admin", DemoAdminEmail, "client", DemoClientEmail)
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: demo: %w", err)
	}
	return enableTexting(ctx, gdb, firmID, pool, log)
}

// enableTexting gives the demo firm a number from pool unless texting is
// already on, so a re-run never moves a firm to another number.
func enableTexting(ctx context.Context, gdb *gorm.DB, firmID int64, pool []config.PoolNumber, log *slog.Logger) error {
	if len(pool) == 0 {
		return nil
	}
	err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var firm models.Firm
		// Locked so two seeders at once cannot both pick a number.
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", firmID).Take(&firm).Error; err != nil {
			return fmt.Errorf("look up firm: %w", err)
		}
		if firm.TextingEnabled {
			return nil
		}
		var taken []string
		if err := tx.Model(&models.Firm{}).Where("id <> ? AND texting_number IS NOT NULL", firmID).
			Pluck("texting_number", &taken).Error; err != nil {
			return fmt.Errorf("numbers in use: %w", err)
		}
		inUse := make(map[string]bool, len(taken))
		for _, n := range taken {
			inUse[n] = true
		}
		for _, n := range pool {
			if inUse[n.Number] {
				continue
			}
			updates := map[string]any{"texting_enabled": true, "texting_number": n.Number, "texting_dialect": n.Dialect}
			if firm.TextingAltEmail == "" {
				updates["texting_alt_email"] = DemoTextingAltEmail
			}
			if firm.TextingAltPhone == "" {
				updates["texting_alt_phone"] = DemoTextingAltPhone
			}
			if firm.ReminderDays == 0 {
				// So an event made in the demo shows a reminder planned.
				updates["reminder_days"] = 1
			}
			if err := tx.Model(&models.Firm{}).Where("id = ?", firmID).Updates(updates).Error; err != nil {
				return fmt.Errorf("turn texting on: %w", err)
			}
			log.Info("texting turned on for the demo firm", "firm_id", firmID, "number", n.Number, "dialect", n.Dialect)
			return nil
		}
		log.Warn("texting left off for the demo firm: every pool number belongs to another firm", "firm_id", firmID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("seed: demo texting: %w", err)
	}
	return nil
}

const internalMemo = "Internal memo (not shared with the client)\n\nLiability looks clear; insurer has 30 days to respond.\n"

// engagementLetterPDF returns a small, valid one-page PDF so the demo has a
// real document to open inline.
func engagementLetterPDF() []byte {
	text := "BT /F1 14 Tf 72 720 Td (Demo Law LLP - Engagement letter) Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// DemoZone is the demo firm's time zone: the machine's own, so that a
// newcomer trying calendar texts in their daytime is not held up by the
// firm's quiet hours (21:00–08:00 firm time). America/Los_Angeles when the
// machine's zone cannot be named.
func DemoZone() string {
	name := strings.TrimPrefix(os.Getenv("TZ"), ":")
	if name == "" {
		// /etc/localtime links into the zone database on Linux and macOS.
		if target, err := os.Readlink("/etc/localtime"); err == nil {
			if _, after, ok := strings.Cut(target, "zoneinfo/"); ok {
				name = after
			}
		}
	}
	if name == "" || name == "Local" {
		return "America/Los_Angeles"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "America/Los_Angeles"
	}
	return name
}
