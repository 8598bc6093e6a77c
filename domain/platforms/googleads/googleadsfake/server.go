// Package googleadsfake is a local Google Ads API (REST) server for tests:
// customers (also under manager accounts), campaigns with budgets, ad
// groups and ads, deterministic daily metrics, the OAuth 2.0 consent and
// token endpoints, and the campaign / budget / ad group mutations, all
// following Google's documented wire format. A malformed request — a
// missing or wrong Authorization, developer-token or login-customer-id
// header, a wrong API version or path, an unknown GAQL field or resource,
// an unknown JSON body field, money that is not whole micros of a minor
// unit — gets Google's error response AND fails the test (t.Errorf), so a
// client cannot drift from the documentation unnoticed. Errors() lists the
// reports for tests that provoke them on purpose.
//
// Documentation followed (per file): the Google Ads REST reference
// https://developers.google.com/google-ads/api/rest/overview and
// https://developers.google.com/google-ads/api/rest/auth, GAQL
// https://developers.google.com/google-ads/api/docs/query/overview, and
// https://developers.google.com/identity/protocols/oauth2/web-server.
package googleadsfake

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Version is the API version the fake serves (the client's APIVersion).
const Version = "v26"

// Credentials the fake accepts.
const (
	ClientID       = "fake-google-client.apps.googleusercontent.com"
	ClientSecret   = "fake-google-secret"
	DeveloperToken = "fake-developer-token"
)

// AccessTokenLifetime is how long issued access tokens last (Google: ~1 h).
const AccessTokenLifetime = 3599 * time.Second

// DefaultBatchSize is the rows per searchStream batch (Google's is 10,000).
const DefaultBatchSize = 10000

// Customer is a Google Ads account. A Manager customer has no campaigns;
// ManagerID links a client to its manager.
type Customer struct {
	ID, Name, Currency, TimeZone string
	Manager                      bool
	ManagerID                    string
}

// Campaign is a campaign with its budget (one budget per campaign here).
// Generated metrics exist only on days in [Start, End] (YYYY-MM-DD in the
// customer's time zone; empty: unbounded); SetMetrics overrides any day.
type Campaign struct {
	CustomerID, ID, Name string
	Start, End           string
	Status               string // ENABLED, PAUSED, REMOVED
	Channel              string // SEARCH, DISPLAY, …
	BudgetID             string
	BudgetMicros         int64
}

// AdGroup is an ad group of a campaign.
type AdGroup struct {
	CustomerID, ID, CampaignID, Name, Status string
	CpcBidMicros                             int64
}

// Ad is an ad (ad_group_ad) of an ad group.
type Ad struct {
	CustomerID, ID, AdGroupID, Name, Status string
}

// Metrics are one campaign's numbers on one day; ConversionsValueMicros is
// served as Google's double in currency units.
type Metrics struct {
	CostMicros, Impressions, Clicks int64
	Conversions                     float64
	ConversionsValueMicros          int64
}

// Mutation is one applied update, in order (for idempotency tests).
type Mutation struct {
	CustomerID string
	// Resource is the resource name, Field the updated field (JSON name),
	// Value its new value as sent.
	Resource, Field, Value string
}

// Option configures a Server.
type Option func(*Server)

// WithBatchSize sets the rows per searchStream batch.
func WithBatchSize(n int) Option { return func(s *Server) { s.batch = n } }

// WithDeveloperTokenRequired makes a missing developer-token header a
// malformed request (Google's behaviour before developer tokens were
// sunset on 2026-09-09; by default the header is optional).
func WithDeveloperTokenRequired() Option { return func(s *Server) { s.requireDT = true } }

// WithClock sets the clock for token expiry.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// Server is the fake. It is safe for concurrent use.
type Server struct {
	errorf    func(format string, args ...any)
	srv       *httptest.Server
	batch     int
	now       func() time.Time
	requireDT bool

	errMu sync.Mutex
	errs  []string

	mu        sync.RWMutex
	customers map[string]*customerState
	order     []string
	grants    map[string]*grant // by refresh token
	access    map[string]*accessToken
	codes     map[string]*authCode
	mutations []Mutation
	rateLimit int
	retry     time.Duration
	failN     int
	failCode  int
	seq       int
	rotate    bool
}

type customerState struct {
	Customer
	campaigns []*Campaign
	campByID  map[string]*Campaign
	adGroups  []*AdGroup
	groupByID map[string]*AdGroup
	ads       []*Ad
	override  map[string]Metrics // campaignID|date
}

// New starts a fake on a loopback port, closed when the test ends. It
// reports malformed requests with t.Errorf.
func New(t testing.TB, opts ...Option) *Server {
	s := newServer(t.Errorf, opts)
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// NewStandalone starts a fake outside a test (a development server for the
// browser journey) listening on addr, e.g. "127.0.0.1:9402"; malformed
// requests are logged with logf. Close stops it.
func NewStandalone(addr string, logf func(format string, args ...any), opts ...Option) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer(logf, opts)
	s.srv = httptest.NewUnstartedServer(s)
	_ = s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// Close stops the server (New's servers close by themselves).
func (s *Server) Close() { s.srv.Close() }

func newServer(errorf func(string, ...any), opts []Option) *Server {
	s := &Server{
		errorf: errorf, batch: DefaultBatchSize, now: time.Now,
		customers: map[string]*customerState{}, grants: map[string]*grant{},
		access: map[string]*accessToken{}, codes: map[string]*authCode{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// APIBase is the API root to configure a client with.
func (s *Server) APIBase() string { return s.srv.URL }

// OAuthBase is the OAuth root: the consent page is at /o/oauth2/v2/auth and
// the token endpoint at /token (googleads.Client derives its TokenURL so).
func (s *Server) OAuthBase() string { return s.srv.URL + "/oauth" }

// URL is the server's root URL.
func (s *Server) URL() string { return s.srv.URL }

// Errors lists the malformed requests reported so far.
func (s *Server) Errors() []string {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return append([]string(nil), s.errs...)
}

// Mutations lists the updates applied so far, in order.
func (s *Server) Mutations() []Mutation {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]Mutation(nil), s.mutations...)
}

// DefaultRetryDelay is the quotaErrorDetails.retryDelay RateLimitNext sends.
const DefaultRetryDelay = 10 * time.Second

// RateLimitNext makes the next n API calls fail with Google's quota error
// (HTTP 429, RESOURCE_EXHAUSTED, quotaError with quotaErrorDetails.retryDelay
// of DefaultRetryDelay).
func (s *Server) RateLimitNext(n int) { s.RateLimitNextFor(n, DefaultRetryDelay) }

// RateLimitNextFor is RateLimitNext with the given retry delay.
func (s *Server) RateLimitNextFor(n int, retryDelay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit, s.retry = n, retryDelay
}

// FailNext makes the next n API calls fail with HTTP status (5xx: INTERNAL,
// UNAVAILABLE or DEADLINE_EXCEEDED as Google words them).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failCode = n, status
}

// RotateRefreshTokens makes the token endpoint return a new refresh token
// on refresh and invalidate the old one (Google usually keeps it; clients
// must handle both).
func (s *Server) RotateRefreshTokens(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rotate = on
}

// AddCustomer adds a customer (ids are Google's ten digits).
func (s *Server) AddCustomer(c Customer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addCustomer(c)
}

func (s *Server) addCustomer(c Customer) *customerState {
	cs := &customerState{Customer: c, campByID: map[string]*Campaign{}, groupByID: map[string]*AdGroup{}, override: map[string]Metrics{}}
	s.customers[c.ID] = cs
	s.order = append(s.order, c.ID)
	return cs
}

// AddCampaign adds a campaign to its customer (BudgetID defaults to the
// campaign id + "0").
func (s *Server) AddCampaign(c Campaign) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.mustCustomer(c.CustomerID)
	if c.BudgetID == "" {
		c.BudgetID = c.ID + "0"
	}
	cp := c
	cs.campaigns = append(cs.campaigns, &cp)
	cs.campByID[c.ID] = &cp
}

// AddAdGroup adds an ad group.
func (s *Server) AddAdGroup(g AdGroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.mustCustomer(g.CustomerID)
	gp := g
	cs.adGroups = append(cs.adGroups, &gp)
	cs.groupByID[g.ID] = &gp
}

// AddAd adds an ad.
func (s *Server) AddAd(a Ad) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.mustCustomer(a.CustomerID)
	ap := a
	cs.ads = append(cs.ads, &ap)
}

