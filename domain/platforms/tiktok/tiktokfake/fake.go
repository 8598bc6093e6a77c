// Package tiktokfake is a local stand-in for the TikTok API for Business
// (Marketing API v1.3) for tests: it serves the endpoints Stratum's client
// uses with the documented wire format (see the tiktok package's file
// comments for the references) and fails the test on a malformed request —
// a wrong path or version, a missing Access-Token header, an unknown or
// misspelled query parameter or body field, a list parameter that is not
// JSON, page_size outside 1–1000, a report span over 30 days, or money in
// the wrong unit (a budget or bid as a string, with more decimals than the
// currency has, or so large it must be micros). The malformed request also
// gets TikTok's own error answer (code 40002, or 40104 for a missing token).
//
// State: advertisers (currency, time zone), campaigns, ad groups and ads,
// tokens issued by the fake's auth page and token endpoint, and daily
// report rows generated on demand from a hash of campaign and day (so a
// 1,000-campaign × 90-day report costs no memory). Knobs: RateLimitNext
// (code 40100), FailNext (an HTTP 5xx), ErrorNext (any return code) and
// Revoke (later calls answer 40105). Every applied change is logged
// (Mutations). A Server is safe for concurrent use.
package tiktokfake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/money"
)

// Default app credentials the fake accepts.
const (
	DefaultAppID  = "7300000000000000001"
	DefaultSecret = "fake-app-secret"
)

// SeedEnd is the last day of the insights Seed generates.
const SeedEnd = "2026-11-30"

// Advertiser is an ad account.
type Advertiser struct {
	ID, Name, Currency string
	// TimeZone is the IANA zone (display_timezone); reports' days are in it.
	TimeZone string
}

// Campaign is a campaign. Budget is a decimal in the advertiser's
// currency; BudgetMode is BUDGET_MODE_DAY, BUDGET_MODE_TOTAL or
// BUDGET_MODE_INFINITE.
type Campaign struct {
	ID, AdvertiserID, Name, Objective string
	BudgetMode, Budget                string
	Enabled, Deleted                  bool
}

// AdGroup is an ad group. BidType is BID_TYPE_CUSTOM (BidPrice set) or
// BID_TYPE_NO_BID.
type AdGroup struct {
	ID, CampaignID, Name string
	BudgetMode, Budget   string
	BidType, BidPrice    string
	Enabled, Deleted     bool
}

// Ad is an ad.
type Ad struct {
	ID, AdGroupID, Name string
	Enabled, Deleted    bool
}

// Metrics is one campaign-day of the report, in micros and counts.
type Metrics struct {
	SpendMicros, ValueMicros int64
	Impressions, Clicks      int64
	Conversions              int64
}

// Mutation is one change the fake applied.
type Mutation struct {
	Endpoint     string // campaign/status/update, campaign/update, adgroup/update
	AdvertiserID string
	ObjectID     string
	Field        string // operation_status, budget, bid_price
	From, To     string
}

type grant struct {
	advertisers map[string]bool
	revoked     bool
}

type dayKey struct{ campaign, day string }

