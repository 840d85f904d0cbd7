package api

import (
	"context"
	"errors"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
	"github.com/parleyhq/parley/shared/store/matters"
)

// matterContactOf is a matter's client or primary contact as the API
// shows it: the texting number (else the first), the primary email (else
// the first) and the first address, each null when there is none.
func matterContactOf(c contacts.Record) spec.MatterContact {
	out := spec.MatterContact{Id: c.ID, FullName: c.FullName()}
	if len(c.Numbers) > 0 {
		out.PhoneNumber = &c.Numbers[0]
	}
	if len(c.EmailAddresses) > 0 {
		out.PrimaryEmail = &c.EmailAddresses[0]
	}
	if len(c.PostalAddresses) > 0 {
		addr := addressOf(c.PostalAddresses[0])
		out.Address = &addr
	}
	return out
}

// matterOf is a matter as the API shows it, its client and primary contact
// found in people.
func matterOf(r matters.Record, people map[int64]contacts.Record) spec.Matter {
	m := r.Matter
	out := spec.Matter{Id: m.ID, DisplayNumber: &m.Number, Description: m.Description, GlobalId: m.GlobalID, ClioId: m.ClioID,
		ProjectedValue: m.ProjectedValue, Location: m.Location, Type: m.PracticeArea, Status: m.Status,
		StatusCategory: spec.MatterStatusCategory(m.StatusCategory),
		Client:         matterContactOf(people[m.ClientContactID]),
		CreatedAt:      utc(m.CreatedAt), UpdatedAt: utc(m.UpdatedAt)}
	if out.Status == "" {
		out.Status = string(m.StatusCategory)
	}
	if m.PrimaryContactID != nil {
		pc := matterContactOf(people[*m.PrimaryContactID])
		out.PrimaryContact = &pc
	}
	if m.FirstLetterSentAt != nil {
		t := utc(*m.FirstLetterSentAt)
		out.FirstLetterSentDate = &t
	}
	out.InboxLeadId = m.InboxLeadID
	if r.FirstAppointmentCreatedAt != nil {
		t := utc(*r.FirstAppointmentCreatedAt)
		out.FirstAppointmentCreatedAt = &t
	}
	if m.HiredDate != nil {
		out.HiredDate = &openapi_types.Date{Time: *m.HiredDate}
	}
	return out
}

// matterPeople loads the clients and primary contacts of ms.
func (a *API) matterPeople(ctx context.Context, v store.Viewer, ms []matters.Record) (map[int64]contacts.Record, error) {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ClientContactID)
		if m.PrimaryContactID != nil {
			ids = append(ids, *m.PrimaryContactID)
		}
	}
	cs, err := a.Stores.Contacts.ByIDs(ctx, v, ids)
	if err != nil {
		return nil, err
	}
	people := make(map[int64]contacts.Record, len(cs))
	for _, c := range cs {
		people[c.ID] = c
	}
	return people, nil
}

// ListMatters is a page of the matters the token's user may view.
func (a *API) ListMatters(ctx context.Context, r spec.ListMattersRequestObject) (spec.ListMattersResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	id := identity(ctx)
	v := id.Viewer()
	var f matters.RecordFilter
	if p.InboxLeadId != nil {
		f.InboxLeadID = *p.InboxLeadId
	}
	if p.SubmittedOnly != nil && *p.SubmittedOnly {
		owner := id.Owner()
		f.LeadsOf = &owner
	}
	rows, err := a.Stores.Matters.Records(ctx, v, q, f)
	if err != nil {
		return nil, err
	}
	rows, meta := page(q, rows, func(m matters.Record) int64 { return m.ID })
	people, err := a.matterPeople(ctx, v, rows)
	if err != nil {
		return nil, err
	}
	out := make([]spec.Matter, len(rows))
	for i, m := range rows {
		out[i] = matterOf(m, people)
	}
	return spec.ListMatters200JSONResponse{Data: out, Meta: meta}, nil
}

// GetMatter is one matter the token's user may view; any other is 404.
func (a *API) GetMatter(ctx context.Context, r spec.GetMatterRequestObject) (spec.GetMatterResponseObject, error) {
	v := identity(ctx).Viewer()
	m, err := a.Stores.Matters.Record(ctx, v, r.Id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("There is no matter with this ID.")
	}
	if err != nil {
		return nil, err
	}
	people, err := a.matterPeople(ctx, v, []matters.Record{m})
	if err != nil {
		return nil, err
	}
	return spec.GetMatter200JSONResponse{Data: matterOf(m, people)}, nil
}
