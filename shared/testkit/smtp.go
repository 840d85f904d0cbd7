package testkit

import (
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message an SMTPServer received.
type Mail struct {
	From    string
	To      []string
	Subject string
	Body    string
	Raw     string
}

// SMTPServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1, so tests
// exercise the mail client over the wire rather than a mock of it.
type SMTPServer struct {
	Addr string
	// RejectRcpt makes RCPT TO fail permanently for these addresses.
	RejectRcpt map[string]bool

	mu    sync.Mutex
	mails []Mail
	added chan struct{}
}

// StartSMTP starts a server that stops when the test ends.
func StartSMTP(t testing.TB) *SMTPServer {
	t.Helper()
	s := &SMTPServer{RejectRcpt: map[string]bool{}, added: make(chan struct{}, 100)}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testkit: smtp listen: %v", err)
	}
	s.Addr = ln.Addr().String()
	go srv.Serve(ln) //nolint:errcheck // returns when closed
	t.Cleanup(func() { srv.Close() })
	return s
}

// URL is the SMTP_URL for this server.
func (s *SMTPServer) URL() string { return "smtp://" + s.Addr }

// Mails returns what has arrived so far.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// WaitFor waits until a message to addr arrives, or fails the test.
func (s *SMTPServer) WaitFor(t testing.TB, addr string, timeout time.Duration) Mail {
	t.Helper()
	return s.WaitForNext(t, addr, 0, timeout)
}

// To is the messages to addr so far, in the order they arrived.
func (s *SMTPServer) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Mails() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WaitForNext waits until the message to addr after the first seen
// arrives, or fails the test.
func (s *SMTPServer) WaitForNext(t testing.TB, addr string, seen int, timeout time.Duration) Mail {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if to := s.To(addr); len(to) > seen {
			return to[seen]
		}
		select {
		case <-s.added:
		case <-deadline:
			t.Fatalf("testkit: no new email to %s within %s", addr, timeout)
		}
	}
}

// NewSession implements smtp.Backend.
func (s *SMTPServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{srv: s}, nil
}

type smtpSession struct {
	srv  *SMTPServer
	from string
	to   []string
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.srv.RejectRcpt[strings.ToLower(to)] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Mail{From: ss.from, To: ss.to, Raw: string(raw)}
	if msg, err := mail.ReadMessage(strings.NewReader(m.Raw)); err == nil {
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		body, _ := io.ReadAll(decodeBody(msg))
		m.Body = string(body)
	}
	if len(m.To) == 0 {
		return errors.New("no recipients")
	}
	ss.srv.mu.Lock()
	ss.srv.mails = append(ss.srv.mails, m)
	ss.srv.mu.Unlock()
	select {
	case ss.srv.added <- struct{}{}:
	default:
	}
	return nil
}

// decodeBody undoes the quoted-printable or base64 transfer encoding.
func decodeBody(msg *mail.Message) io.Reader {
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		return quotedprintable.NewReader(msg.Body)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, msg.Body)
	}
	return msg.Body
}
