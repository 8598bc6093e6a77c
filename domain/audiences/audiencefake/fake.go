// Package audiencefake is a validating fake of the four platforms'
// customer-list APIs (Meta Custom Audiences, Google Ads Customer Match,
// TikTok audience segments, Snapchat customer lists) for tests: one
// httptest server answering each platform's paths. A request that breaks
// the platform's documented rules — wrong path or version, missing auth, an
// unknown field, a schema name the platform does not take, an identifier
// that is not 64 lower-case hex characters, more records than the
// per-request limit, an unknown audience — fails the test (Errorf on the
// testing.TB given) and is answered with the platform's error. Accepted
// users are recorded per audience, so a test reads the audience's members
// and how often each digest was added.
package audiencefake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Token is the access token every request must carry.
const Token = "fake-audience-token"

// DeveloperToken is the developer-token Google requests must carry.
const DeveloperToken = "fake-dev-token"

// The platforms' per-request limits the fake enforces (Limits lowers them).
var defaultLimits = map[string]int{"META": 10000, "GOOGLE": 10000, "TIKTOK": 10000, "SNAPCHAT": 100000}

var digest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Server is the fake.
type Server struct {
	*httptest.Server
	t testing.TB

	mu sync.Mutex
	// Limits are the per-request limits by platform (records for Meta,
	// operations for Google, users for TikTok, identifiers for Snapchat).
	Limits    map[string]int
	audiences map[string]*Audience
	jobs      map[string]*job
	next      int
	failures  []failure
	requests  int
	// Token is the access token requests must carry (default Token).
	Token string
	// Strict is false to answer malformed requests with errors without
	// failing the test (the tests that show the fake rejects them).
	Strict bool
	// Rejected counts requests refused as malformed.
	Rejected int
}

// Audience is one audience the fake holds.
type Audience struct {
	Platform, Account, Name string
	// Members are the digests in the audience now.
	Members map[string]bool
	// Added counts how many times each digest was added.
	Added map[string]int
}

type job struct {
	list string
	ops  []op
	ran  bool
}

type op struct {
	remove bool
	ids    []string
}

type failure struct {
	after      int // requests to let through first
	status     int
	retryAfter int
}

// New starts the fake; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{t: t, Limits: map[string]int{}, audiences: map[string]*Audience{}, jobs: map[string]*job{}, Strict: true, Token: Token}
	for k, v := range defaultLimits {
		s.Limits[k] = v
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/v25.0/", s.meta)
	mux.HandleFunc("/v26/", s.google)
	mux.HandleFunc("/open_api/v1.3/", s.tiktok)
	mux.HandleFunc("/v1/", s.snapchat)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// FailNext makes the next request answer status (with Retry-After seconds
// when retryAfter > 0) without doing anything.
func (s *Server) FailNext(status, retryAfter int) { s.FailAfter(0, status, retryAfter) }

// FailAfter lets n requests through, then answers the next one status
// (with Retry-After seconds when retryAfter > 0) without doing anything.
func (s *Server) FailAfter(n, status, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{after: n, status: status, retryAfter: retryAfter})
}

// Requests is how many requests arrived.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Audiences returns a copy of the audiences by id.
func (s *Server) Audiences() map[string]Audience {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Audience{}
	for id, a := range s.audiences {
		c := Audience{Platform: a.Platform, Account: a.Account, Name: a.Name, Members: map[string]bool{}, Added: map[string]int{}}
		for k, v := range a.Members {
			c.Members[k] = v
		}
		for k, v := range a.Added {
			c.Added[k] = v
		}
		out[id] = c
	}
	return out
}

// Members returns an audience's digests, sorted.
func (s *Server) Members(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if a := s.audiences[id]; a != nil {
		for k := range a.Members {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// begin counts the request and answers an injected failure (true: done).
func (s *Server) begin(w http.ResponseWriter) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if len(s.failures) == 0 {
		return false
	}
	if s.failures[0].after > 0 {
		s.failures[0].after--
		return false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
	}
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, `{"error":{"message":"injected failure","code":2,"status":"UNAVAILABLE"}}`)
	return true
}

// refuse records a malformed request: the test fails when Strict.
func (s *Server) refuse(w http.ResponseWriter, status int, body string, format string, args ...any) {
	s.mu.Lock()
	s.Rejected++
	strict := s.Strict
	s.mu.Unlock()
	if strict {
		s.t.Errorf("audiencefake: "+format, args...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// create adds an audience and returns its id.
func (s *Server) create(platform, account, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := fmt.Sprintf("%d", 23840000000+s.next)
	if platform == "SNAPCHAT" {
		id = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.next)
	}
	if platform == "GOOGLE" {
		id = "customers/" + account + "/userLists/" + id
	}
	s.audiences[id] = &Audience{Platform: platform, Account: account, Name: name, Members: map[string]bool{}, Added: map[string]int{}}
	return id
}

// apply adds or removes digests of an audience.
func (s *Server) apply(id string, remove bool, ids []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.audiences[id]
	if a == nil {
		return false
	}
	for _, d := range ids {
		if remove {
			delete(a.Members, d)
		} else {
			a.Members[d] = true
			a.Added[d]++
		}
	}
	return true
}

func (s *Server) exists(id, platform string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.audiences[id]
	return a != nil && a.Platform == platform
}

func (s *Server) limit(platform string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Limits[platform]
}

// decodeStrict decodes JSON refusing unknown fields.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
