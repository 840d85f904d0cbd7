package api

import (
	"context"
	"errors"
	"time"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// str is an optional parameter or field's value, "" when it is absent.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// utc is a time as the API writes it: RFC 3339 in UTC, to the second.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func addressOf(a contacts.Address) spec.Address {
	return spec.Address{Street: a.Street, City: a.City, Province: a.Province, PostalCode: a.PostalCode, Country: a.Country}
}

func contactOf(r contacts.Record) spec.Contact {
	c := r.Contact
	out := spec.Contact{Id: c.ID, GlobalId: c.GlobalID, ClioId: c.ClioID, Name: c.Name(),
		FirstName: c.FirstName, LastName: c.LastName, Type: "Person", Status: c.Status,
		Emails: r.EmailAddresses, PhoneNumbers: r.Numbers,
		Addresses: make([]spec.Address, len(r.PostalAddresses)), Matters: make([]struct {
			Id int64 `json:"id"`
		}, len(r.MatterIDs)),
		CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt)}
	if c.Kind == models.ContactCompany {
		out.Type = "Company"
	}
	for i, a := range r.PostalAddresses {
		out.Addresses[i] = addressOf(a)
	}
	for i, id := range r.MatterIDs {
		out.Matters[i].Id = id
	}
	return out
}

// ListContacts is a page of the firm's contacts, those a query finds when
// there is one.
func (a *API) ListContacts(ctx context.Context, r spec.ListContactsRequestObject) (spec.ListContactsResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	rows, err := a.Stores.Contacts.Records(ctx, identity(ctx).Viewer(), q, str(p.Query))
	if err != nil {
		return nil, err
	}
	rows, meta := page(q, rows, func(c contacts.Record) int64 { return c.ID })
	out := make([]spec.Contact, len(rows))
	for i, c := range rows {
		out[i] = contactOf(c)
	}
	return spec.ListContacts200JSONResponse{Data: out, Meta: meta}, nil
}

// GetContact is one contact of the firm.
func (a *API) GetContact(ctx context.Context, r spec.GetContactRequestObject) (spec.GetContactResponseObject, error) {
	c, err := a.Stores.Contacts.Record(ctx, identity(ctx).Viewer(), r.Id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("There is no contact with this ID.")
	}
	if err != nil {
		return nil, err
	}
	return spec.GetContact200JSONResponse{Data: contactOf(c)}, nil
}
