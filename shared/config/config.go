// Package config reads Parley's settings from the environment, in one place.
//
// Every key has a working local default so `go run ./portal` works on a
// developer machine; a bad value is reported as one line naming the key.
package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Env is the deployment mode.
type Env string

const (
	EnvDev  Env = "dev"
	EnvProd Env = "prod"
)

// Config holds every setting the three programs read.
type Config struct {
	DatabaseURL      string
	RedisURL         string
	PortalAddr       string
	GatewayAddr      string
	WorkerAddr       string
	PublicURL        string
	GatewayPublicURL string
	DocumentsDir     string
	SMTPURL          string
	MailFrom         string
	Env              Env
	LogLevel         string
	// LogFormat is json (production) or text (readable in a terminal).
	LogFormat       string
	ShutdownTimeout time.Duration
	// SessionIdleTimeout ends a portal session after this long without a request.
	SessionIdleTimeout time.Duration
	// SessionMaxAge ends a portal session this long after sign-in, active or not.
	SessionMaxAge time.Duration
	// UploadMaxBytes is the largest file a portal upload accepts.
	UploadMaxBytes int64
	// NoticeBatchWindow is how long client notices wait, so a burst of
	// shared items makes one email.
	NoticeBatchWindow time.Duration
	// APIRateLimit is how many /api/v1 requests one token may make a
	// minute.
	APIRateLimit int

	// The operator's carrier accounts and number pool (see README).
	TwilioAccountSID string
	TwilioAuthToken  string
	TwilioAPIURL     string
	TelnyxAPIKey     string
	TelnyxPublicKey  string
	TelnyxAPIURL     string
	TextingNumbers   []PoolNumber
	// MediaAllowedOrigins are origins (scheme://host[:port]) MMS media may be
	// fetched from besides the carriers' own.
	MediaAllowedOrigins []string
	// TextSendRate is how many texts a second one firm number may send.
	TextSendRate int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For the
	// portal believes for the client's IP (rate limits); empty: none.
	TrustedProxies []string
}

// PoolNumber is one number of the texting pool.
type PoolNumber struct {
	Dialect string // "twilio" or "telnyx"
	Number  string // E.164
}

// Dev reports whether the programs run in development mode.
func (c Config) Dev() bool { return c.Env == EnvDev }

// key describes one environment variable: its default and how to apply it.
type key struct {
	name  string
	def   string
	apply func(c *Config, v string) error
}

