package main

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/parleyhq/parley/shared/config"
)

// The credentials `make run` gives the simulator, the gateway and the worker;
// used when TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are unset, so
// `go run ./gateway/carriersim` works on its own.
const (
	DefaultAccountSID = "ACsimulator00000000000000000000000"
	DefaultAuthToken  = "simulator-auth-token"
)

// settings is what the simulator reads from the environment.
type settings struct {
	Addr       string // CARRIERSIM_ADDR
	PublicURL  string // CARRIERSIM_PUBLIC_URL, the base of media URLs
	GatewayURL string // GATEWAY_PUBLIC_URL, where inbound webhooks go
	AccountSID string // TWILIO_ACCOUNT_SID
	AuthToken  string // TWILIO_AUTH_TOKEN
	Phone      string // CARRIERSIM_PHONE, the simulated phone the page opens with
	FirmNumber string // CARRIERSIM_FIRM_NUMBER, the number the phone texts

	// When the status callbacks of an accepted send go out; tests set 0.
	SentAfter      time.Duration
	DeliveredAfter time.Duration
}

// loadSettings reads the CARRIERSIM_* variables through lookup and takes the
// rest from cfg, which has already validated them.
func loadSettings(cfg config.Config, lookup func(string) (string, bool)) (settings, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	s := settings{
		Addr:           get("CARRIERSIM_ADDR", ":8083"),
		PublicURL:      strings.TrimRight(get("CARRIERSIM_PUBLIC_URL", "http://localhost:8083"), "/"),
		GatewayURL:     cfg.GatewayPublicURL,
		AccountSID:     cfg.TwilioAccountSID,
		AuthToken:      cfg.TwilioAuthToken,
		SentAfter:      100 * time.Millisecond,
		DeliveredAfter: 300 * time.Millisecond,
	}
	if s.AccountSID == "" {
		s.AccountSID = DefaultAccountSID
	}
	if s.AuthToken == "" {
		s.AuthToken = DefaultAuthToken
	}
	// The firm number defaults to the pool's first Twilio number, so a pool
	// set by hand needs no second setting.
	firmDefault := "+18885550100"
	for _, n := range cfg.TextingNumbers {
		if n.Dialect == "twilio" {
			firmDefault = n.Number
			break
		}
	}
	if !strings.Contains(s.Addr, ":") {
		return settings{}, fmt.Errorf("config: CARRIERSIM_ADDR: %q is not host:port (for example :8083)", s.Addr)
	}
	if u, err := url.Parse(s.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return settings{}, fmt.Errorf("config: CARRIERSIM_PUBLIC_URL: %q is not an http(s) URL", s.PublicURL)
	}
	var err error
	if s.Phone, err = normalizePhone(get("CARRIERSIM_PHONE", "+14155550123")); err != nil {
		return settings{}, fmt.Errorf("config: CARRIERSIM_PHONE: %w", err)
	}
	if s.FirmNumber, err = normalizePhone(get("CARRIERSIM_FIRM_NUMBER", firmDefault)); err != nil {
		return settings{}, fmt.Errorf("config: CARRIERSIM_FIRM_NUMBER: %w", err)
	}
	return s, nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// normalizePhone turns what a person types ("(415) 555-0199", "4155550199",
// or "+1…" that lost its plus in a query string) into E.164.
func normalizePhone(raw string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(raw) {
		switch {
		case r >= '0' && r <= '9', r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", fmt.Errorf("%q is not a phone number", raw)
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case len(n) == 10:
		n = "+1" + n // a North American number typed without the country code
	default:
		n = "+" + n
	}
	if !validE164(n) {
		return "", fmt.Errorf("%q is not a phone number like +14155550123", raw)
	}
	return n, nil
}

// validE164 is the carrier's check of a To/From: E.164, and for +1 exactly
// ten digits after the country code.
func validE164(n string) bool {
	if !e164.MatchString(n) {
		return false
	}
	return !strings.HasPrefix(n, "+1") || len(n) == 12
}
