package api

import (
	"context"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
)

func userOf(u models.User, f models.Firm) spec.User {
	out := spec.User{Id: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt)}
	out.Account.Id, out.Account.FirmName = f.ID, f.Name
	return out
}

// WhoAmI is the token's user.
func (a *API) WhoAmI(ctx context.Context, _ spec.WhoAmIRequestObject) (spec.WhoAmIResponseObject, error) {
	id := identity(ctx)
	return spec.WhoAmI200JSONResponse{Data: userOf(id.User, id.Firm)}, nil
}

// ListUsers is a page of the firm's users.
func (a *API) ListUsers(ctx context.Context, r spec.ListUsersRequestObject) (spec.ListUsersResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	id := identity(ctx)
	rows, err := a.Stores.Firms.UsersByID(ctx, id.Viewer(), q)
	if err != nil {
		return nil, err
	}
	users, meta := page(q, rows, func(u models.User) int64 { return u.ID })
	out := make([]spec.User, len(users))
	for i, u := range users {
		out[i] = userOf(u, id.Firm)
	}
	return spec.ListUsers200JSONResponse{Data: out, Meta: meta}, nil
}
