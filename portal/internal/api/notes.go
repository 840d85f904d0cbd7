package api

import (
	"context"
	"errors"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/notes"
)

func noteOf(n models.Note) spec.Note {
	return spec.Note{Id: n.ID, Subject: n.Subject, Body: n.Body, CreatedAt: utc(n.CreatedAt), UpdatedAt: utc(n.UpdatedAt)}
}

// listNotes is a page of the notes on a contact or matter.
func (a *API) listNotes(ctx context.Context, on notes.On, q store.IDQuery, what string) ([]spec.Note, spec.Meta, error) {
	rows, err := a.Stores.Notes.Records(ctx, identity(ctx).Viewer(), on, q)
	if errors.Is(err, store.ErrNotFound) {
		return nil, spec.Meta{}, notFound("There is no " + what + " with this ID.")
	}
	if err != nil {
		return nil, spec.Meta{}, err
	}
	rows, meta := page(q, rows, func(n models.Note) int64 { return n.ID })
	out := make([]spec.Note, len(rows))
	for i, n := range rows {
		out[i] = noteOf(n)
	}
	return out, meta, nil
}

// addNote writes a note by the token's user on a contact or matter.
func (a *API) addNote(ctx context.Context, on notes.On, subject *string, body, what string) (spec.Note, error) {
	n, err := a.Stores.Notes.Add(ctx, identity(ctx).Viewer(), on, str(subject), body)
	if errors.Is(err, store.ErrNotFound) {
		return spec.Note{}, notFound("There is no " + what + " with this ID.")
	}
	if err != nil {
		return spec.Note{}, bodyError(err)
	}
	return noteOf(n), nil
}

// ListContactNotes is a page of a contact's notes.
func (a *API) ListContactNotes(ctx context.Context, r spec.ListContactNotesRequestObject) (spec.ListContactNotesResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	out, meta, err := a.listNotes(ctx, notes.On{ContactID: r.ContactId}, q, "contact")
	if err != nil {
		return nil, err
	}
	return spec.ListContactNotes200JSONResponse{NoteListJSONResponse: spec.NoteListJSONResponse{Data: out, Meta: meta}}, nil
}

// CreateContactNote writes a note on a contact.
func (a *API) CreateContactNote(ctx context.Context, r spec.CreateContactNoteRequestObject) (spec.CreateContactNoteResponseObject, error) {
	n, err := a.addNote(ctx, notes.On{ContactID: r.ContactId}, r.Body.Data.Subject, r.Body.Data.Body, "contact")
	if err != nil {
		return nil, err
	}
	return spec.CreateContactNote201JSONResponse{OneNoteJSONResponse: spec.OneNoteJSONResponse{Data: n}}, nil
}

// ListMatterNotes is a page of a matter's notes.
func (a *API) ListMatterNotes(ctx context.Context, r spec.ListMatterNotesRequestObject) (spec.ListMatterNotesResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	out, meta, err := a.listNotes(ctx, notes.On{MatterID: r.MatterId}, q, "matter")
	if err != nil {
		return nil, err
	}
	return spec.ListMatterNotes200JSONResponse{NoteListJSONResponse: spec.NoteListJSONResponse{Data: out, Meta: meta}}, nil
}

// CreateMatterNote writes a note on a matter.
func (a *API) CreateMatterNote(ctx context.Context, r spec.CreateMatterNoteRequestObject) (spec.CreateMatterNoteResponseObject, error) {
	n, err := a.addNote(ctx, notes.On{MatterID: r.MatterId}, r.Body.Data.Subject, r.Body.Data.Body, "matter")
	if err != nil {
		return nil, err
	}
	return spec.CreateMatterNote201JSONResponse{OneNoteJSONResponse: spec.OneNoteJSONResponse{Data: n}}, nil
}
