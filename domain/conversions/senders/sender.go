// Package senders implements conversions.Sender for the four conversion
// APIs on their real wire formats: Meta Conversions API (Graph API
// v25.0), Google Ads uploadClickConversions (API v26, enhanced
// conversions), TikTok Events API v1.3 and Snapchat Conversions API v3.
//
// Each sender normalises and hashes customer information through package
// match (never by itself), applies its platform's required-field rules in
// Check, and in Send turns the platform's answer into one Outcome per event
// or, for answers that mean "try again" (429, 5xx, rate-limit codes,
// network errors), a *TransientError carrying the platform's Retry-After.
//
// Credentials: senders read them from conversions.Destination.Credentials
// and never log or return them; every message that could carry one (a
// url.Error with Snapchat's access_token query parameter, a platform error
// echoing a token) is scrubbed. Google Ads expects an OAuth access token in
// Credentials["accessToken"]: exchanging the destination's refresh token
// for one is the caller's job (package platforms' token source), not the
// sender's. Responses are read through an io.LimitReader (1 MiB).
package senders

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// DefaultTimeout bounds one request (connect, send, read) when Config
// brings no client.
const DefaultTimeout = 30 * time.Second

// maxResponse bounds the bytes read of any response.
const maxResponse = 1 << 20

// futureSkew is how far in the future an event_time may be (clock skew
// between Stratum and the platform; Meta refuses events from the future).
const futureSkew = time.Hour

// Config is what every sender shares.
type Config struct {
	// HTTP is the client requests go through; nil means a client with
	// DefaultTimeout.
	HTTP *http.Client
	// Now is the clock Check uses; nil means time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: DefaultTimeout}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// New returns the sender of platform (nil, false for an unknown one).
func New(platform string, c Config) (conversions.Sender, bool) {
	switch platform {
	case platforms.Meta:
		return NewMeta(c), true
	case platforms.Google:
		return NewGoogle(c), true
	case platforms.TikTok:
		return NewTikTok(c), true
	case platforms.Snapchat:
		return NewSnapchat(c), true
	}
	return nil, false
}

// TransientError is Send's error for a request to be retried as a whole:
// a network failure, a timeout, HTTP 429 or 5xx, or a platform's
// rate-limit code. Its message never contains credentials.
type TransientError struct {
	Platform   string
	Status     int // HTTP status, 0 when there was no response
	Message    string
	RetryAfter time.Duration
}

func (e *TransientError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("%s: %s", strings.ToLower(e.Platform), e.Message)
	}
	return fmt.Sprintf("%s: HTTP %d: %s", strings.ToLower(e.Platform), e.Status, e.Message)
}

// response is one HTTP answer, body bounded.
type response struct {
	status int
	header http.Header
	body   []byte
}

// post sends body as JSON and reads the bounded answer. A transport error
// comes back as a *TransientError with secrets scrubbed.
func post(ctx context.Context, client *http.Client, platform, u string, header http.Header, body any, secrets []string) (response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return response{}, fmt.Errorf("%s: encode request: %w", strings.ToLower(platform), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return response{}, fmt.Errorf("%s: %s", strings.ToLower(platform), scrub("bad base URL: "+err.Error(), secrets))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return response{}, &TransientError{Platform: platform, Message: scrub(err.Error(), secrets)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return response{}, &TransientError{Platform: platform, Status: resp.StatusCode, Message: scrub("reading the response: "+err.Error(), secrets)}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// scrub removes every secret (as given and URL-escaped) from s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, sec, "[redacted]")
		s = strings.ReplaceAll(s, url.QueryEscape(sec), "[redacted]")
	}
	return s
}

// retryAfter reads Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// every answers each event with the same status and message.
func every(events []conversions.Event, st conversions.Status, code, msg string) []conversions.Outcome {
	out := make([]conversions.Outcome, len(events))
	for i, e := range events {
		out[i] = conversions.Outcome{Key: e.Key, Status: st, Code: code, Message: msg}
	}
	return out
}

// refuse fails every event without a request (bad credentials).
func refuse(events []conversions.Event, msg string) conversions.Result {
	return conversions.Result{Outcomes: every(events, conversions.StatusFailed, "", msg), Summary: "not sent: " + msg}
}

// need returns the credential fields, or the message naming the missing ones.
func need(d conversions.Destination, keys ...string) ([]string, string) {
	vals := make([]string, len(keys))
	var missing []string
	for i, k := range keys {
		vals[i] = strings.TrimSpace(d.Credentials[k])
		if vals[i] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, "the destination's credentials lack " + strings.Join(missing, ", ")
	}
	return vals, ""
}

// baseURL is the destination's base URL or the platform's, without a
// trailing slash.
func baseURL(d conversions.Destination, def string) string {
	if d.BaseURL != "" {
		return strings.TrimRight(d.BaseURL, "/")
	}
	return def
}

// decimal renders micros as an exact JSON number in units ("25", "12.34").
func decimal(currency string, micros *int64) *json.Number {
	if micros == nil {
		return nil
	}
	n := json.Number(money.FormatMicros(currency, *micros))
	return &n
}

// checkTime applies an age limit and the future skew.
func checkTime(e conversions.Event, now time.Time, maxAge time.Duration, platform string) string {
	switch {
	case e.Time.IsZero():
		return "event_time is missing"
	case now.Sub(e.Time) > maxAge:
		return fmt.Sprintf("the event is %s old; %s accepts events up to %s old", roundAge(now.Sub(e.Time)), platform, roundAge(maxAge))
	case e.Time.Sub(now) > futureSkew:
		return fmt.Sprintf("event_time is %s in the future", roundAge(e.Time.Sub(now)))
	}
	return ""
}

func roundAge(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

// onlyDigits reports whether s is a non-empty run of ASCII digits (ids
// that go into URL paths).
func onlyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip bounds a platform message kept in the delivery log.
func clip(s string) string {
	const max = 500
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
