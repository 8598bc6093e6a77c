// Package snapchatfake is a local stand-in for the Snapchat Marketing API v1
// (https://adsapi.snapchat.com/v1) and its OAuth endpoints
// (https://accounts.snapchat.com/login/oauth2/…), for tests. It implements
// the endpoints Stratum's client uses, following Snap's documentation, and
// fails the test (t.Errorf with the precise reason, plus Snap's error
// envelope in the response) on a malformed request: a missing or malformed
// Authorization header, a wrong version or path, unknown or misspelled query
// or body fields, money that is not integer micro-currency (or is below the
// documented minimums), paging parameters out of range, and stats windows
// that do not start and end at midnight in the ad account's time zone.
//
// Documentation relied on:
//   - https://developers.snap.com/api/marketing-api/Ads-API/authentication
//   - https://developers.snap.com/api/marketing-api/Ads-API/api-patterns (paging: limit 50–1000, paging.next_link)
//   - https://developers.snap.com/api/marketing-api/Ads-API/campaigns
//   - https://developers.snap.com/api/marketing-api/Ads-API/ad-squads (daily_budget_micro minimum 5000000)
//   - https://developers.snap.com/api/marketing-api/Ads-API/measurement (stats envelopes, granularity DAY)
//   - https://developers.snap.com/api/marketing-api/Ads-API/rate-limits (HTTP 429)
package snapchatfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// App credentials the fake's OAuth endpoints accept.
const (
	ClientID     = "snap-fake-client-id"
	ClientSecret = "snap-fake-client-secret"
	// Scope is the only Marketing API scope.
	Scope = "snapchat-marketing-api"
	// AccessTokenLifetime is how long an access token lives (Snap: 30 min).
	AccessTokenLifetime = 30 * time.Minute
)

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	errorf     func(format string, args ...any) // fails the test (or logs, standalone)
	fatalf     func(format string, args ...any) // misuse of the fake's own setup API
	base       string
	recordOnly bool
	now        func() time.Time
	srv        *httptest.Server

	mu     sync.Mutex
	errs   []string
	seq    int
	st     state
	grants map[string]*grant // by access or refresh token
	codes  map[string]string // authorization code → redirect_uri

	rateLimitLeft int
	retryAfter    time.Duration
	failLeft      int
	failStatus    int
	mutations     []Mutation
	requests      int
	statsPageSize int
	lastDay       time.Time
}

// Option configures New.
type Option func(*Server)

// RecordOnly makes the fake record malformed requests (Errors) without
// failing the test — for tests that send malformed requests on purpose.
func RecordOnly() Option { return func(s *Server) { s.recordOnly = true } }

// WithClock sets the clock used for token expiry (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithStatsPageSize sets how many campaigns one stats page carries
// (default 100).
func WithStatsPageSize(n int) Option { return func(s *Server) { s.statsPageSize = n } }

// WithLastDay sets the last day (YYYY-MM-DD) Seed generates delivery for
// (default 2026-11-30).
func WithLastDay(day string) Option {
	return func(s *Server) {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			panic(err)
		}
		s.lastDay = d
	}
}

// New starts a fake; it is closed when the test ends. Malformed requests
// fail t (unless RecordOnly).
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := newServer(t.Errorf, t.Fatalf, opts)
	s.srv = httptest.NewServer(s.Handler())
	s.base = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// NewStandalone builds a fake that no test owns, for running it as a
// local server (e.g. a browser journey): serve Handler() at baseURL's
// root. Malformed requests are reported through logf.
func NewStandalone(baseURL string, logf func(format string, args ...any), opts ...Option) *Server {
	s := newServer(logf, func(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }, opts)
	s.base = strings.TrimRight(baseURL, "/")
	return s
}

func newServer(errorf, fatalf func(string, ...any), opts []Option) *Server {
	s := &Server{
		errorf: errorf, fatalf: fatalf, now: time.Now, grants: map[string]*grant{}, codes: map[string]string{},
		statsPageSize: 100, lastDay: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
	}
	s.st.init()
	for _, o := range opts {
		o(s)
	}
	return s
}

// Handler serves the fake's API and OAuth endpoints.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// APIBase is the API root to configure a client with (no /v1).
func (s *Server) APIBase() string { return s.base }

