package mail_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	smail "github.com/stratumhq/stratum/internal/mail"
	"github.com/stratumhq/stratum/internal/mail/smtptest"
)

func message() smail.Message {
	return smail.Message{To: []string{"ops@example.com"}, Subject: "Incident opened: EMQ fell — ünïcode",
		Text: "EMQ fell to 3.1.\nOpen: http://localhost:8080/incidents?id=X", Date: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), ID: "d-1"}
}

func TestSMTPSendsOverSTARTTLSWithAuth(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t, smtptest.Options{TLS: true, User: "stratum", Pass: "s3cret"})
	s, err := smail.ParseURL("smtp://stratum:s3cret@127.0.0.1:"+srv.Port(), "Stratum <alerts@example.com>")
	require.NoError(t, err)
	s.TLSConfig = srv.ClientTLS(t)
	require.NoError(t, s.Send(context.Background(), message()))

	got := srv.Messages()
	require.Len(t, got, 1)
	require.True(t, got[0].TLS, "the message went over TLS")
	require.True(t, got[0].Authed)
	require.Equal(t, "alerts@example.com", got[0].From)
	require.Equal(t, []string{"ops@example.com"}, got[0].To)
	m, err := mail.ReadMessage(strings.NewReader(got[0].Data))
	require.NoError(t, err)
	subject, err := new(mimeDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "Incident opened: EMQ fell — ünïcode", subject)
	require.Equal(t, "<d-1@example.com>", m.Header.Get("Message-ID"))
	require.Equal(t, "Wed, 25 Nov 2026 10:00:00 +0000", m.Header.Get("Date"))
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	require.Equal(t, "EMQ fell to 3.1.\r\nOpen: http://localhost:8080/incidents?id=X", strings.TrimSuffix(string(body), "\r\n"))
}

func TestSMTPRefusesToSendWithoutTLS(t *testing.T) {
	t.Parallel()
	plain := smtptest.New(t, smtptest.Options{})
	s, err := smail.ParseURL("smtp://stratum:s3cret@127.0.0.1:"+plain.Port(), "alerts@example.com")
	require.NoError(t, err)
	err = s.Send(context.Background(), message())
	require.ErrorContains(t, err, "does not offer STARTTLS")
	require.True(t, smail.Permanent(err))
	require.Empty(t, plain.Messages(), "nothing was sent in the clear")

	// Positive control: the same plain server, explicitly allowed as a
	// loopback relay, receives the message.
	s, err = smail.ParseURL("smtp://127.0.0.1:"+plain.Port()+"?tls=none", "alerts@example.com")
	require.NoError(t, err)
	require.NoError(t, s.Send(context.Background(), message()))
	require.Len(t, plain.Messages(), 1)
}

func TestSMTPRepliesClassifyFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reply     string
		permanent bool
	}{{"550 5.1.1 no such user", true}, {"451 4.3.0 try again later", false}} {
		srv := smtptest.New(t, smtptest.Options{RcptErr: tc.reply})
		s, err := smail.ParseURL("smtp://127.0.0.1:"+srv.Port()+"?tls=none", "alerts@example.com")
		require.NoError(t, err)
		err = s.Send(context.Background(), message())
		require.Error(t, err, tc.reply)
		require.Equal(t, tc.permanent, smail.Permanent(err), tc.reply)
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, err string
		mode     smail.TLSMode
		port     string
	}{
		{url: "smtp://u:p@smtp.example.com", mode: smail.StartTLS, port: "587"},
		{url: "smtps://u:p@smtp.example.com", mode: smail.Implicit, port: "465"},
		{url: "smtp://127.0.0.1:2525?tls=none", mode: smail.None, port: "2525"},
		{url: "smtp://smtp.example.com:25?tls=none", err: "loopback"},
		{url: "http://smtp.example.com", err: "scheme"},
		{url: "smtp://smtp.example.com?tls=maybe", err: "tls="},
	} {
		s, err := smail.ParseURL(tc.url, "alerts@example.com")
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.url)
			continue
		}
		require.NoError(t, err, tc.url)
		require.Equal(t, tc.mode, s.TLS, tc.url)
		require.Equal(t, tc.port, s.Port, tc.url)
	}
}

func TestMessagesRefuseHeaderInjection(t *testing.T) {
	t.Parallel()
	m := message()
	m.From = "alerts@example.com"
	_, err := m.Bytes()
	require.NoError(t, err, "positive control")
	m.Subject = "hi\r\nBcc: victim@example.com"
	_, err = m.Bytes()
	require.ErrorIs(t, err, smail.ErrInvalid)
	m = message()
	m.From, m.To = "alerts@example.com", []string{"a@example.com\r\nBcc: victim@example.com"}
	_, err = m.Bytes()
	require.ErrorIs(t, err, smail.ErrInvalid)
}

func TestSinkKeepsTheLatestMessages(t *testing.T) {
	t.Parallel()
	s := &smail.Sink{From: "alerts@example.com", Max: 2}
	for _, subj := range []string{"one", "two", "three"} {
		m := message()
		m.Subject = subj
		require.NoError(t, s.Send(context.Background(), m))
	}
	got := s.Messages()
	require.Len(t, got, 2)
	require.Equal(t, "three", got[0].Subject)
	require.Equal(t, "two", got[1].Subject)
	require.Error(t, s.Send(context.Background(), smail.Message{To: []string{"not an address"}}))
}

func TestValidAddress(t *testing.T) {
	t.Parallel()
	for s, ok := range map[string]bool{"ops@example.com": true, "a.b+c@sub.example.co": true, "Ops <ops@example.com>": false,
		"ops@localhost": false, "ops": false, "a@b.c\r\n": false, "": false, "a,b@example.com": false} {
		require.Equal(t, ok, smail.ValidAddress(s), s)
	}
}

type mimeDecoder = mime.WordDecoder
