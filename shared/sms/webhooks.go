package sms

// Paths the gateway takes carrier webhooks on. The worker gives the carrier
// the status and message paths as callbacks, and the carrier simulator posts
// to them, so they are declared here, once.
const (
	PathTwilioMessages = "/webhooks/twilio/messages"
	PathTwilioStatus   = "/webhooks/twilio/status"
	PathTwilioVoice    = "/webhooks/twilio/voice"
	PathTelnyxMessages = "/webhooks/telnyx/messages"
)
