package api

import (
	"context"
	"errors"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/inboxleads"
)

// orNull is s, or null when it is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func leadOf(l models.InboxLead) spec.InboxLead {
	return spec.InboxLead{Id: l.ID, FirstName: l.FirstName, LastName: l.LastName, Email: orNull(l.Email),
		PhoneNumber: orNull(l.PhoneNumber), State: spec.InboxLeadState(l.State), FromMessage: l.FromMessage,
		FromSource: l.FromSource, CreatedAt: utc(l.CreatedAt), UpdatedAt: utc(l.UpdatedAt)}
}

// ListInboxLeads is a page of the firm's leads in a state.
func (a *API) ListInboxLeads(ctx context.Context, r spec.ListInboxLeadsRequestObject) (spec.ListInboxLeadsResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	rows, err := a.Stores.InboxLeads.Records(ctx, identity(ctx).Viewer(), models.LeadState(p.State), str(p.Query), q)
	if err != nil {
		return nil, err
	}
	rows, meta := page(q, rows, func(l models.InboxLead) int64 { return l.ID })
	out := make([]spec.InboxLead, len(rows))
	for i, l := range rows {
		out[i] = leadOf(l)
	}
	return spec.ListInboxLeads200JSONResponse{Data: out, Meta: meta}, nil
}

// CreateInboxLead puts a lead in the firm's Inbox.
func (a *API) CreateInboxLead(ctx context.Context, r spec.CreateInboxLeadRequestObject) (spec.CreateInboxLeadResponseObject, error) {
	d := r.Body.Data
	id := identity(ctx)
	l, err := a.Stores.InboxLeads.Create(ctx, id.Viewer(), id.Owner(), inboxleads.Input{FirstName: str(d.FirstName), LastName: str(d.LastName),
		Email: str(d.Email), PhoneNumber: str(d.PhoneNumber), FromMessage: str(d.FromMessage), FromSource: d.FromSource})
	if err != nil {
		return nil, bodyError(err)
	}
	return spec.CreateInboxLead201JSONResponse{Data: leadOf(l)}, nil
}

// GetInboxLead is one of the firm's leads.
func (a *API) GetInboxLead(ctx context.Context, r spec.GetInboxLeadRequestObject) (spec.GetInboxLeadResponseObject, error) {
	l, err := a.Stores.InboxLeads.Lead(ctx, identity(ctx).Viewer(), r.Id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("There is no inbox lead with this ID.")
	}
	if err != nil {
		return nil, err
	}
	return spec.GetInboxLead200JSONResponse{Data: leadOf(l)}, nil
}
