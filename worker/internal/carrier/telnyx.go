package carrier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Telnyx sends through the Telnyx Messaging API: POST {BaseURL}/v2/messages,
// JSON, with the API key as a bearer token.
type Telnyx struct {
	BaseURL string // e.g. https://api.telnyx.com
	APIKey  string
	// WebhookURL is where Telnyx posts message events
	// (GATEWAY_PUBLIC_URL + "/webhooks/telnyx/messages").
	WebhookURL string
	HTTP       *http.Client
}

var _ Sender = (*Telnyx)(nil)

// Send implements Sender.
func (t *Telnyx) Send(ctx context.Context, m Message) (string, error) {
	payload := map[string]string{"from": m.From, "to": m.To, "text": m.Body}
	if t.WebhookURL != "" {
		payload["webhook_url"] = t.WebhookURL
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("carrier: telnyx request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(t.BaseURL, "/")+"/v2/messages", bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("carrier: telnyx request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+t.APIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	status, body, err := do(t.HTTP, req)
	if err != nil {
		return "", err
	}
	if status/100 != 2 {
		// Errors are {"errors":[{"code":"40300","title":…,"detail":…}]}; the
		// code is a string in the docs, a number in some answers: take both.
		var e struct {
			Errors []struct {
				Code   json.RawMessage `json:"code"`
				Title  string          `json:"title"`
				Detail string          `json:"detail"`
			} `json:"errors"`
		}
		ce := &Error{HTTPStatus: status, Message: snippet(body)}
		if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
			ce.Code = strings.Trim(string(e.Errors[0].Code), `"`)
			ce.Message = strings.TrimSpace(e.Errors[0].Title + ": " + e.Errors[0].Detail)
		}
		return "", ce
	}
	var ok struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.Data.ID == "" {
		// See Twilio.Send: never retry an answer that may mean "taken".
		return "", &Error{HTTPStatus: status, Message: "answer without a message id: " + snippet(body)}
	}
	return ok.Data.ID, nil
}
