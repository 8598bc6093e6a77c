// Package metafake is a local fake of the Meta Marketing API (Graph API
// v25.0) for tests: it implements the endpoints domain/platforms/meta uses,
// per Meta's documentation, keeps accounts, campaigns, ad sets, ads and
// tokens in memory, generates daily campaign insights deterministically,
// and FAILS THE TEST (t.Errorf, plus Meta's own error response) on a
// malformed request: a missing or wrong access token or appsecret_proof,
// a wrong API version or path, an unknown query/body parameter or field, a
// budget or bid that is not an integer in the currency's minor unit, a bad
// cursor, limit or time_range.
//
// Documentation followed:
// https://developers.facebook.com/docs/graph-api/results (paging)
// https://developers.facebook.com/docs/graph-api/guides/error-handling
// https://developers.facebook.com/docs/graph-api/overview/rate-limiting
// https://developers.facebook.com/docs/graph-api/securing-requests (appsecret_proof)
// https://developers.facebook.com/docs/marketing-api/reference/ad-account/
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/
// https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/
// https://developers.facebook.com/docs/marketing-api/reference/adgroup/
// https://developers.facebook.com/docs/marketing-api/insights
// https://developers.facebook.com/docs/marketing-api/currencies
// https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
// https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
package metafake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Version is the Graph API version the fake serves (the client's).
const Version = "v25.0"

// App credentials the fake accepts.
const (
	ClientID     = "1234567890123456"
	ClientSecret = "fake-meta-app-secret"
)

// Token lifetimes as Meta documents them: short-lived user tokens last
// hours, long-lived ones about 60 days (5,183,944 s in Meta's example).
const (
	ShortLivedTTL = 90 * time.Minute
	LongLivedTTL  = 5183944 * time.Second
)

// Server is the fake. Safe for concurrent use.
type Server struct {
	errorf  func(format string, args ...any) // t.Errorf, or a log when standalone
	fatalf  func(format string, args ...any)
	lenient bool
	now     func() time.Time
	srv     *httptest.Server

	mu         sync.Mutex
	errs       []string
	seq        int64
	tokens     map[string]*token
	codes      map[string]*authCode
	accounts   []*Account
	byAccount  map[string]*accountState // "act_<id>"
	campaigns  map[string]*Campaign
	adSets     map[string]*AdSet
	ads        map[string]*Ad
	days       []string // the insight window, ascending YYYY-MM-DD
	rateLimitN int
	retryMins  int
	failN      int
	failStatus int
	mutations  []Mutation
	calls      int
}

// Account is an ad account.
type Account struct {
	ID       string // "act_<digits>"
	Name     string
	Currency string
	TimeZone string // IANA, timezone_name
	Status   int    // account_status (1 active)
}

// Campaign is a campaign; money in the currency's minor unit, as on the wire.
type Campaign struct {
	ID, AccountID, Name string
	Status              string // ACTIVE, PAUSED, DELETED, ARCHIVED
	Objective           string
	DailyBudget         int64 // minor units; 0 = budget on the ad sets
}

// AdSet is an ad set.
type AdSet struct {
	ID, AccountID, CampaignID, Name string
	Status                          string
	DailyBudget, BidAmount          int64 // minor units
}

// Ad is an ad.
type Ad struct {
	ID, AccountID, AdSetID, Name string
	Status                       string
}

// Mutation is one applied POST.
type Mutation struct {
	Object string            // the node id posted to
	Kind   string            // "campaign" or "adset"
	Params map[string]string // the form fields applied
}

type accountState struct {
	acct      *Account
	campaigns []string
	adSets    []string
	ads       []string
}

type token struct {
	user      string
	expires   time.Time
	revoked   bool
	longLived bool
}

type authCode struct {
	redirect string
	expires  time.Time
	used     bool
}

// Option configures New.
type Option func(*Server)

// Lenient records protocol violations in Errors instead of failing t (for
// tests that send malformed requests on purpose).
func Lenient() Option { return func(s *Server) { s.lenient = true } }

// WithClock sets the fake's clock (token expiry).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// New starts a fake on a loopback port; it closes with the test.
func New(t testing.TB, opts ...Option) *Server {
	s := newServer(t.Errorf, t.Fatalf, opts)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// NewStandalone serves the fake on addr (e.g. "127.0.0.1:8091") outside a
// test, for local development and the browser journey: violations go to
// logf (they are also in Errors). Close it with Close.
func NewStandalone(addr string, logf func(format string, args ...any), opts ...Option) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer(logf, func(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }, opts)
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	_ = s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// Close stops the server (New closes it with the test).
func (s *Server) Close() { s.srv.Close() }

func newServer(errorf, fatalf func(string, ...any), opts []Option) *Server {
	s := &Server{
		errorf: errorf, fatalf: fatalf, now: time.Now, retryMins: 5,
		tokens: map[string]*token{}, codes: map[string]*authCode{},
		byAccount: map[string]*accountState{}, campaigns: map[string]*Campaign{},
		adSets: map[string]*AdSet{}, ads: map[string]*Ad{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// URL is the server's root.
func (s *Server) URL() string { return s.srv.URL }

// APIBase is the Graph API root to configure a client with.
func (s *Server) APIBase() string { return s.srv.URL }

// OAuthBase is the login dialog root (same server, /<version>/dialog/oauth).
func (s *Server) OAuthBase() string { return s.srv.URL }

// Endpoints returns a client configuration for this fake.
func (s *Server) Endpoints() platforms.Endpoints {
	return platforms.Endpoints{APIBase: s.APIBase(), OAuthBase: s.OAuthBase(), ClientID: ClientID, ClientSecret: ClientSecret, HTTP: s.srv.Client()}
}

// Errors returns the protocol violations seen so far.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// Calls is the number of requests served (all endpoints).
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Mutations returns the POSTs applied so far, in order.
func (s *Server) Mutations() []Mutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mutation(nil), s.mutations...)
}

// RateLimitNext makes the next n API calls fail with Meta's Business Use
// Case rate limit: HTTP 400, code 80000 (insights) or 80004 (other ads
// management calls), and X-Business-Use-Case-Usage with
// estimated_time_to_regain_access of RetryMinutes.
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimitN = n
}

// SetRetryMinutes sets estimated_time_to_regain_access (default 5).
func (s *Server) SetRetryMinutes(m int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryMins = m
}

// FailNext makes the next n API calls fail with HTTP status and Meta's
// transient error (code 2, is_transient).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// IssueToken creates a long-lived user token valid for ttl (tests that skip
// the login flow).
func (s *Server) IssueToken(ttl time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issue(ttl, true)
}

// Revoke makes tok fail every later call with code 190 (subcode 458, the
// user removed the app), as Meta does for a deauthorized app.
func (s *Server) Revoke(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[tok]; t != nil {
		t.revoked = true
	}
}

func (s *Server) issue(ttl time.Duration, long bool) string {
	s.seq++
	tok := fmt.Sprintf("EAAfake%06d%s", s.seq, strings.Repeat("x", 24))
	s.tokens[tok] = &token{user: "10001", expires: s.now().Add(ttl), longLived: long}
	return tok
}

func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%012d", prefix, s.seq)
}

// violation reports a malformed request: t.Errorf (or, lenient, only the
// Errors log).
func (s *Server) violation(r *http.Request, format string, args ...any) {
	msg := fmt.Sprintf("metafake: %s %s: ", r.Method, r.URL.Path) + fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.errs = append(s.errs, msg)
	s.mu.Unlock()
	if !s.lenient {
		s.errorf("%s", msg)
	}
}

// graphErr is Meta's error envelope.
type graphErr struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode,omitempty"`
	IsTransient bool   `json:"is_transient,omitempty"`
	FBTraceID   string `json:"fbtrace_id"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, e graphErr) {
	if e.Type == "" {
		e.Type = "OAuthException"
	}
	e.FBTraceID = "AfakeTrace" + strconv.Itoa(e.Code)
	writeJSON(w, status, map[string]graphErr{"error": e})
}

// badParam answers Meta's invalid-parameter error (code 100).
func badParam(w http.ResponseWriter, msg string) {
	writeErr(w, http.StatusBadRequest, graphErr{Message: "(#100) " + msg, Code: 100})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+Version+"/")
	if !ok {
		s.violation(r, "path must start with /%s/ (the pinned Graph API version)", Version)
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Unknown path components: " + r.URL.Path, Code: 2500})
		return
	}
	if rest == "dialog/oauth" {
		s.dialog(w, r)
		return
	}
	if s.injectedFailure(w, rest) {
		return
	}
	if rest == "oauth/access_token" {
		s.accessToken(w, r)
		return
	}
	params, ok := s.params(w, r)
	if !ok {
		return
	}
	if !s.authenticate(w, r, params) {
		return
	}
	s.route(w, r, rest, params)
}

// injectedFailure answers RateLimitNext / FailNext.
func (s *Server) injectedFailure(w http.ResponseWriter, rest string) bool {
	s.mu.Lock()
	rl, fail, status, mins := s.rateLimitN > 0, s.failN > 0, s.failStatus, s.retryMins
	if rl {
		s.rateLimitN--
	} else if fail {
		s.failN--
	}
	s.mu.Unlock()
	switch {
	case rl:
		acct, _, _ := strings.Cut(rest, "/")
		code, typ := 80004, "ads_management"
		if strings.HasSuffix(rest, "/insights") {
			code, typ = 80000, "ads_insights"
		}
		id := strings.TrimPrefix(acct, "act_")
		usage := map[string][]map[string]any{id: {{"type": typ, "call_count": 100, "total_cputime": 30, "total_time": 40, "estimated_time_to_regain_access": mins}}}
		b, _ := json.Marshal(usage)
		w.Header().Set("X-Business-Use-Case-Usage", string(b))
		writeErr(w, http.StatusBadRequest, graphErr{Message: fmt.Sprintf("(#%d) There have been too many calls to this ad-account. Wait a bit and try again.", code), Code: code, Subcode: 2446079})
		return true
	case fail:
		writeErr(w, status, graphErr{Message: "An unexpected error has occurred. Please retry your request later.", Code: 2, IsTransient: true})
		return true
	}
	return false
}

// params reads the query (GET) or form body (POST) and refuses other
// methods and content types.
func (s *Server) params(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	switch r.Method {
	case http.MethodGet:
		return r.URL.Query(), true
	case http.MethodPost:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			s.violation(r, "POST body must be application/x-www-form-urlencoded, got %q", ct)
			badParam(w, "Unsupported request body")
			return nil, false
		}
		if len(r.URL.RawQuery) > 0 {
			s.violation(r, "POST parameters belong in the form body, not the query %q", redact(r.URL.Query()))
		}
		r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
		if err := r.ParseForm(); err != nil {
			s.violation(r, "unreadable form body: %v", err)
			badParam(w, "Unreadable request body")
			return nil, false
		}
		return r.PostForm, true
	default:
		s.violation(r, "method %s is not used by the Marketing API client", r.Method)
		badParam(w, "Unsupported method")
		return nil, false
	}
}

// redact hides secrets in a violation message.
func redact(q url.Values) string {
	c := url.Values{}
	for k, v := range q {
		switch k {
		case "access_token", "client_secret", "fb_exchange_token", "appsecret_proof", "code":
			c[k] = []string{"…"}
		default:
			c[k] = v
		}
	}
	return c.Encode()
}

// authenticate checks the user token (Authorization: Bearer or the
// access_token parameter, as Meta accepts both) and appsecret_proof.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, q url.Values) bool {
	tok := ""
	if h := r.Header.Get("Authorization"); h != "" {
		b, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || b == "" {
			s.violation(r, "Authorization header must be \"Bearer <token>\"")
			writeErr(w, http.StatusBadRequest, graphErr{Message: "Invalid OAuth access token - Cannot parse access token", Code: 190})
			return false
		}
		tok = b
	}
	if qt := q.Get("access_token"); qt != "" {
		if tok != "" && qt != tok {
			s.violation(r, "access_token parameter and Authorization header disagree")
		}
		tok = qt
	}
	if tok == "" {
		s.violation(r, "no access token (Authorization: Bearer or access_token)")
		writeErr(w, http.StatusBadRequest, graphErr{Message: "An access token is required to request this resource.", Code: 104})
		return false
	}
	proof := q.Get("appsecret_proof")
	if proof == "" {
		s.violation(r, "missing appsecret_proof")
		badParam(w, "API calls from the server require an appsecret_proof argument")
		return false
	}
	if !hmac.Equal([]byte(proof), []byte(proofOf(tok))) {
		s.violation(r, "appsecret_proof is not HMAC-SHA256(access token, app secret) in hex")
		badParam(w, "Invalid appsecret_proof provided in the API argument")
		return false
	}
	s.mu.Lock()
	t := s.tokens[tok]
	now := s.now()
	s.mu.Unlock()
	switch {
	case t == nil:
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Invalid OAuth access token - Cannot parse access token", Code: 190})
	case t.revoked:
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating access token: The user has not authorized application " + ClientID + ".", Code: 190, Subcode: 458})
	case !now.Before(t.expires):
		writeErr(w, http.StatusBadRequest, graphErr{Message: "Error validating access token: Session has expired.", Code: 190, Subcode: 463})
	default:
		return true
	}
	return false
}

// proofOf is appsecret_proof for tok: HMAC-SHA256 keyed by the app secret, hex.
func proofOf(tok string) string {
	m := hmac.New(sha256.New, []byte(ClientSecret))
	m.Write([]byte(tok))
	return hex.EncodeToString(m.Sum(nil))
}

// allowOnly flags parameters outside allowed (plus the auth ones).
func (s *Server) allowOnly(w http.ResponseWriter, r *http.Request, q url.Values, allowed ...string) bool {
	for k := range q {
		if k == "access_token" || k == "appsecret_proof" {
			continue
		}
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			s.violation(r, "unknown parameter %q (allowed: %s)", k, strings.Join(allowed, ", "))
			badParam(w, fmt.Sprintf("Param %s is not a valid parameter", k))
			return false
		}
	}
	return true
}

// checkFields validates the fields parameter against a node type's fields.
func (s *Server) checkFields(w http.ResponseWriter, r *http.Request, q url.Values, node string, known map[string]bool) bool {
	f := q.Get("fields")
	if f == "" {
		s.violation(r, "no fields parameter: the client must name the %s fields it reads", node)
		badParam(w, "fields is required")
		return false
	}
	for _, name := range strings.Split(f, ",") {
		if !known[name] {
			s.violation(r, "unknown %s field %q", node, name)
			badParam(w, fmt.Sprintf("Tried accessing nonexisting field (%s) on node type (%s)", name, node))
			return false
		}
	}
	return true
}

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Known fields per node type (a subset of Meta's reference, enough to tell
// a misspelling from a real field).
var (
	accountKnown  = fieldSet("id", "account_id", "name", "currency", "timezone_name", "timezone_offset_hours_utc", "account_status", "amount_spent", "business", "disable_reason")
	campaignKnown = fieldSet("id", "account_id", "name", "status", "effective_status", "configured_status", "objective", "daily_budget", "lifetime_budget", "budget_remaining", "bid_strategy", "buying_type", "created_time", "updated_time", "start_time", "stop_time")
	adSetKnown    = fieldSet("id", "account_id", "campaign_id", "name", "status", "effective_status", "configured_status", "daily_budget", "lifetime_budget", "bid_amount", "bid_strategy", "billing_event", "optimization_goal", "created_time", "updated_time")
	adKnown       = fieldSet("id", "account_id", "campaign_id", "adset_id", "name", "status", "effective_status", "configured_status", "created_time", "updated_time")
	insightKnown  = fieldSet("account_id", "account_name", "account_currency", "campaign_id", "campaign_name", "adset_id", "ad_id", "date_start", "date_stop", "spend", "impressions", "clicks", "reach", "frequency", "cpc", "cpm", "ctr", "actions", "action_values", "conversions", "conversion_values", "purchase_roas", "cost_per_action_type")
	userKnown     = fieldSet("id", "name")
)
