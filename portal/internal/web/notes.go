package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/notes"
)

// notesData is the notes section of a matter or contact page, or its
// page of its own.
type notesData struct {
	// Base is the page the notes are on (/staff/matters/7), Title its name.
	Base, Title string
	Notes       []notes.Row
	More        more
	// The add form as sent, and what was wrong with it.
	Subject, Body string
	Errors        store.FieldErrors
	viewer        store.Viewer
}

// CanEdit and CanDelete say what the viewer may do with a note.
func (d notesData) CanEdit(n notes.Row) bool   { return notes.Mine(d.viewer, n.Note) }
func (d notesData) CanDelete(n notes.Row) bool { return notes.MayDelete(d.viewer, n.Note) }

// notesOn reads which matter (onMatter) or contact a notes route is about.
func notesOn(c *fiber.Ctx, onMatter bool) (notes.On, string, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return notes.On{}, "", err
	}
	if onMatter {
		return notes.On{MatterID: id}, fmt.Sprintf("/staff/matters/%d", id), nil
	}
	return notes.On{ContactID: id}, fmt.Sprintf("/staff/contacts/%d", id), nil
}

// noteBack is the notes section a note is listed in.
func noteBack(n models.Note) string {
	if n.MatterID != nil {
		return fmt.Sprintf("/staff/matters/%d#notes", *n.MatterID)
	}
	return fmt.Sprintf("/staff/contacts/%d#notes", *n.ContactID)
}

// notesList answers a page's notes section (htmx), the next page of it,
// or, without JavaScript, a page of its own.
func (h *handler) notesList(onMatter bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		on, base, err := notesOn(c, onMatter)
		if err != nil {
			return err
		}
		d, err := h.loadNotes(c, on, base, c.Query("after"))
		if err != nil {
			return err
		}
		if nextPage(c, "after") {
			return c.Render("staff/notes#rows", h.page(c, "", d))
		}
		return h.render(c, "staff/notes", "section", "Notes", d)
	}
}

func (h *handler) loadNotes(c *fiber.Ctx, on notes.On, base, after string) (notesData, error) {
	v := viewer(session(c))
	page, err := h.stores.Notes.List(c.UserContext(), v, on, after)
	if err != nil {
		return notesData{}, pageErr(err)
	}
	return notesData{Base: base, Notes: page.Items, More: more{URL: pageURL(c, "after", page.Next), Label: "Older notes"}, viewer: v}, nil
}

// addNote writes a note; a note to fix comes back in the form.
func (h *handler) addNote(onMatter bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		on, base, err := notesOn(c, onMatter)
		if err != nil {
			return err
		}
		return h.saveNote(c, on, base)
	}
}

func (h *handler) saveNote(c *fiber.Ctx, on notes.On, base string) error {
	v := viewer(session(c))
	_, err := h.stores.Notes.Add(c.UserContext(), v, on, c.FormValue("subject"), c.FormValue("body"))
	var bad store.FieldErrors
	switch {
	case errors.As(err, &bad):
		d, lerr := h.loadNotes(c, on, base, "")
		if lerr != nil {
			return lerr
		}
		d.Subject, d.Body, d.Errors = c.FormValue("subject"), c.FormValue("body"), bad
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "staff/notes", "section", "Notes", d)
	case err != nil:
		return storeErr(err)
	}
	if !isHTMX(c) {
		return redirect(c, base+"#notes")
	}
	d, err := h.loadNotes(c, on, base, "")
	if err != nil {
		return err
	}
	return c.Render("staff/notes#section", h.page(c, "", d))
}

// noteFormData is the edit form of one note.
type noteFormData struct {
	ID            int64
	Back          string
	Subject, Body string
	Errors        store.FieldErrors
}

// errNotYourNote refuses an edit of someone else's note.
var errNotYourNote = fiber.NewError(fiber.StatusForbidden, "Only the person who wrote a note can change it.")

// noteParam is the signed-in viewer and the note named by the :id route
// parameter, if the viewer may see it (a 404 otherwise).
func (h *handler) noteParam(c *fiber.Ctx) (store.Viewer, models.Note, error) {
	v := viewer(session(c))
	id, err := idParam(c, "id")
	if err != nil {
		return v, models.Note{}, err
	}
	n, err := h.stores.Notes.Note(c.UserContext(), v, id)
	return v, n, storeErr(err)
}

// editNote shows the author's note in a form.
func (h *handler) editNote(c *fiber.Ctx) error {
	v, n, err := h.noteParam(c)
	if err != nil {
		return err
	}
	if !notes.Mine(v, n) {
		return errNotYourNote
	}
	return h.render(c, "staff/note_form", "", "Edit note",
		noteFormData{ID: n.ID, Back: noteBack(n), Subject: n.Subject, Body: n.Body})
}

// updateNote saves the author's edit.
func (h *handler) updateNote(c *fiber.Ctx) error {
	v, n, err := h.noteParam(c)
	if err != nil {
		return err
	}
	id := n.ID
	d := noteFormData{ID: id, Back: noteBack(n), Subject: c.FormValue("subject"), Body: c.FormValue("body")}
	err = h.stores.Notes.Update(c.UserContext(), v, id, d.Subject, d.Body)
	var bad store.FieldErrors
	switch {
	case errors.Is(err, store.ErrForbidden):
		return errNotYourNote
	case errors.As(err, &bad):
		d.Errors = bad
		c.Status(fiber.StatusUnprocessableEntity)
		return h.render(c, "staff/note_form", "form", "Edit note", d)
	case err != nil:
		return storeErr(err)
	}
	return redirect(c, d.Back)
}

// deleteNote removes a note: the author's own, or any for an admin.
func (h *handler) deleteNote(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	n, err := h.stores.Notes.Delete(c.UserContext(), viewer(session(c)), id)
	switch {
	case errors.Is(err, store.ErrForbidden):
		return fiber.NewError(fiber.StatusForbidden, "Only the person who wrote a note, or an administrator, can delete it.")
	case err != nil:
		return storeErr(err)
	}
	return redirect(c, noteBack(n))
}