// keys is the table of every variable Parley reads; README documents each.
var keys = []key{
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parley?sslmode=disable", func(c *Config, v string) error {
		return setURL(&c.DatabaseURL, v, "postgres", "postgresql")
	}},
	{"REDIS_URL", "redis://127.0.0.1:6379/0", func(c *Config, v string) error {
		return setURL(&c.RedisURL, v, "redis", "rediss")
	}},
	{"PORTAL_ADDR", ":8080", func(c *Config, v string) error { return setAddr(&c.PortalAddr, v) }},
	{"GATEWAY_ADDR", ":8081", func(c *Config, v string) error { return setAddr(&c.GatewayAddr, v) }},
	{"WORKER_ADDR", ":8082", func(c *Config, v string) error { return setAddr(&c.WorkerAddr, v) }},
	{"PUBLIC_URL", "http://localhost:8080", func(c *Config, v string) error {
		return setBaseURL(&c.PublicURL, v)
	}},
	{"GATEWAY_PUBLIC_URL", "http://localhost:8081", func(c *Config, v string) error {
		return setBaseURL(&c.GatewayPublicURL, v)
	}},
	{"DOCUMENTS_DIR", "./data/documents", func(c *Config, v string) error {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("must not be empty")
		}
		c.DocumentsDir = v
		return nil
	}},
	{"SMTP_URL", "", func(c *Config, v string) error {
		if v == "" {
			return nil
		}
		return setURL(&c.SMTPURL, v, "smtp", "smtps", "smtp+starttls")
	}},
	{"MAIL_FROM", "Parley <no-reply@parley.localhost>", func(c *Config, v string) error {
		if !strings.Contains(v, "@") {
			return fmt.Errorf("%q is not an email address", v)
		}
		c.MailFrom = v
		return nil
	}},
	{"PARLEY_ENV", "dev", func(c *Config, v string) error {
		switch Env(v) {
		case EnvDev, EnvProd:
			c.Env = Env(v)
			return nil
		}
		return fmt.Errorf("%q is not one of dev, prod", v)
	}},
	{"LOG_LEVEL", "info", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "debug", "info", "warn", "error":
			c.LogLevel = strings.ToLower(v)
			return nil
		}
		return fmt.Errorf("%q is not one of debug, info, warn, error", v)
	}},
	{"LOG_FORMAT", "json", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "json", "text":
			c.LogFormat = strings.ToLower(v)
			return nil
		}
		return fmt.Errorf("%q is not one of json, text", v)
	}},
	{"SHUTDOWN_TIMEOUT", "25s", func(c *Config, v string) error {
		return setDuration(&c.ShutdownTimeout, v)
	}},
	{"SESSION_IDLE_TIMEOUT", "15m", func(c *Config, v string) error {
		return setDuration(&c.SessionIdleTimeout, v)
	}},
	{"SESSION_MAX_AGE", "12h", func(c *Config, v string) error {
		return setDuration(&c.SessionMaxAge, v)
	}},
	{"UPLOAD_MAX_BYTES", "104857600", func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a positive number of bytes", v)
		}
		c.UploadMaxBytes = n
		return nil
	}},
	{"NOTICE_BATCH_WINDOW", "2m", func(c *Config, v string) error {
		return setDuration(&c.NoticeBatchWindow, v)
	}},
	{"API_RATE_LIMIT", "600", func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a whole number of requests a minute, at least 1", v)
		}
		c.APIRateLimit = n
		return nil
	}},
	{"TWILIO_ACCOUNT_SID", "", func(c *Config, v string) error { c.TwilioAccountSID = v; return nil }},
	{"TWILIO_AUTH_TOKEN", "", func(c *Config, v string) error { c.TwilioAuthToken = v; return nil }},
	{"TWILIO_API_URL", "https://api.twilio.com", func(c *Config, v string) error { return setBaseURL(&c.TwilioAPIURL, v) }},
	{"TELNYX_API_KEY", "", func(c *Config, v string) error { c.TelnyxAPIKey = v; return nil }},
	{"TELNYX_PUBLIC_KEY", "", func(c *Config, v string) error {
		if v != "" {
			if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != 32 {
				return fmt.Errorf("must be the base64 of a 32-byte Ed25519 public key")
			}
		}
		c.TelnyxPublicKey = v
		return nil
	}},
	{"TELNYX_API_URL", "https://api.telnyx.com", func(c *Config, v string) error { return setBaseURL(&c.TelnyxAPIURL, v) }},
	{"TEXTING_NUMBERS", "", func(c *Config, v string) error {
		pool, err := parsePool(v)
		c.TextingNumbers = pool
		return err
	}},
	{"MEDIA_ALLOWED_ORIGINS", "", func(c *Config, v string) error {
		c.MediaAllowedOrigins = nil
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			o, err := Origin(item)
			if err != nil || o != strings.TrimRight(strings.ToLower(item), "/") {
				return fmt.Errorf("%q is not an origin like https://media.example.com (scheme, host and port only)", item)
			}
			c.MediaAllowedOrigins = append(c.MediaAllowedOrigins, o)
		}
		return nil
	}},
	{"TRUSTED_PROXIES", "", func(c *Config, v string) error {
		c.TrustedProxies = nil
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(item); err != nil && net.ParseIP(item) == nil {
				return fmt.Errorf("%q is not an IP address or CIDR range", item)
			}
			c.TrustedProxies = append(c.TrustedProxies, item)
		}
		return nil
	}},
	{"TEXT_SEND_RATE", "3", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("%q is not a number of texts per second between 1 and 1000", v)
		}
		c.TextSendRate = n
		return nil
	}},
}

