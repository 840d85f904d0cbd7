package api

import (
	"context"
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/portal/internal/api/spec"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store"
	"github.com/parleyhq/parley/shared/store/customactions"
)

func customActionOf(a models.CustomAction) spec.CustomAction {
	return spec.CustomAction{Id: a.ID, Label: a.Label, UiReference: spec.UIReference(a.UIReference), TargetUrl: a.TargetURL,
		CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.UpdatedAt)}
}

// ListCustomActions is a page of the actions the calling token made.
func (a *API) ListCustomActions(ctx context.Context, r spec.ListCustomActionsRequestObject) (spec.ListCustomActionsResponseObject, error) {
	p := r.Params
	q, err := listQuery(p.PageToken, p.Limit, p.Ids, p.CreatedSince, p.UpdatedSince)
	if err != nil {
		return nil, err
	}
	id := identity(ctx)
	rows, err := a.Stores.CustomActions.Mine(ctx, id.Viewer(), id.Owner(), q)
	if err != nil {
		return nil, err
	}
	rows, meta := page(q, rows, func(a models.CustomAction) int64 { return a.ID })
	out := make([]spec.CustomAction, len(rows))
	for i, ca := range rows {
		out[i] = customActionOf(ca)
	}
	return spec.ListCustomActions200JSONResponse{Data: out, Meta: meta}, nil
}

// CreateCustomAction adds a link to a staff page's actions menu.
func (a *API) CreateCustomAction(ctx context.Context, r spec.CreateCustomActionRequestObject) (spec.CreateCustomActionResponseObject, error) {
	id := identity(ctx)
	d := r.Body.Data
	ca, err := a.Stores.CustomActions.Create(ctx, id.Viewer(), id.Owner(), d.Label, string(d.UiReference), d.TargetUrl)
	if err != nil {
		return nil, bodyError(err)
	}
	return spec.CreateCustomAction201JSONResponse{Data: customActionOf(ca)}, nil
}

// redeemNonce holds a request that carries custom_action_nonce to it: the
// nonce is used up, and the request served only if it was good.
func (a *API) redeemNonce(c *fiber.Ctx) error {
	nonce := c.Query("custom_action_nonce")
	if nonce == "" {
		return nil
	}
	id := identity(c.UserContext())
	err := a.Stores.CustomActions.Redeem(c.UserContext(), id.Viewer(), id.Owner(), nonce, a.Now())
	if errors.Is(err, customactions.ErrNonce) {
		return &Error{Status: fiber.StatusForbidden, Type: "forbidden",
			Message: "The custom_action_nonce is not valid: used before, older than 60 seconds, or minted for another user or application."}
	}
	return err
}

// bodyError is a store's field errors as a 422 naming the first field (as
// data.<field>); any other error as it is.
func bodyError(err error) error {
	var bad store.FieldErrors
	if !errors.As(err, &bad) {
		return err
	}
	field, msg := bad.First()
	return &Error{Status: fiber.StatusUnprocessableEntity, Type: "invalid_body", Message: msg, Field: "data." + field}
}
