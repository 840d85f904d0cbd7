package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/store/firms"
)

// userJSON is a user as the API answers it (the reference's fields).
type userJSON struct {
	ID        int64       `json:"id"`
	FirstName string      `json:"first_name"`
	LastName  string      `json:"last_name"`
	Email     string      `json:"email"`
	CreatedAt string      `json:"created_at"`
	UpdatedAt string      `json:"updated_at"`
	Account   accountJSON `json:"account"`
}

// accountJSON is the user's firm.
type accountJSON struct {
	ID       int64  `json:"id"`
	FirmName string `json:"firm_name"`
}

func userOf(u models.User, f models.Firm) userJSON {
	return userJSON{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		CreatedAt: timestamp(u.CreatedAt), UpdatedAt: timestamp(u.UpdatedAt),
		Account: accountJSON{ID: f.ID, FirmName: f.Name}}
}

// timestamp writes a time as RFC 3339 in UTC, to the second.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// whoAmI is the token's user.
func (a *API) whoAmI(c *fiber.Ctx) error {
	id := identity(c)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"data": userOf(id.User, id.Firm)})
}

// users is a page of the firm's users.
func (a *API) users(c *fiber.Ctx) error {
	q, err := readList(c)
	if err != nil {
		return err
	}
	id := identity(c)
	rows, err := a.Stores.Firms.UsersByID(c.UserContext(), id.Viewer(), firms.UserQuery{After: q.After, Limit: q.Limit + 1,
		IDs: q.IDs, CreatedSince: q.CreatedSince, UpdatedSince: q.UpdatedSince})
	if err != nil {
		return err
	}
	out := make([]userJSON, len(rows))
	for i, u := range rows {
		out[i] = userOf(u, id.Firm)
	}
	return page(c, q, out, func(u userJSON) int64 { return u.ID })
}
