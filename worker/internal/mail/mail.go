// Package mail sends email: over SMTP in production, to the log in
// development, and records every email as a row before it is a task.
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Sender delivers a message.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrPermanent marks a failure that retrying cannot fix (a refused address).
var ErrPermanent = errors.New("mail: permanent failure")

// LogSender writes emails to the log instead of sending them (dev mode).
type LogSender struct{ Log *slog.Logger }

// Send logs the whole message, so a developer can follow a sign-in link.
func (s LogSender) Send(ctx context.Context, m Message) error {
	s.Log.InfoContext(ctx, "email (dev mode: logged, not sent)", "to", m.To, "subject", m.Subject, "body", m.Text)
	return nil
}

// SMTPSender sends through an SMTP server named by a URL:
// smtp://user:pass@host:587 (STARTTLS if offered), smtp+starttls:// (STARTTLS
// required) or smtps:// (implicit TLS).
type SMTPSender struct {
	from   string
	client *gomail.Client
}

// NewSMTPSender builds a sender for rawURL with the given From address.
func NewSMTPSender(rawURL, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_URL: %w", err)
	}
	opts := []gomail.Option{gomail.WithTimeout(gomail.DefaultTimeout)}
	port := 25
	switch u.Scheme {
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	case "smtp+starttls":
		port = 587
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: SMTP_URL port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	return &SMTPSender{from: from, client: c}, nil
}

// Send delivers m. Address errors are permanent; connection errors are not.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail: from %q: %v: %w", s.from, err, ErrPermanent)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("mail: to %q: %v: %w", m.To, err, ErrPermanent)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
			return fmt.Errorf("mail: send to %s: %v: %w", m.To, err, ErrPermanent)
		}
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	return nil
}
