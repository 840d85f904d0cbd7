package webhook

import "github.com/gofiber/fiber/v2"

// Routes the carriers post to.
const (
	PathTwilioMessages = "/webhooks/twilio/messages"
	PathTwilioStatus   = "/webhooks/twilio/status"
	PathTwilioVoice    = "/webhooks/twilio/voice"
	PathTelnyxMessages = "/webhooks/telnyx/messages"
)

// Register adds every webhook route to r.
func (h *Handler) Register(r fiber.Router) {
	r.Post(PathTwilioMessages, h.twilioMessage)
	r.Post(PathTwilioStatus, h.twilioStatus)
	r.Post(PathTwilioVoice, h.twilioVoice)
	r.Post(PathTelnyxMessages, h.telnyxMessage)
}
