// Package capifake is a set of local fakes of the four conversion APIs
// (Meta Conversions API, Google Ads uploadClickConversions, TikTok Events
// API 1.3, Snapchat Conversions API v3) for tests, in the style of
// domain/platforms/meta/metafake: one httptest server per platform that
// VALIDATES every request against the platform's documented rules and
// FAILS THE TEST (Errorf on the testing.TB it was given) on a malformed
// one — unknown field names (bodies are decoded with
// DisallowUnknownFields), missing auth, an email or phone that is not a
// 64-hex SHA-256 digest, a digest where the platform wants clear text (IP,
// user agent, click ids), money in the wrong unit (micros instead of
// units), a batch over the limit, a stale event — and answers with the
// platform's own error body. Well-formed requests are answered as the
// platform does; accepted events are recorded (Accepted), deduplicated by
// the platform's key (Meta: event_id + event_name; TikTok and Snapchat:
// event_id; Google: orderId) with duplicates counted apart.
//
// Knobs: RateLimitNext (HTTP 429 with Retry-After and the platform's
// rate-limit body), FailNext (HTTP 500/503), FailEvent (the platform's
// per-event refusal for one event id). Options: Lenient (record
// violations in Errors without failing the test), Raw (accept anything
// well-framed without validating or recording events: a benchmark
// baseline of the fake's own cost).
//
// What the fakes assume beyond the documentation (Snapchat's success body,
// TikTok's error code for a refused event) is marked where it is written.
package capifake

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/platforms"
)

// maxBody bounds a request body (Meta documents no byte limit; 1,000
// events of realistic size are well under it).
const maxBody = 16 << 20

// DefaultMaxValue is the largest conversion value, in currency units, the
// fakes take for real money; anything above is assumed to be micros or
// minor units sent by mistake. Tests with larger orders raise it with
// MaxValue.
const DefaultMaxValue = 1_000_000

// Accepted is one event a fake accepted.
type Accepted struct {
	// DedupKey is the platform's deduplication key of the event.
	DedupKey string
	EventID  string
	Name     string
	Time     time.Time
	// Test marks events sent with a test code or validate-only.
	Test bool
	// JSON is the event exactly as received (one element of data[] or
	// conversions[]).
	JSON json.RawMessage
}

// Server is one platform's fake. Safe for concurrent use.
type Server struct {
	platform string
	errorf   func(format string, args ...any)
	lenient  bool
	raw      bool
	maxValue float64
	now      func() time.Time
	srv      *httptest.Server
	handle   func(s *Server, w http.ResponseWriter, r *http.Request)

	mu          sync.Mutex
	errs        []string
	accepted    []Accepted
	seen        map[string]bool
	dups        int
	count       int
	requests    int
	rateLimitN  int
	retryAfter  time.Duration
	failN       int
	failStatus  int
	eventErrors map[string]string
	// quality is the Meta fake's Dataset Quality answer per event name
	// (SetQuality), in the order set.
	quality []QualityScore
}

// Option configures a fake.
type Option func(*Server)

// Lenient records protocol violations in Errors instead of failing the
// test (negative controls that send malformed requests on purpose).
func Lenient() Option { return func(s *Server) { s.lenient = true } }

// Raw accepts every well-framed request without validating or recording
// events (only counting them): the fake's raw acceptance rate, a baseline
// for forwarding benchmarks.
func Raw() Option { return func(s *Server) { s.raw = true } }

// WithClock sets the fake's clock (event age checks).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// MaxValue sets the largest plausible conversion value in units.
func MaxValue(units float64) Option { return func(s *Server) { s.maxValue = units } }

