package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"net/url"
	"time"
)

// TLSMode is how an SMTP connection is protected.
type TLSMode string

// TLS modes.
const (
	// StartTLS upgrades a plain connection with STARTTLS and refuses to go
	// on when the server does not offer it (smtp://, the default).
	StartTLS TLSMode = "starttls"
	// Implicit speaks TLS from the first byte (smtps://, usually port 465).
	Implicit TLSMode = "tls"
	// None sends in the clear: only to a loopback relay (smtp://…?tls=none).
	None TLSMode = "none"
)

// SMTP sends through one SMTP server with net/smtp.
type SMTP struct {
	// Host and Port address the server; Host is also the TLS server name.
	Host, Port string
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set (only over TLS, or to a loopback server).
	Username, Password string
	TLS                TLSMode
	// From is the sender of messages that name none.
	From string
	// Timeout bounds one Send, connection included (default 30s).
	Timeout time.Duration
	// TLSConfig, if set, replaces the default (which verifies Host's
	// certificate against the system roots); tests trust their own server.
	TLSConfig *tls.Config
}

// ParseURL reads STRATUM_SMTP_URL: smtp://[user:password@]host[:port]
// (STARTTLS required, port 587 by default), smtps://… (implicit TLS, port
// 465) or smtp://host:port?tls=none (no TLS, loopback hosts only). from is
// the default sender.
func ParseURL(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("not a URL like smtp://user:password@smtp.example.com:587")
	}
	s := &SMTP{Host: u.Hostname(), Port: u.Port(), From: from, Timeout: 30 * time.Second}
	switch u.Scheme {
	case "smtp":
		s.TLS = StartTLS
		if s.Port == "" {
			s.Port = "587"
		}
		switch u.Query().Get("tls") {
		case "", "starttls":
		case "none":
			s.TLS = None
		default:
			return nil, errors.New("tls= must be starttls or none")
		}
	case "smtps":
		s.TLS = Implicit
		if s.Port == "" {
			s.Port = "465"
		}
	default:
		return nil, errors.New("the scheme must be smtp or smtps")
	}
	if s.TLS == None && !loopback(s.Host) {
		return nil, errors.New("tls=none is allowed only for a loopback host (a local relay)")
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if _, err := mailAddress(from); err != nil {
		return nil, fmt.Errorf("the sender %q is not an e-mail address", from)
	}
	return s, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Send implements Sender. An error that the server gave as permanent (a
// 5xx reply) satisfies Permanent; others (4xx, network) may succeed later.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.From
	}
	body, err := m.Bytes()
	if err != nil {
		return &permanentError{err}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := s.send(c, m, body); err != nil {
		return classify(err)
	}
	return nil
}

// dial connects (with TLS from the start in Implicit mode) and says hello,
// upgrading with STARTTLS in StartTLS mode. The connection ends when ctx does.
func (s *SMTP) dial(ctx context.Context) (*smtp.Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host, s.Port))
	if err != nil {
		return nil, fmt.Errorf("connect to the SMTP server: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	context.AfterFunc(ctx, func() { conn.Close() }) // Send's cancel ends it too
	if s.TLS == Implicit {
		conn = tls.Client(conn, s.tlsConfig())
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return nil, classify(fmt.Errorf("SMTP greeting: %w", err))
	}
	if err := c.Hello("stratum.localhost"); err != nil {
		c.Close()
		return nil, classify(err)
	}
	if s.TLS == StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			c.Close()
			return nil, &permanentError{errors.New("the SMTP server does not offer STARTTLS (use smtps:// or, for a loopback relay, ?tls=none)")}
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			c.Close()
			return nil, fmt.Errorf("STARTTLS: %w", err)
		}
	}
	return c, nil
}

func (s *SMTP) send(c *smtp.Client, m Message, body []byte) error {
	if s.Username != "" {
		// PlainAuth itself refuses to send the password without TLS unless
		// the host is localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("authenticate: %w", err)
		}
	}
	if err := c.Mail(m.envelopeFrom()); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("RCPT TO: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		cfg := s.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = s.Host
		}
		return cfg
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// permanentError is a failure that retrying will not fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent reports whether err is a failure that retrying the same
// message will not fix: a 5xx SMTP reply or an invalid message.
func Permanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// classify marks 5xx replies permanent.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &permanentError{err}
	}
	return err
}