// OAuthBase is the root of the fake's /login/oauth2/… endpoints.
func (s *Server) OAuthBase() string { return s.base }

// Client returns an HTTP client for the fake.
func (s *Server) Client() *http.Client {
	if s.srv == nil {
		return http.DefaultClient
	}
	return s.srv.Client()
}

// Errors lists the malformed requests the fake saw, in order.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// Requests counts the API requests served (OAuth excluded).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// RateLimitNext makes the next n API requests fail with HTTP 429, Snap's
// rate-limit signal (with Retry-After when SetRetryAfter set one).
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimitLeft = n
}

// SetRetryAfter sets the Retry-After header of rate-limited responses
// (0: none; Snap does not document one, clients must cope with both).
func (s *Server) SetRetryAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = d
}

// FailNext makes the next n API requests fail with the given HTTP status.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failStatus = n, status
}

// Mutation is one entity update the fake applied.
type Mutation struct {
	Entity  string // "campaign" or "adsquad"
	ID      string
	Changed []string // attribute names whose value changed
}

// Mutations lists the updates applied, in order.
func (s *Server) Mutations() []Mutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mutation(nil), s.mutations...)
}

// malformed records a client error and fails the test unless RecordOnly.
// Callers hold no lock.
func (s *Server) malformed(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.errs = append(s.errs, msg)
	s.mu.Unlock()
	if !s.recordOnly {
		s.errorf("snapchatfake: malformed request: %s", msg)
	}
}

// reject records a malformed request and answers with Snap's 400 envelope.
func (s *Server) reject(w http.ResponseWriter, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.malformed("%s", msg)
	writeError(w, http.StatusBadRequest, code, msg, "Your request could not be processed.")
}

func writeError(w http.ResponseWriter, status int, code, debug, display string) {
	writeJSON(w, status, map[string]any{
		"request_status":  "ERROR",
		"request_id":      requestID(),
		"debug_message":   debug,
		"display_message": display,
		"error_code":      code,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func requestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newID returns a UUID-shaped id; kind tells entity types apart. Callers
// hold s.mu.
func (s *Server) newID(kind uint32) string {
	s.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, s.seq)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/login/oauth2/"):
		s.serveOAuth(w, r)
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		s.serveAPI(w, r)
	default:
		s.malformed("%s %s: unknown path (the Marketing API lives under /v1, OAuth under /login/oauth2)", r.Method, r.URL.Path)
		writeError(w, http.StatusNotFound, "E3003", "Resource can not be found", "Resource can not be found")
	}
}

// knobs applies RateLimitNext and FailNext; it reports whether it answered.
func (s *Server) knobs(w http.ResponseWriter) bool {
	s.mu.Lock()
	s.requests++
	limited := s.rateLimitLeft > 0
	if limited {
		s.rateLimitLeft--
	}
	retry := s.retryAfter
	fail := 0
	if !limited && s.failLeft > 0 {
		s.failLeft--
		fail = s.failStatus
	}
	s.mu.Unlock()
	switch {
	case limited:
		if retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
		}
		writeError(w, http.StatusTooManyRequests, "E1008", "Too many requests", "Too many requests, please try again later.")
		return true
	case fail != 0:
		writeError(w, fail, "E2001", "Internal server error", "Something went wrong, please try again.")
		return true
	}
	return false
}

// authorize checks the Authorization header; it reports whether the
// request may proceed (else it answered 401).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" || strings.TrimSpace(tok) != tok {
		s.malformed("%s %s: Authorization header must be \"Bearer <access token>\", got %q", r.Method, r.URL.Path, redact(h))
		writeError(w, http.StatusUnauthorized, "E1002", "Missing or malformed Authorization header", "Unauthorized")
		return false
	}
	s.mu.Lock()
	g := s.grants[tok]
	valid := g != nil && g.access == tok && !g.revoked && s.now().Before(g.expires)
	s.mu.Unlock()
	if !valid {
		// A stale, revoked or unknown token is a real-world condition,
		// not a client bug: answer as Snap does without failing the test.
		writeError(w, http.StatusUnauthorized, "E1002", "Invalid or expired access token", "Unauthorized")
		return false
	}
	return true
}

func redact(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}
