// Package webhook posts JSON to URLs that tenants configure (signed
// webhooks, Slack incoming webhooks) without letting them reach the
// server's own network, and signs and verifies Stratum's webhook bodies.
//
// A tenant-chosen URL is server-side request forgery waiting to happen: the
// URL's host may name, or resolve to, loopback, a private network, a
// link-local address (cloud metadata at 169.254.169.254) or the like. The
// Policy is checked twice: when the URL is saved (CheckURL: scheme and
// literal addresses) and on every connection (the dialer's Control refuses
// a forbidden address after DNS resolution, so a name that later resolves
// to 127.0.0.1 — DNS rebinding — and redirects are refused as well).
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Policy says which URLs may be called.
type Policy struct {
	// AllowHTTP accepts http:// besides https:// (development and tests only).
	AllowHTTP bool
	// AllowPrivate accepts loopback, private, link-local and other
	// non-public addresses (development and tests only: a local receiver).
	AllowPrivate bool
}

// Production is the policy outside development and tests: https to public
// addresses only.
var Production = Policy{}

// ErrForbiddenURL is returned for a URL the policy refuses.
var ErrForbiddenURL = errors.New("forbidden URL")

// MaxURLLength bounds a configured URL.
const MaxURLLength = 2048

// CheckURL checks raw's shape against p: an absolute http(s) URL with a
// host, no user information, not longer than MaxURLLength, and — unless p
// allows private addresses — a host that is not a literal non-public IP
// address nor "localhost". Names are resolved only when connecting (see
// Client). The error says what is wrong, for the user.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("%w: must be at most %d characters", ErrForbiddenURL, MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: must be an absolute URL like https://example.com/hook", ErrForbiddenURL)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowHTTP:
	default:
		return nil, fmt.Errorf("%w: must use https", ErrForbiddenURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: must not contain a user name or password", ErrForbiddenURL)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("%w: must not contain a #fragment", ErrForbiddenURL)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: has an invalid port", ErrForbiddenURL)
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !p.AllowPrivate {
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return nil, fmt.Errorf("%w: must not point at this server's own network", ErrForbiddenURL)
		}
		if ip, err := netip.ParseAddr(host); err == nil && !Public(ip) {
			return nil, fmt.Errorf("%w: must not point at a private, loopback or link-local address", ErrForbiddenURL)
		}
	}
	return u, nil
}

// Public reports whether ip is a globally routable unicast address: not
// loopback, private (RFC 1918, fc00::/7), link-local, multicast,
// unspecified, carrier-grade NAT (100.64.0.0/10), benchmarking, documentation
// or IPv4-mapped forms of those.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var reserved = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Client posts JSON bodies under a Policy.
type Client struct {
	Policy Policy
	// Timeout bounds one request, connection included (default 10s).
	Timeout time.Duration
	// UserAgent is sent with every request (default "Stratum-Webhooks/1").
	UserAgent string

	http *http.Client
}

// Response is what a post got back: the status code (0 when no response
// arrived) and, when the server said so, how long it asks to wait.
type Response struct {
	Status     int
	RetryAfter time.Duration
}

// NewClient returns a client that dials only addresses p allows, follows
// no redirects and keeps no cookies.
func NewClient(p Policy) *Client {
	c := &Client{Policy: p, Timeout: 10 * time.Second, UserAgent: "Stratum-Webhooks/1"}
	c.http = p.HTTPClient(10*time.Second, 2)
	c.http.Timeout = 0 // Post bounds each request by c.Timeout
	return c
}

// HTTPClient returns an http.Client that dials only addresses p allows —
// checked after DNS resolution, on every connection, so a name that
// resolves to a private address is refused as well as a literal one —
// uses no proxy, follows no redirects and times a whole request out after
// timeout. For requests to URLs a tenant chose (webhooks, a conversion
// destination's baseUrl), where the URL check alone would let DNS point
// the server at its own network.
func (p Policy) HTTPClient(timeout time.Duration, idlePerHost int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: p.control}
	tr := &http.Transport{
		Proxy:                 nil, // a proxy would dial for us, past the check
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   idlePerHost,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is the receiver's answer, not a place to go
	}}
}

// control refuses, after DNS resolution, a connection to an address p does
// not allow.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	if p.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenURL, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenURL, ap.Addr())
	}
	return nil
}

// Post sends body (JSON) to rawURL with the given extra headers. It
// returns the response's status (the body is read, at most 64 KiB, and
// dropped: a receiver's answer is not stored) or an error when no response
// arrived; the error never contains the URL, whose path may be a
// credential (Slack's).
func (c *Client) Post(ctx context.Context, rawURL string, header map[string]string, body []byte) (Response, error) {
	u, err := c.Policy.CheckURL(rawURL)
	if err != nil {
		return Response{}, err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Response{}, errors.New("build request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return Response{}, sanitize(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	out := Response{Status: res.StatusCode}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		out.RetryAfter = time.Duration(s) * time.Second
	}
	return out, nil
}

// sanitize drops the URL from a transport error (*url.Error names it).
func sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrForbiddenURL):
		return fmt.Errorf("refused: the address is not public (%w)", ErrForbiddenURL)
	case errors.Is(err, context.DeadlineExceeded):
		return errors.New("timed out")
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return errors.New("the host name does not resolve")
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("could not connect (%s)", opErr.Op)
	}
	return errors.New("the request failed before a response arrived")
}

// Signature headers and tolerance. A receiver verifies a delivery with
// Verify (or its own code doing the same): see README.md, "Webhooks".
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>".
	SignatureHeader = "Stratum-Signature"
	// Tolerance is how far a signature's timestamp may be from the
	// receiver's clock before the delivery is refused as a replay.
	Tolerance = 5 * time.Minute
)

// Sign returns the Stratum-Signature header value for body sent at t with
// secret: "t=<unix>,v1=<hex of HMAC-SHA256(secret, "<unix>." + body)>".
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Verification errors.
var (
	ErrNoSignature  = errors.New("no valid v1 signature")
	ErrBadTimestamp = errors.New("timestamp outside the tolerance")
)

// Verify checks a Stratum-Signature header value for body received at now:
// its timestamp must be within tolerance of now, and one of its v1 values
// must equal HMAC-SHA256(secret, "<t>." + body) (compared in constant time).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrBadTimestamp
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrNoSignature
}
