package web

import (
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/models"
)

// devMailRow is one email with its links made clickable.
type devMailRow struct {
	models.OutboundEmail
	Links []string
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// devMail shows the latest emails in development mode (no SMTP_URL), so a
// developer can follow a sign-in link without a mail server. It is not
// routed at all in production.
func (h *handler) devMail(c *fiber.Ctx) error {
	var emails []models.OutboundEmail
	q := h.DB.WithContext(c.UserContext()).Order("id DESC").Limit(25)
	if to := strings.TrimSpace(c.Query("to")); to != "" {
		q = q.Where("to_address = ?", strings.ToLower(to))
	}
	if err := q.Find(&emails).Error; err != nil {
		return err
	}
	rows := make([]devMailRow, len(emails))
	for i, e := range emails {
		rows[i] = devMailRow{OutboundEmail: e, Links: linkRE.FindAllString(e.BodyText, -1)}
	}
	return h.render(c, "public/devmail", "", "Development mail", rows)
}
