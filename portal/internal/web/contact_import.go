package web

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/contactcsv"
	"github.com/parleyhq/parley/shared/store/imports"
	"github.com/parleyhq/parley/shared/tasks"
)

// maxImportBytes is the largest CSV file an import reads (50,000 rows of
// a wide Google export fit).
const maxImportBytes = 32 << 20

// importPreviewRows is how many rows of each kind the preview lists.
const importPreviewRows = 100

// importData is the import page: the upload form, the preview, or the
// progress of the save.
type importData struct {
	Import                     imports.Import
	Creates, Updates, Refusals []imports.Row
	// MoreRefusals is the line the next page of refused rows starts after
	// (0 when all are shown).
	MoreRefusals int
	Error        string
}

// contactImportForm shows the upload form.
func (h *handler) contactImportForm(c *fiber.Ctx) error {
	return h.render(c, "staff/contact_import", "", "Import contacts", importData{})
}

// contactImportUpload reads the file into a preview.
func (h *handler) contactImportUpload(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	refuse := func(msg string) error {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "staff/contact_import", "", "Import contacts", importData{Error: msg})
	}
	if err != nil {
		return refuse("Choose a CSV file to import.")
	}
	if fh.Size > maxImportBytes {
		return refuse(fmt.Sprintf("The file is larger than %d MB; split it in parts.", maxImportBytes>>20))
	}
	f, err := fh.Open()
	if err != nil {
		return fmt.Errorf("open import: %w", err)
	}
	defer f.Close()
	rows, err := contactcsv.Read(f)
	switch {
	case errors.Is(err, contactcsv.ErrNoColumns):
		return refuse("No column of this file is a name, email or phone number. Export contacts from Clio or Google as CSV, or give the file a header row such as First Name, Last Name, Email, Phone.")
	case err != nil:
		return refuse("This file could not be read as CSV: " + err.Error())
	case len(rows) == 0:
		return refuse("The file has no contacts in it.")
	}
	imp, err := h.stores.Imports.Preview(c.UserContext(), viewer(session(c)), filepath.Base(fh.Filename), rows)
	if err != nil {
		return formErr(err)
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/import/%d", imp.ID))
}

// contactImport shows an import: its preview until confirmed, then its
// progress (htmx polls the "progress" block) and outcome.
func (h *handler) contactImport(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	imp, err := h.stores.Imports.Get(c.UserContext(), v, id)
	if err != nil {
		return storeErr(err)
	}
	d := importData{Import: imp}
	after, _ := strconv.Atoi(c.Query("refused_after"))
	if d.Refusals, err = h.stores.Imports.Rows(c.UserContext(), v, id, imports.ActionRefuse, after, importPreviewRows+1); err != nil {
		return err
	}
	if len(d.Refusals) > importPreviewRows {
		d.Refusals = d.Refusals[:importPreviewRows]
		d.MoreRefusals = d.Refusals[len(d.Refusals)-1].Line
	}
	if imp.State == imports.StatePreviewed {
		if d.Creates, err = h.stores.Imports.Rows(c.UserContext(), v, id, imports.ActionCreate, 0, importPreviewRows); err != nil {
			return err
		}
		if d.Updates, err = h.stores.Imports.Rows(c.UserContext(), v, id, imports.ActionUpdate, 0, importPreviewRows); err != nil {
			return err
		}
	}
	block := ""
	if c.Query("poll") == "1" {
		block = "progress"
	}
	return h.render(c, "staff/contact_import", block, "Import contacts", d)
}

// contactImportConfirm queues the import for the worker.
func (h *handler) contactImportConfirm(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v := viewer(session(c))
	imp, err := h.stores.Imports.Confirm(c.UserContext(), v, id)
	if errors.Is(err, imports.ErrNotPreviewed) {
		return redirect(c, fmt.Sprintf("/staff/contacts/import/%d", id))
	}
	if err != nil {
		return formErr(err)
	}
	t, err := tasks.NewContactImport(v.FirmID, imp.ID, h.now())
	if err == nil {
		err = h.Tasks.Enqueue(c.UserContext(), t)
	}
	if err != nil {
		// Not started: the user may confirm again.
		h.Log.ErrorContext(c.UserContext(), "could not queue a contact import", "err", err, "import_id", imp.ID)
		if rerr := h.stores.Imports.Reopen(c.UserContext(), v, imp.ID); rerr != nil {
			return rerr
		}
		return fiber.NewError(fiber.StatusServiceUnavailable, "The import could not be started just now; nothing was saved. Try again in a minute.")
	}
	return redirect(c, fmt.Sprintf("/staff/contacts/import/%d", id))
}
