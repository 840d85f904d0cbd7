// Package carrier sends texts through a carrier's REST API: one client per
// dialect (Twilio-compatible, Telnyx), each with a configurable base URL so a
// simulator or another compatible provider can stand in for the real one.
package carrier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Message is one outbound text.
type Message struct {
	From string // E.164, the firm's number
	To   string // E.164, the contact's number
	Body string
}

// Sender sends a text and returns the carrier's ID for it. The carrier's
// answer means "accepted"; delivery is reported later by status callbacks.
type Sender interface {
	Send(ctx context.Context, m Message) (carrierID string, err error)
}

// Error is a send the carrier did not accept, or could not be asked about.
type Error struct {
	// HTTPStatus is the carrier's HTTP status; 0 when no answer came back.
	HTTPStatus int
	// Code is the carrier's own error code ("21610", "40300"), if it gave one.
	Code    string
	Message string
	// Err is the transport error when there was no answer.
	Err error
}

func (e *Error) Error() string {
	switch {
	case e.HTTPStatus == 0:
		return fmt.Sprintf("carrier: no answer: %v", e.Err)
	case e.Code != "":
		return fmt.Sprintf("carrier: HTTP %d, code %s: %s", e.HTTPStatus, e.Code, e.Message)
	default:
		return fmt.Sprintf("carrier: HTTP %d: %s", e.HTTPStatus, e.Message)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed: no answer, a
// server error, or the carrier's own rate limit. Anything else is the
// carrier refusing this message, and sending it again gets the same answer.
func (e *Error) Temporary() bool {
	return e.HTTPStatus == 0 || e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests ||
		e.HTTPStatus == http.StatusRequestTimeout
}

// AsError returns err as an *Error if it is one.
func AsError(err error) (*Error, bool) {
	var ce *Error
	ok := errors.As(err, &ce)
	return ce, ok
}

// DefaultHTTPClient is used when a client is given none. A send is small;
// 15 s is long enough for a slow carrier and short enough to retry.
var DefaultHTTPClient = &http.Client{Timeout: 15 * time.Second}

// maxAnswer bounds what is read of a carrier's answer: it is small JSON.
const maxAnswer = 1 << 20

func do(hc *http.Client, req *http.Request) (status int, body []byte, err error) {
	if hc == nil {
		hc = DefaultHTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, &Error{Err: err}
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		// The carrier answered but the answer was cut off: we cannot know
		// whether it took the message, and the caller treats it as no answer.
		return 0, nil, &Error{Err: fmt.Errorf("read answer (HTTP %d): %w", resp.StatusCode, err)}
	}
	return resp.StatusCode, body, nil
}

// snippet is a short, printable part of an unexpected answer, for logs.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}