// TB is what the fake needs from the test it serves; testing.TB has it.
type TB interface {
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

var _ TB = testing.TB(nil)

// Server is the fake. Create it with New (tests) or Standalone.
type Server struct {
	t          TB
	srv        *httptest.Server
	recordOnly bool
	appID      string
	secret     string

	mu          sync.Mutex
	advertisers []*Advertiser
	advByID     map[string]*Advertiser
	campaigns   map[string][]*Campaign // by advertiser, in creation order
	campByID    map[string]*Campaign
	adGroups    map[string][]*AdGroup // by advertiser
	agByID      map[string]*AdGroup
	ads         map[string][]*Ad // by advertiser
	tokens      map[string]*grant
	codes       map[string][]string
	winFrom     time.Time // insights exist on [winFrom, winTo]
	winTo       time.Time
	overrides   map[dayKey]Metrics
	rateLimit   int
	failN       int
	failStatus  int
	errorNext   []envelope
	mutations   []Mutation
	errs        []string
	requests    int
	seq         int
}

// Option configures New.
type Option func(*Server)

// RecordOnly makes malformed requests recorded (Errors) and answered
// with TikTok's error, without failing the test: for tests that send a
// malformed request on purpose.
func RecordOnly() Option { return func(s *Server) { s.recordOnly = true } }

// WithApp sets the app id and secret the fake accepts.
func WithApp(id, secret string) Option { return func(s *Server) { s.appID, s.secret = id, secret } }

// New starts a fake closed when t ends.
func New(t TB, opts ...Option) *Server {
	s := newServer(t, opts)
	s.srv = httptest.NewServer(s.routes())
	t.Cleanup(s.srv.Close)
	return s
}

// Standalone serves the fake on addr outside a test (e.g. for a browser
// journey against STRATUM_TIKTOK_API_BASE/OAUTH_BASE): malformed requests
// are logged through logf and answered with TikTok's error. Close stops it.
func Standalone(addr string, logf func(format string, args ...any), opts ...Option) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := newServer(logTB{logf}, opts)
	s.srv = httptest.NewUnstartedServer(s.routes())
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// logTB reports through a log function.
type logTB struct{ logf func(string, ...any) }

func (l logTB) Errorf(format string, args ...any) { l.logf(format, args...) }
func (l logTB) Fatalf(format string, args ...any) { l.logf(format, args...) }
func (l logTB) Cleanup(func())                    {}

func newServer(t TB, opts []Option) *Server {
	s := &Server{
		t: t, appID: DefaultAppID, secret: DefaultSecret,
		advByID: map[string]*Advertiser{}, campaigns: map[string][]*Campaign{}, campByID: map[string]*Campaign{},
		adGroups: map[string][]*AdGroup{}, agByID: map[string]*AdGroup{}, ads: map[string][]*Ad{},
		tokens: map[string]*grant{}, codes: map[string][]string{}, overrides: map[dayKey]Metrics{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// APIBase is the API root to configure a client with.
func (s *Server) APIBase() string { return s.srv.URL }

// OAuthBase is the root of the fake's /portal/auth page.
func (s *Server) OAuthBase() string { return s.srv.URL }

// AppID and Secret are the app credentials the fake accepts.
func (s *Server) AppID() string  { return s.appID }
func (s *Server) Secret() string { return s.secret }

// Endpoints configures a client against the fake.
func (s *Server) Endpoints() platforms.Endpoints {
	return platforms.Endpoints{APIBase: s.APIBase(), OAuthBase: s.OAuthBase(), ClientID: s.appID, ClientSecret: s.secret, HTTP: s.srv.Client()}
}

// AddAdvertiser adds an ad account.
func (s *Server) AddAdvertiser(a Advertiser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := a
	s.advertisers = append(s.advertisers, &c)
	s.advByID[a.ID] = &c
}

// AddCampaign adds a campaign to its advertiser.
func (s *Server) AddCampaign(c Campaign) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := c
	s.campaigns[c.AdvertiserID] = append(s.campaigns[c.AdvertiserID], &x)
	s.campByID[c.ID] = &x
}

// AddAdGroup adds an ad group to its campaign.
func (s *Server) AddAdGroup(g AdGroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := g
	adv := s.campByID[g.CampaignID].AdvertiserID
	s.adGroups[adv] = append(s.adGroups[adv], &x)
	s.agByID[g.ID] = &x
}

// AddAd adds an ad to its ad group.
func (s *Server) AddAd(a Ad) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := a
	adv := s.campByID[s.agByID[a.AdGroupID].CampaignID].AdvertiserID
	s.ads[adv] = append(s.ads[adv], &x)
}

// CampaignState returns a copy of a campaign.
func (s *Server) CampaignState(id string) (Campaign, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.campByID[id]
	if !ok {
		return Campaign{}, false
	}
	return *c, true
}

// AdGroupState returns a copy of an ad group.
func (s *Server) AdGroupState(id string) (AdGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.agByID[id]
	if !ok {
		return AdGroup{}, false
	}
	return *g, true
}

// SetInsightDays sets the days every campaign has report rows on.
func (s *Server) SetInsightDays(from, to string) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		s.t.Fatalf("tiktokfake: SetInsightDays(%q, %q): not dates", from, to)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.winFrom, s.winTo = f, t
}

// SetInsight fixes one campaign-day's metrics (else they are generated).
func (s *Server) SetInsight(campaignID, day string, m Metrics) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides[dayKey{campaignID, day}] = m
}

// Insight is the campaign-day's metrics as the report serves them.
func (s *Server) Insight(campaignID, day string) Metrics {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metricsLocked(campaignID, day)
}

func (s *Server) metricsLocked(campaignID, day string) Metrics {
	if m, ok := s.overrides[dayKey{campaignID, day}]; ok {
		return m
	}
	cur := "USD"
	if c, ok := s.campByID[campaignID]; ok {
		if a, ok := s.advByID[c.AdvertiserID]; ok {
			cur = a.Currency
		}
	}
	return generate(cur, campaignID, day)
}

