package web

import (
	"net"
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
// routed at all in production, and even in development it answers only
// requests from this computer: it holds everyone's sign-in links.
func (h *handler) devMail(c *fiber.Ctx) error {
	if !fromLoopback(c) {
		return fiber.NewError(fiber.StatusForbidden, "The development mailbox is shown only on the computer Parley runs on (open it at localhost).")
	}
	emails, err := h.stores.Outbox.Recent(c.UserContext(), strings.ToLower(strings.TrimSpace(c.Query("to"))), 25)
	if err != nil {
		return err
	}
	rows := make([]devMailRow, len(emails))
	for i, e := range emails {
		rows[i] = devMailRow{OutboundEmail: e, Links: linkRE.FindAllString(e.BodyText, -1)}
	}
	return h.render(c, "public/devmail", "", "Development mail", rows)
}

// fromLoopback reports whether the request came from this computer: the
// connection's peer is a loopback address, and so is every address a proxy
// in front of it says it forwarded for.
func fromLoopback(c *fiber.Ctx) bool {
	if !c.Context().RemoteIP().IsLoopback() {
		return false
	}
	for _, h := range []string{fiber.HeaderXForwardedFor, "X-Real-Ip"} {
		for _, ip := range strings.Split(c.Get(h), ",") {
			if ip = strings.TrimSpace(ip); ip != "" {
				if p := net.ParseIP(ip); p == nil || !p.IsLoopback() {
					return false
				}
			}
		}
	}
	return c.Get("Forwarded") == ""
}
