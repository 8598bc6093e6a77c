// Package smtptest runs a minimal SMTP server in-process on loopback, for
// tests of code that sends e-mail: EHLO, STARTTLS (with a self-signed
// certificate the client trusts through ClientTLS), AUTH PLAIN, MAIL,
// RCPT, DATA and QUIT. It keeps what it receives.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Server is a minimal SMTP server on loopback for tests: EHLO,
// STARTTLS (when TLS is set), AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It keeps
// what it received and can be told to refuse recipients.
type Server struct {
	l   net.Listener
	tls *tls.Config // nil: no STARTTLS offered
	Options

	mu       sync.Mutex
	received []Received
}

// Received is one message the server accepted: its envelope, its data
// (headers and body, dot-unstuffed) and how the session went.
type Received struct {
	From   string
	To     []string
	Data   string
	TLS    bool
	Authed bool
}

// Options configure a Server.
type Options struct {
	// TLS offers STARTTLS.
	TLS bool
	// User and Pass, when User is set, are the AUTH PLAIN credentials
	// required before MAIL.
	User, Pass string
	// RcptErr, when set, is the reply to every RCPT TO (e.g. "550 5.1.1 no such user").
	RcptErr string
}

// New starts a server on 127.0.0.1; it stops at the test's end.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &Server{l: l, Options: o}
	if o.TLS {
		s.tls = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	}
	t.Cleanup(func() { l.Close() })
	go s.serve()
	return s
}

// Port is the port the server listens on.
func (s *Server) Port() string { return strconv.Itoa(s.l.Addr().(*net.TCPAddr).Port) }

func (s *Server) serve() {
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *Server) session(c net.Conn) {
	defer c.Close()
	r, w := bufio.NewReader(c), c.(io.Writer)
	reply := func(line string) { io.WriteString(w, line+"\r\n") }
	var cur Received
	reply("220 test.local ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO", "HELO":
			ext := []string{"250-test.local"}
			if s.tls != nil && !cur.TLS {
				ext = append(ext, "250-STARTTLS")
			}
			ext = append(ext, "250 AUTH PLAIN")
			for _, e := range ext {
				reply(e)
			}
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r, w, cur.TLS = tc, bufio.NewReader(tc), tc, true
		case "AUTH":
			parts := strings.Fields(line)
			raw, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			f := strings.Split(string(raw), "\x00")
			if len(f) == 3 && f[1] == s.User && f[2] == s.Pass {
				cur.Authed = true
				reply("235 ok")
			} else {
				reply("535 bad credentials")
			}
		case "MAIL":
			if s.User != "" && !cur.Authed {
				reply("530 authentication required")
				continue
			}
			cur.From = strings.Trim(strings.TrimPrefix(line[5:], "FROM:"), "<> ")
			reply("250 ok")
		case "RCPT":
			if s.RcptErr != "" {
				reply(s.RcptErr)
				continue
			}
			cur.To = append(cur.To, strings.Trim(strings.TrimPrefix(line[5:], "TO:"), "<> "))
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data = b.String()
			s.mu.Lock()
			s.received = append(s.received, cur)
			s.mu.Unlock()
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("250 ok")
		}
	}
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Unix(0, 0), NotAfter: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// ClientTLS is a client TLS configuration that trusts the server's certificate.
func (s *Server) ClientTLS(t testing.TB) *tls.Config {
	pool := x509.NewCertPool()
	cert, err := x509.ParseCertificate(s.tls.Certificates[0].Certificate[0])
	require.NoError(t, err)
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool}
}