func start(t testing.TB, platform string, handle func(*Server, http.ResponseWriter, *http.Request), opts []Option) *Server {
	s := &Server{
		platform: platform, errorf: t.Errorf, maxValue: DefaultMaxValue, now: time.Now, handle: handle,
		seen: map[string]bool{}, eventErrors: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the fake's base URL (a destination's BaseURL).
func (s *Server) URL() string { return s.srv.URL }

// Client is an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Destination returns a destination pointing at the fake with the
// credentials it accepts.
func (s *Server) Destination() conversions.Destination {
	d := conversions.Destination{Platform: s.platform, BaseURL: s.srv.URL}
	switch s.platform {
	case platforms.Meta:
		d.Credentials = map[string]string{"pixelId": MetaPixelID, "accessToken": MetaAccessToken}
	case platforms.Google:
		d.Credentials = map[string]string{"customerId": GoogleCustomerID, "conversionActionId": GoogleConversionActionID,
			"developerToken": GoogleDeveloperToken, "accessToken": GoogleAccessToken, "loginCustomerId": GoogleLoginCustomerID}
	case platforms.TikTok:
		d.Credentials = map[string]string{"pixelCode": TikTokPixelCode, "accessToken": TikTokAccessToken}
	case platforms.Snapchat:
		d.Credentials = map[string]string{"pixelId": SnapchatPixelID, "accessToken": SnapchatAccessToken}
	}
	return d
}

// Errors returns the protocol violations seen so far.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// Accepted returns the distinct events accepted so far, in arrival order.
func (s *Server) Accepted() []Accepted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Accepted(nil), s.accepted...)
}

// Duplicates is how many accepted events repeated an earlier dedup key.
func (s *Server) Duplicates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dups
}

// Count is how many events were accepted, duplicates included (in Raw
// mode, the only record).
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Requests is how many requests were served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// RateLimitNext makes the next n requests fail with HTTP 429, a
// Retry-After of after (whole seconds), and the platform's rate-limit body.
func (s *Server) RateLimitNext(n int, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimitN, s.retryAfter = n, after
}

// FailNext makes the next n requests fail with HTTP status (500, 503).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// FailEvent makes the platform refuse the event with this event id (for
// Google: this orderId) with message, the way it refuses a bad event:
// Meta, TikTok and Snapchat refuse the whole request, Google the one
// conversion (partialFailureError).
func (s *Server) FailEvent(eventID, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventErrors[eventID] = message
}

func (s *Server) eventError(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.eventErrors[id]
	return m, ok
}

// violation reports a malformed request.
func (s *Server) violation(r *http.Request, format string, args ...any) {
	msg := fmt.Sprintf("capifake %s: %s %s: ", s.platform, r.Method, r.URL.Path) + fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.errs = append(s.errs, msg)
	s.mu.Unlock()
	if !s.lenient {
		s.errorf("%s", msg)
	}
}

