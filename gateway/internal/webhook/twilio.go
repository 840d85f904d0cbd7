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
var (
	errNoSignature   = fiber.NewError(fiber.StatusBadRequest, "Missing signature.")
	errMalformed     = fiber.NewError(fiber.StatusBadRequest, "Malformed webhook.")
	errUnknownNumber = fiber.NewError(fiber.StatusNotFound, "Unknown number.")
	errBadSignature  = fiber.NewError(fiber.StatusForbidden, "Invalid signature.")
)

// twilioForm returns the signature header and the form body, or the 400
// for a request without a signature or with a body that is not a form.
func twilioForm(c *fiber.Ctx) (sig string, form url.Values, err error) {
	sig = c.Get(headerTwilioSignature)
	if sig == "" {
		return "", nil, errNoSignature
	}
	form, perr := url.ParseQuery(string(c.Body()))
	if perr != nil {
		return "", nil, errMalformed
	}
	return sig, form, nil
}

// twilioAuth finds the firm behind number and checks the signature with its
// account's auth token, over the public URL the carrier called and every
// POST parameter.
func (h *Handler) twilioAuth(c *fiber.Ctx, number, sig string, form url.Values) (numbers.Entry, error) {
	e, ok := h.numbers.Lookup(number, sms.Twilio)
	if !ok {
		return numbers.Entry{}, errUnknownNumber
	}
	if !sms.VerifyTwilio(e.Secret, h.publicURL+c.OriginalURL(), form, sig) {
		return numbers.Entry{}, errBadSignature
	}
	return e, nil
}

// twilioMessage takes an inbound text or MMS addressed to a firm's number.
func (h *Handler) twilioMessage(c *fiber.Ctx) error {
	sig, form, err := twilioForm(c)
	if err != nil {
		return err
	}
	in, err := sms.ParseTwilioInbound(form, h.now())
	if err != nil {
		return errMalformed
	}
	e, err := h.twilioAuth(c, in.To, sig, form)
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
	sig, form, err := twilioForm(c)
	if err != nil {
		return err
	}
	u, perr := sms.ParseTwilioStatus(form, h.now())
	from := form.Get("From")
	if (perr != nil && !errors.Is(perr, sms.ErrIgnored)) || from == "" {
		return errMalformed
	}
	e, err := h.twilioAuth(c, sms.NormalizeInbound(from), sig, form)
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
	sig, form, err := twilioForm(c)
	if err != nil {
		return err
	}
	callSID, to := form.Get("CallSid"), form.Get("To")
	if callSID == "" || to == "" {
		return errMalformed
	}
	e, err := h.twilioAuth(c, sms.NormalizeInbound(to), sig, form)
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
