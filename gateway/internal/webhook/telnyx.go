package webhook

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// Headers of a Telnyx webhook signature.
const (
	headerTelnyxSignature = "telnyx-signature-ed25519"
	headerTelnyxTimestamp = "telnyx-timestamp"
)

// telnyxMessage takes every Telnyx message event: message.received
// (inbound), message.sent and message.finalized (status of a text the firm
// sent). Other event types are acknowledged and dropped.
func (h *Handler) telnyxMessage(c *fiber.Ctx) error {
	sig, ts := c.Get(headerTelnyxSignature), c.Get(headerTelnyxTimestamp)
	if sig == "" || ts == "" {
		return errNoSignature
	}
	body := c.Body()
	now := h.now()
	// The signature first, with the Telnyx account's key (the same for every
	// number), so an unsigned or forged request learns nothing about numbers.
	key, ok := h.numbers.Secret(sms.Telnyx)
	if !ok {
		return errBadSignature
	}
	switch err := sms.VerifyTelnyx(key, ts, sig, body, now); {
	case errors.Is(err, sms.ErrMissingSignature):
		return errNoSignature
	case err != nil:
		// A bad signature or a timestamp outside the window (a replay).
		return errBadSignature
	}
	ev, perr := sms.ParseTelnyx(body, now)
	if perr != nil && !errors.Is(perr, sms.ErrIgnored) {
		return errMalformed
	}
	// ev.To is the firm's number for inbound and status events alike. An
	// ignored event names none and is acknowledged.
	var e numbers.Entry
	if perr == nil {
		if e, ok = h.numbers.Lookup(ev.To, sms.Telnyx); !ok {
			return errUnknownNumber
		}
	}

	var (
		t      *asynq.Task
		taskID string
		err    error
	)
	switch {
	case perr != nil: // an event type Parley does not act on
	case ev.Inbound != nil:
		ev.Inbound.FirmID = e.FirmID
		taskID = tasks.TextInboundID(ev.Inbound.Dialect, ev.Inbound.MessageID)
		t, err = tasks.NewTextInbound(*ev.Inbound)
	case ev.Status != nil:
		ev.Status.FirmID = e.FirmID
		taskID = tasks.TextStatusID(*ev.Status)
		t, err = tasks.NewTextStatus(*ev.Status)
	}
	if err != nil {
		return err
	}
	if t != nil {
		if err := h.keep(c.UserContext(), e.FirmID, taskID, t); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.SendString("{}")
}
