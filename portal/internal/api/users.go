package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
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