// generate derives a campaign-day's metrics from a hash: cheap,
// deterministic, and in whole minor units of the currency.
func generate(currency, campaignID, day string) Metrics {
	h := fnv.New64a()
	h.Write([]byte(campaignID))
	h.Write([]byte{0})
	h.Write([]byte(day))
	x := h.Sum64()
	imp := int64(1000 + x%50_000)
	clicks := imp * int64(5+(x>>16)%40) / 1000
	spendMinor := int64(100 + (x>>24)%100_000)
	if money.Exponent(currency) == 0 {
		spendMinor = int64(10 + (x>>24)%10_000) // yen amounts stay realistic
	}
	return Metrics{
		Impressions: imp,
		Clicks:      clicks,
		Conversions: clicks / 20,
		SpendMicros: money.MinorToMicros(currency, spendMinor),
		ValueMicros: money.MinorToMicros(currency, spendMinor*3+int64(x%7)),
	}
}

// Seed adds accounts advertisers (alternately USD in America/New_York and
// JPY in Asia/Tokyo), each with campaignsPerAccount campaigns (daily
// budget, two custom-bid ad groups with one ad each), and report rows on
// the days days ending SeedEnd. It returns the advertisers.
func (s *Server) Seed(accounts, campaignsPerAccount, days int) []Advertiser {
	var out []Advertiser
	for a := 0; a < accounts; a++ {
		adv := Advertiser{ID: fmt.Sprintf("71%017d", a+1), Name: fmt.Sprintf("Fake advertiser %d", a+1), Currency: "USD", TimeZone: "America/New_York"}
		budget, bid := "50.00", "1.50"
		if a%2 == 1 {
			adv.Currency, adv.TimeZone, budget, bid = "JPY", "Asia/Tokyo", "5000", "150"
		}
		s.AddAdvertiser(adv)
		out = append(out, adv)
		for c := 0; c < campaignsPerAccount; c++ {
			cid := fmt.Sprintf("17%04d%011d", a+1, c+1)
			s.AddCampaign(Campaign{ID: cid, AdvertiserID: adv.ID, Name: fmt.Sprintf("Campaign %d-%d", a+1, c+1), Objective: "WEB_CONVERSIONS", BudgetMode: "BUDGET_MODE_DAY", Budget: budget, Enabled: c%5 != 4})
			for g := 0; g < 2; g++ {
				gid := fmt.Sprintf("%s%d", cid, g+1)
				s.AddAdGroup(AdGroup{ID: gid, CampaignID: cid, Name: fmt.Sprintf("Ad group %d", g+1), BudgetMode: "BUDGET_MODE_INFINITE", BidType: "BID_TYPE_CUSTOM", BidPrice: bid, Enabled: true})
				s.AddAd(Ad{ID: gid + "9", AdGroupID: gid, Name: "Ad " + gid, Enabled: true})
			}
		}
	}
	end, _ := time.Parse(time.DateOnly, SeedEnd)
	s.mu.Lock()
	s.winFrom, s.winTo = end.AddDate(0, 0, -(days-1)), end
	s.mu.Unlock()
	return out
}

// IssueToken grants a token for advertiserIDs without the OAuth round trip.
func (s *Server) IssueToken(advertiserIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueLocked(advertiserIDs)
}

func (s *Server) issueLocked(ids []string) string {
	tok := randomHex(20)
	g := &grant{advertisers: map[string]bool{}}
	for _, id := range ids {
		g.advertisers[id] = true
	}
	s.tokens[tok] = g
	return tok
}

// IssueCode returns a one-time auth_code for advertiserIDs (what the
// authorization page appends to the redirect URI).
func (s *Server) IssueCode(advertiserIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := randomHex(20)
	s.codes[code] = advertiserIDs
	return code
}

// Revoke invalidates a token (the advertiser cancelled the authorization):
// later calls with it answer 40105.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g, ok := s.tokens[token]; ok {
		g.revoked = true
	}
}

// RateLimitNext makes the next n API calls answer code 40100.
func (s *Server) RateLimitNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = n
}

// FailNext makes the next n API calls answer HTTP status (a 5xx).
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// ErrorNext makes the next API call answer HTTP 200 with return code code.
func (s *Server) ErrorNext(code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errorNext = append(s.errorNext, envelope{Code: code, Message: message})
}

// Mutations lists the changes applied, in order.
func (s *Server) Mutations() []Mutation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mutation(nil), s.mutations...)
}

// Errors lists the malformed requests seen.
func (s *Server) Errors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// Requests counts the API requests served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Advertisers lists the advertiser ids, sorted.
func (s *Server) Advertisers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.advertisers))
	for _, a := range s.advertisers {
		ids = append(ids, a.ID)
	}
	sort.Strings(ids)
	return ids
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