// SetMetrics fixes a campaign's metrics on day (YYYY-MM-DD), replacing the
// generated ones; all-zero metrics make the row disappear, as Google omits
// campaign-days without activity.
func (s *Server) SetMetrics(customerID, campaignID, day string, m Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustCustomer(customerID).override[campaignID+"|"+day] = m
}

// Campaign returns a copy of a campaign's current state.
func (s *Server) Campaign(customerID, campaignID string) (Campaign, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs, ok := s.customers[customerID]
	if !ok || cs.campByID[campaignID] == nil {
		return Campaign{}, false
	}
	return *cs.campByID[campaignID], true
}

// AdGroups returns copies of a campaign's ad groups.
func (s *Server) AdGroups(customerID, campaignID string) []AdGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []AdGroup
	if cs, ok := s.customers[customerID]; ok {
		for _, g := range cs.adGroups {
			if g.CampaignID == campaignID {
				out = append(out, *g)
			}
		}
	}
	return out
}

func (s *Server) mustCustomer(id string) *customerState {
	cs, ok := s.customers[id]
	if !ok {
		panic("googleadsfake: unknown customer " + id)
	}
	return cs
}

// Seed adds accounts customers (alternating USD/America/New_York and
// JPY/Asia/Tokyo), each with campaignsPerAccount enabled SEARCH campaigns,
// two ad groups per campaign and one ad per ad group, with generated daily
// metrics on the last days days up to today in the customer's time zone
// (days <= 0: every day), and returns their ids. Metrics are computed on
// the fly, so seeding is cheap at any scale.
func (s *Server) Seed(accounts, campaignsPerAccount, days int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, accounts)
	for a := 0; a < accounts; a++ {
		cid := strconv.Itoa(1_000_000_000 + len(s.order) + 1)
		cur, tz, unit := "USD", "America/New_York", int64(10_000)
		if a%2 == 1 {
			cur, tz, unit = "JPY", "Asia/Tokyo", 1_000_000
		}
		start, end := "", ""
		if days > 0 {
			loc, err := time.LoadLocation(tz)
			if err != nil {
				loc = time.UTC
			}
			today := s.now().In(loc)
			start, end = today.AddDate(0, 0, 1-days).Format(time.DateOnly), today.Format(time.DateOnly)
		}
		cs := s.addCustomer(Customer{ID: cid, Name: fmt.Sprintf("Seeded account %d", a+1), Currency: cur, TimeZone: tz})
		for c := 0; c < campaignsPerAccount; c++ {
			camp := &Campaign{CustomerID: cid, ID: strconv.Itoa(20_000_000 + c + 1), Name: fmt.Sprintf("Campaign %d", c+1), Status: "ENABLED", Channel: "SEARCH", BudgetMicros: 5_000 * unit, Start: start, End: end}
			camp.BudgetID = camp.ID + "0"
			cs.campaigns = append(cs.campaigns, camp)
			cs.campByID[camp.ID] = camp
			for g := 0; g < 2; g++ {
				gp := &AdGroup{CustomerID: cid, ID: fmt.Sprintf("%s%d", camp.ID, g+1), CampaignID: camp.ID, Name: fmt.Sprintf("Ad group %d", g+1), Status: "ENABLED", CpcBidMicros: 50 * unit}
				cs.adGroups = append(cs.adGroups, gp)
				cs.groupByID[gp.ID] = gp
				cs.ads = append(cs.ads, &Ad{CustomerID: cid, ID: gp.ID + "9", AdGroupID: gp.ID, Name: "Ad " + gp.ID, Status: "ENABLED"})
			}
		}
		ids = append(ids, cid)
	}
	return ids
}