// parsePool reads "dialect:+E164" items separated by commas.
func parsePool(v string) ([]PoolNumber, error) {
	var out []PoolNumber
	seen := map[string]bool{}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		dialect, number, ok := strings.Cut(item, ":")
		if !ok || (dialect != "twilio" && dialect != "telnyx") {
			return nil, fmt.Errorf("%q is not dialect:+E164 with dialect twilio or telnyx", item)
		}
		if !e164.MatchString(number) {
			return nil, fmt.Errorf("%q is not an E.164 number like +18885550100", number)
		}
		if seen[number] {
			return nil, fmt.Errorf("%s is listed twice", number)
		}
		seen[number] = true
		out = append(out, PoolNumber{Dialect: dialect, Number: number})
	}
	return out, nil
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Load reads the configuration from the process environment.
func Load() (Config, error) { return Parse(os.LookupEnv) }

// Parse reads the configuration through lookup, so tests need not touch the
// process environment. The error names the variable and what is wrong.
func Parse(lookup func(string) (string, bool)) (Config, error) {
	var c Config
	for _, k := range keys {
		v, ok := lookup(k.name)
		if !ok || v == "" {
			v = k.def
		}
		if err := k.apply(&c, v); err != nil {
			return Config{}, fmt.Errorf("config: %s: %w", k.name, err)
		}
	}
	if c.SessionMaxAge < c.SessionIdleTimeout {
		return Config{}, fmt.Errorf("config: SESSION_MAX_AGE: %s is shorter than SESSION_IDLE_TIMEOUT (%s)", c.SessionMaxAge, c.SessionIdleTimeout)
	}
	for _, n := range c.TextingNumbers {
		if n.Dialect == "twilio" && (c.TwilioAccountSID == "" || c.TwilioAuthToken == "") {
			return Config{}, fmt.Errorf("config: TEXTING_NUMBERS: %s is a twilio number but TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is empty", n.Number)
		}
		if n.Dialect == "telnyx" && (c.TelnyxAPIKey == "" || c.TelnyxPublicKey == "") {
			return Config{}, fmt.Errorf("config: TEXTING_NUMBERS: %s is a telnyx number but TELNYX_API_KEY or TELNYX_PUBLIC_KEY is empty", n.Number)
		}
	}
	if c.Env == EnvProd && strings.HasPrefix(c.PublicURL, "http://localhost") {
		return Config{}, fmt.Errorf("config: PUBLIC_URL: must be set to the portal's external URL when PARLEY_ENV=prod")
	}
	return c, nil
}

// Names lists every variable Parley reads, for documentation checks.
func Names() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

func setURL(dst *string, v string, schemes ...string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%q is not a URL", v)
	}
	for _, s := range schemes {
		if u.Scheme == s {
			if u.Host == "" {
				return fmt.Errorf("%q has no host", v)
			}
			*dst = v
			return nil
		}
	}
	return fmt.Errorf("%q must start with %s://", v, strings.Join(schemes, ":// or "))
}

// Origin is the scheme, host and port of an http(s) URL, lower-cased, with
// the scheme's default port left out: "https://api.twilio.com".
func Origin(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "http" && scheme != "https") || u.Hostname() == "" || u.User != nil {
		return "", fmt.Errorf("%q is not an http(s) URL", rawURL)
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80") && !(scheme == "https" && port == "443") {
		host += ":" + port
	}
	return scheme + "://" + host, nil
}

func setBaseURL(dst *string, v string) error {
	if err := setURL(dst, v, "http", "https"); err != nil {
		return err
	}
	*dst = strings.TrimRight(v, "/")
	return nil
}

func setAddr(dst *string, v string) error {
	i := strings.LastIndex(v, ":")
	if i < 0 {
		return fmt.Errorf("%q is not host:port (for example :8080)", v)
	}
	port, err := strconv.Atoi(v[i+1:])
	if err != nil || port < 0 || port > 65535 {
		return fmt.Errorf("%q has no valid port", v)
	}
	*dst = v
	return nil
}

func setDuration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive duration (for example 30s)", v)
	}
	*dst = d
	return nil
}
