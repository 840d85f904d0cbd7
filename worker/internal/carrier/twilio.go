package carrier

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Twilio sends through a Twilio-compatible Messages API:
// POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json, form-encoded,
// HTTP Basic auth with the account SID and auth token.
type Twilio struct {
	BaseURL    string // e.g. https://api.twilio.com (no trailing slash needed)
	AccountSID string
	AuthToken  string
	// StatusCallback is where the carrier posts delivery statuses
	// (GATEWAY_PUBLIC_URL + "/webhooks/twilio/status").
	StatusCallback string
	HTTP           *http.Client
}

var _ Sender = (*Twilio)(nil)

// Send implements Sender.
func (t *Twilio) Send(ctx context.Context, m Message) (string, error) {
	form := url.Values{"To": {m.To}, "From": {m.From}, "Body": {m.Body}}
	if t.StatusCallback != "" {
		form.Set("StatusCallback", t.StatusCallback)
	}
	endpoint := strings.TrimRight(t.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("carrier: twilio request: %w", err)
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	status, body, err := do(t.HTTP, req)
	if err != nil {
		return "", err
	}
	if status/100 != 2 {
		// Errors are JSON {code, message, more_info, status}; code is a number.
		var e struct {
			Code    json.Number `json:"code"`
			Message string      `json:"message"`
		}
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			e.Message = snippet(body)
		}
		return "", &Error{HTTPStatus: status, Code: e.Code.String(), Message: e.Message}
	}
	var ok struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.SID == "" {
		// A 2xx without an ID: the message may have been taken, but nothing
		// can track it. Report it as a carrier error rather than retrying,
		// which could send it twice.
		return "", &Error{HTTPStatus: status, Message: "answer without a message sid: " + snippet(body)}
	}
	return ok.SID, nil
}