// injected answers the RateLimitNext/FailNext knobs: (status, retry) or 0.
func (s *Server) injected() (status int, retry time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	switch {
	case s.rateLimitN > 0:
		s.rateLimitN--
		return http.StatusTooManyRequests, s.retryAfter
	case s.failN > 0:
		s.failN--
		return s.failStatus, 0
	}
	return 0, 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.platform == platforms.Meta && strings.HasSuffix(r.URL.Path, "/dataset_quality") {
		s.serveMetaQuality(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.violation(r, "method %s: the conversion APIs take POST", r.Method)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.violation(r, "Content-Type %q, want application/json", ct)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	s.handle(s, w, r)
}

// record stores accepted events under their dedup keys.
func (s *Server) record(evs []Accepted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range evs {
		s.count++
		if e.Test {
			continue
		}
		// Without an event id the platforms cannot deduplicate: every copy
		// counts.
		if e.EventID != "" {
			if s.seen[e.DedupKey] {
				s.dups++
				continue
			}
			s.seen[e.DedupKey] = true
		}
		s.accepted = append(s.accepted, e)
	}
}

func (s *Server) countRaw(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count += n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
}

// decodeStrict decodes a JSON body refusing unknown fields and trailing data.
func decodeStrict(r io.Reader, v any) error {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the JSON body")
	}
	return nil
}

// Field checks shared by the fakes. Each returns "" when fine.

var hexDigestRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// isDigest is a lower-case SHA-256 hex digest (what Stratum sends).
func isDigest(s string) bool { return hexDigestRE.MatchString(s) }

// looksHashed is any 64-hex string (either case): clear fields must not be.
func looksHashed(s string) bool { return len(s) == 64 && hexDigestRE.MatchString(strings.ToLower(s)) }

func checkHashed(field string, vals ...string) string {
	for _, v := range vals {
		if !isDigest(v) {
			return fmt.Sprintf("%s must be a SHA-256 hex digest (64 lower-case hex characters) of the normalised value, got %q", field, clip(v))
		}
	}
	return ""
}

func checkIP(field, v string) string {
	if v != "" && net.ParseIP(v) == nil {
		return fmt.Sprintf("%s must be an IPv4 or IPv6 address in clear, got %q", field, clip(v))
	}
	return ""
}

func checkClear(field, v string) string {
	if looksHashed(v) {
		return fmt.Sprintf("%s must be sent in clear, not hashed", field)
	}
	return ""
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// checkMoney: value a JSON number in units (≤ 6 decimals, ≤ the plausible
// maximum: micros would be a million times too large), currency ISO 4217
// upper case and, where the platform has no account default, present
// with a value.
func (s *Server) checkMoney(valueField string, v *json.Number, currency string, needCurrency bool) string {
	if currency != "" && !currencyRE.MatchString(currency) {
		return fmt.Sprintf("currency %q is not an upper-case ISO 4217 code", currency)
	}
	if v == nil {
		return ""
	}
	f, err := v.Float64()
	if err != nil {
		return fmt.Sprintf("%s %q is not a number", valueField, v.String())
	}
	if _, frac, ok := strings.Cut(v.String(), "."); ok && len(frac) > 6 || strings.ContainsAny(v.String(), "eE") {
		return fmt.Sprintf("%s %s has float noise or an exponent: send an exact decimal", valueField, v.String())
	}
	if f > s.maxValue || f < -s.maxValue {
		return fmt.Sprintf("%s %s is implausibly large: the value is in currency units, not micros or cents", valueField, v.String())
	}
	if currency == "" && needCurrency {
		return fmt.Sprintf("%s needs a currency", valueField)
	}
	return ""
}

// checkSeconds: event_time a Unix time in seconds (not milliseconds).
func checkSeconds(field string, t int64) string {
	if t <= 0 || t > 1e11 {
		return fmt.Sprintf("%s %d is not a Unix time in seconds", field, t)
	}
	return ""
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func firstOf(reasons ...string) string {
	for _, r := range reasons {
		if r != "" {
			return r
		}
	}
	return ""
}

// rawEvents splits a body's event array for recording.
func rawEvents(body []byte, key string) []json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	var evs []json.RawMessage
	_ = json.Unmarshal(m[key], &evs)
	return evs
}

// countArray counts the elements of the top-level array under key in a
// JSON object without decoding them (Raw mode's whole cost): a byte scan
// that tracks strings and nesting depth. -1 when the body has no such
// array.
func countArray(body []byte, key string) int {
	depth, inStr, esc := 0, false, false
	start := -1
	n, empty := 0, true
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
			if start >= 0 && depth == 2 {
				empty = false
			}
			if depth == 1 && start < 0 && strings.HasPrefix(string(body[i:min(len(body), i+len(key)+2)]), `"`+key+`"`) {
				j := i + len(key) + 2
				for j < len(body) && (body[j] == ' ' || body[j] == ':' || body[j] == '\n' || body[j] == '\t') {
					j++
				}
				if j < len(body) && body[j] == '[' {
					start, depth, i, inStr = j, 2, j, false
				}
			}
		case '{', '[':
			if start >= 0 && depth == 2 {
				empty = false
			}
			depth++
		case '}', ']':
			depth--
			if start >= 0 && depth == 1 {
				if !empty {
					n++
				}
				return n
			}
		case ',':
			if start >= 0 && depth == 2 {
				n++
			}
		default:
			if start >= 0 && depth == 2 && c != ' ' && c != '\n' && c != '\t' && c != '\r' {
				empty = false
			}
		}
	}
	return -1
}

// readBody reads the (bounded) body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(r.Body)
}
