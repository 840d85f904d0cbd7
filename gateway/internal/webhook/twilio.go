package webhook

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/parleyhq/parley/gateway/internal/numbers"
	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/tasks"
)

// headerTwilioSignature carries the Twilio-dialect request signature.
const headerTwilioSignature = "X-Twilio-Signature"

// Answers in TwiML. An empty Response acknowledges without replying.
const (
	twimlEmpty = `<?xml version="1.0" encoding="UTF-8"?><Response/>`
	// A caller hears why nobody answers, then the call ends.
	twimlTextsOnly = `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello. This number takes text messages only. ` +
		`Please send a text. Goodbye.</Say><Hangup/></Response>`
)

// Refusals, in the order they are checked; none of them enqueues anything.
// The signature is checked before the number is looked up, so an unsigned
// or forged request learns nothing about which numbers exist.
var (
	errNoSignature   = fiber.NewError(fiber.StatusBadRequest, "Missing signature.")
	errMalformed     = fiber.NewError(fiber.StatusBadRequest, "Malformed webhook.")
	errBadSignature  = fiber.NewError(fiber.StatusForbidden, "Invalid signature.")
	errUnknownNumber = fiber.NewError(fiber.StatusNotFound, "Unknown number.")
)

// twilioForm returns the form body of a request signed by the Twilio
// account: the signature is checked with the account's auth token (the same
// for every number), over the public URL the carrier called and every POST
// parameter. A request without a signature, or whose body is not a form,
// is a 400; a bad signature a 403.
func (h *Handler) twilioForm(c *fiber.Ctx) (url.Values, error) {
	sig := c.Get(headerTwilioSignature)
	if sig == "" {
		return nil, errNoSignature
	}
	form, err := url.ParseQuery(string(c.Body()))
	if err != nil {
		return nil, errMalformed
	}
	token, ok := h.numbers.Secret(sms.Twilio)
	if !ok || !sms.VerifyTwilio(token, h.publicURL+c.OriginalURL(), form, sig) {
		return nil, errBadSignature
	}
	return form, nil
}

// twilioFirm finds the firm behind one of its Twilio numbers.
func (h *Handler) twilioFirm(number string) (numbers.Entry, error) {
	e, ok := h.numbers.Lookup(number, sms.Twilio)
	if !ok {
		return numbers.Entry{}, errUnknownNumber
	}
	return e, nil
}

// twilioMessage takes an inbound text or MMS addressed to a firm's number.
func (h *Handler) twilioMessage(c *fiber.Ctx) error {
	form, err := h.twilioForm(c)
	if err != nil {
		return err
	}
	in, err := sms.ParseTwilioInbound(form, h.now())
	if err != nil {
		return errMalformed
	}
	e, err := h.twilioFirm(in.To)
	if err != nil {
		return err
	}
	in.FirmID = e.FirmID
	t, err := tasks.NewTextInbound(in)
	if err != nil {
		return err
	}
	if err := h.keep(c.UserContext(), e.FirmID, tasks.TextInboundID(in.Dialect, in.MessageID), t); err != nil {
		return err
	}
	return twiml(c, twimlEmpty)
}

// twilioStatus takes a delivery-status callback of a text the firm sent.
// The firm's number is its From.
func (h *Handler) twilioStatus(c *fiber.Ctx) error {
	form, err := h.twilioForm(c)
	if err != nil {
		return err
	}
	u, perr := sms.ParseTwilioStatus(form, h.now())
	from := form.Get("From")
	if (perr != nil && !errors.Is(perr, sms.ErrIgnored)) || from == "" {
		return errMalformed
	}
	e, err := h.twilioFirm(sms.NormalizeInbound(from))
	if err != nil {
		return err
	}
	if perr != nil {
		// A status Parley does not track (e.g. "received"): acknowledged, not queued.
		return twiml(c, twimlEmpty)
	}
	u.FirmID = e.FirmID
	t, err := tasks.NewTextStatus(u)
	if err != nil {
		return err
	}
	if err := h.keep(c.UserContext(), e.FirmID, tasks.TextStatusID(u), t); err != nil {
		return err
	}
	return twiml(c, twimlEmpty)
}

// twilioVoice answers a call to a texting number with a spoken message that
// it takes texts only. The call is logged, not queued.
func (h *Handler) twilioVoice(c *fiber.Ctx) error {
	form, err := h.twilioForm(c)
	if err != nil {
		return err
	}
	callSID, to := form.Get("CallSid"), form.Get("To")
	if callSID == "" || to == "" {
		return errMalformed
	}
	e, err := h.twilioFirm(sms.NormalizeInbound(to))
	if err != nil {
		return err
	}
	h.log.InfoContext(c.UserContext(), "call to a texting number answered: texts only",
		"firm_id", e.FirmID, "call_sid", callSID, "from", form.Get("From"), "to", to)
	return twiml(c, twimlTextsOnly)
}

func twiml(c *fiber.Ctx, body string) error {
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.SendString(body)
}