// ServeHTTP routes the API, OAuth and token endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth/o/oauth2/v2/auth":
		s.authorize(w, r)
	case r.URL.Path == "/oauth/token":
		s.token(w, r)
	default:
		s.api(w, r)
	}
}

// report records a malformed request and fails the test.
// It takes only errMu, so it may be called with mu held.
func (s *Server) report(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.errMu.Lock()
	s.errs = append(s.errs, msg)
	s.errMu.Unlock()
	s.errorf("googleadsfake: malformed request: %s", msg)
}

// adsErr is one GoogleAdsError of a failure.
type adsErr struct {
	category, code, message string
	retry                   time.Duration
}

// writeError writes google.rpc.Status with a GoogleAdsFailure detail.
func writeError(w http.ResponseWriter, httpStatus int, status, message string, errs ...adsErr) {
	type errJSON struct {
		ErrorCode map[string]string `json:"errorCode"`
		Message   string            `json:"message"`
		Details   map[string]any    `json:"details,omitempty"`
	}
	detail := map[string]any{
		"@type":     "type.googleapis.com/google.ads.googleads." + Version + ".errors.GoogleAdsFailure",
		"requestId": "fake-request",
	}
	list := make([]errJSON, 0, len(errs))
	for _, e := range errs {
		ej := errJSON{ErrorCode: map[string]string{e.category: e.code}, Message: e.message}
		if e.retry > 0 {
			ej.Details = map[string]any{"quotaErrorDetails": map[string]any{
				"rateScope": "DEVELOPER", "rateName": "Number of operations for basic access", "retryDelay": fmt.Sprintf("%ds", int(e.retry/time.Second)),
			}}
		}
		list = append(list, ej)
	}
	detail["errors"] = list
	body := map[string]any{"error": map[string]any{"code": httpStatus, "message": message, "status": status, "details": []any{detail}}}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(httpStatus)
	_ = json.NewEncoder(w).Encode(body)
}

// invalid reports a malformed API request and answers 400 INVALID_ARGUMENT.
func (s *Server) invalid(w http.ResponseWriter, category, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.report("%s", msg)
	writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Request contains an invalid argument.", adsErr{category, code, msg, 0})
}

// isID reports whether id is a Google numeric id.
func isID(id string) bool {
	if id == "" || len(id) > 19 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (s *Server) nextID() string {
	s.seq++
	return strconv.Itoa(s.seq)
}

func splitResource(rn string) []string { return strings.Split(rn, "/") }
