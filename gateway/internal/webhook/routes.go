package webhook

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/shared/sms"
)

// Register adds every webhook route to r.
func (h *Handler) Register(r fiber.Router) {
	r.Post(sms.PathTwilioMessages, h.twilioMessage)
	r.Post(sms.PathTwilioStatus, h.twilioStatus)
	r.Post(sms.PathTwilioVoice, h.twilioVoice)
	r.Post(sms.PathTelnyxMessages, h.telnyxMessage)
}
