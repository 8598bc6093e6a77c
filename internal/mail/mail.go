// Package mail sends e-mail: through an SMTP server (SMTP, configured by
// STRATUM_SMTP_URL) or, in development and tests, into an in-memory Sink
// that the dashboard shows at /dev/mail. Both implement Sender.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Message is one plain-text e-mail.
type Message struct {
	// From is the sender ("Name <addr>" or an address); Sender implementations
	// fill in their default when empty.
	From string
	// To lists the recipients' addresses.
	To      []string
	Subject string
	// Text is the plain-text body (UTF-8).
	Text string
	// Date is when the message was written (the caller's clock: tests set it).
	Date time.Time
	// ID is the Message-ID's local part (e.g. a delivery id), so a message
	// sent twice after a retry carries the same id and mail clients can
	// drop the copy. Empty means none.
	ID string
}

// Sender sends messages.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrInvalid is returned for a message that cannot be sent as it is.
var ErrInvalid = errors.New("invalid message")

// ValidAddress reports whether s is one bare e-mail address (no display
// name, no line breaks), at most 254 characters.
func ValidAddress(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "\r\n<>,;\" \t") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	return strings.Contains(s[strings.LastIndex(s, "@")+1:], ".")
}

// check refuses messages whose headers could be forged (line breaks) or
// that have no recipient.
func (m Message) check() error {
	if len(m.To) == 0 {
		return fmt.Errorf("%w: no recipient", ErrInvalid)
	}
	for _, to := range m.To {
		if !ValidAddress(to) {
			return fmt.Errorf("%w: a recipient is not an e-mail address", ErrInvalid)
		}
	}
	if strings.ContainsAny(m.From+m.Subject+m.ID, "\r\n") {
		return fmt.Errorf("%w: a header contains a line break", ErrInvalid)
	}
	if _, err := mail.ParseAddress(m.From); err != nil {
		return fmt.Errorf("%w: the sender is not an address", ErrInvalid)
	}
	return nil
}

// envelopeFrom is the bare address of From.
func (m Message) envelopeFrom() string {
	a, err := mail.ParseAddress(m.From)
	if err != nil {
		return ""
	}
	return a.Address
}

// Bytes renders m as an RFC 5322 message: UTF-8 subject (RFC 2047),
// quoted-printable text body, CRLF line endings.
func (m Message) Bytes() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", m.From)
	h("To", strings.Join(m.To, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	if !m.Date.IsZero() {
		h("Date", m.Date.Format(time.RFC1123Z))
	}
	if m.ID != "" {
		domain := "stratum"
		if from := m.envelopeFrom(); strings.Contains(from, "@") {
			domain = from[strings.LastIndex(from, "@")+1:]
		}
		h("Message-ID", "<"+m.ID+"@"+domain+">")
	}
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	text := strings.ReplaceAll(strings.ReplaceAll(m.Text, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(text)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func mailAddress(s string) (*mail.Address, error) { return mail.ParseAddress(s) }
