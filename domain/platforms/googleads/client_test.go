package googleads_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads"
	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
)

// recorder collects the fake's reports instead of failing the test, for
// tests that send malformed requests on purpose.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, format)
}

func newClient(f *googleadsfake.Server) *googleads.Client {
	return googleads.New(platforms.Endpoints{
		APIBase: f.APIBase(), OAuthBase: f.OAuthBase(),
		ClientID: googleadsfake.ClientID, ClientSecret: googleadsfake.ClientSecret,
		DeveloperToken: googleadsfake.DeveloperToken,
	})
}

// fixture: a USD customer with three campaigns (enabled, paused, removed)
// and a JPY customer with one, both directly accessible.
func fixture(t testing.TB, opts ...googleadsfake.Option) (*googleadsfake.Server, *googleads.Client, platforms.Token) {
	f := googleadsfake.New(t, opts...)
	f.AddCustomer(googleadsfake.Customer{ID: "1111111111", Name: "US shop", Currency: "USD", TimeZone: "America/New_York"})
	f.AddCustomer(googleadsfake.Customer{ID: "2222222222", Name: "JP shop", Currency: "JPY", TimeZone: "Asia/Tokyo"})
	for i, st := range []string{"ENABLED", "PAUSED", "REMOVED"} {
		id := []string{"101", "102", "103"}[i]
		f.AddCampaign(googleadsfake.Campaign{CustomerID: "1111111111", ID: id, Name: "US " + st, Status: st, Channel: "SEARCH", BudgetMicros: 25_000_000})
		f.AddAdGroup(googleadsfake.AdGroup{CustomerID: "1111111111", ID: id + "1", CampaignID: id, Name: "g1", Status: "ENABLED", CpcBidMicros: 1_500_000})
		f.AddAdGroup(googleadsfake.AdGroup{CustomerID: "1111111111", ID: id + "2", CampaignID: id, Name: "g2", Status: "PAUSED", CpcBidMicros: 1_500_000})
		f.AddAd(googleadsfake.Ad{CustomerID: "1111111111", ID: id + "11", AdGroupID: id + "1", Name: "ad", Status: "ENABLED"})
	}
	f.AddCampaign(googleadsfake.Campaign{CustomerID: "2222222222", ID: "201", Name: "JP", Status: "ENABLED", Channel: "DISPLAY", BudgetMicros: 3_000_000_000})
	f.AddAdGroup(googleadsfake.AdGroup{CustomerID: "2222222222", ID: "2011", CampaignID: "201", Name: "g", Status: "ENABLED", CpcBidMicros: 50_000_000})
	return f, newClient(f), f.Grant("1111111111", "2222222222")
}

var (
	usd = platforms.Account{ExternalID: "1111111111", Currency: "USD", TimeZone: "America/New_York"}
	jpy = platforms.Account{ExternalID: "2222222222", Currency: "JPY", TimeZone: "Asia/Tokyo"}
)

func kindOf(t *testing.T, err error) *platforms.APIError {
	t.Helper()
	var ae *platforms.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *APIError", err)
	}
	return ae
}

func TestOAuthRoundTrip(t *testing.T) {
	t.Parallel()
	f, c, _ := fixture(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }
	if !c.SupportsPKCE() || !c.Configured() || c.Platform() != platforms.Google {
		t.Fatalf("SupportsPKCE/Configured/Platform = %v/%v/%s", c.SupportsPKCE(), c.Configured(), c.Platform())
	}
	if c.TokenURL != f.OAuthBase()+"/token" {
		t.Fatalf("TokenURL = %s; want OAuthBase + /token", c.TokenURL)
	}
	verifier := "a-verifier-of-sufficient-length-0123456789abcdefghij"
	challenge := pkce(verifier)
	u := c.AuthorizeURL(platforms.AuthorizeRequest{State: "st-1", RedirectURI: "https://app.example/oauth/google/callback", CodeChallenge: challenge})
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	for k, want := range map[string]string{"access_type": "offline", "prompt": "consent", "scope": googleads.Scope, "code_challenge_method": "S256", "code_challenge": challenge, "state": "st-1", "response_type": "code"} {
		if q.Get(k) != want {
			t.Errorf("authorize URL %s = %q; want %q", k, q.Get(k), want)
		}
	}
	if pu.Path != "/oauth/o/oauth2/v2/auth" {
		t.Errorf("authorize path = %s", pu.Path)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("consent redirect = %q (%v)", resp.Header.Get("Location"), err)
	}
	code := loc.Query().Get("code")

	// A wrong verifier is refused (invalid_grant → AUTH) and does not burn the code.
	if _, err := c.Exchange(context.Background(), code, "https://app.example/oauth/google/callback", verifier+"x"); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("Exchange with a wrong verifier: %v; want AUTH", err)
	}
	tok, err := c.Exchange(context.Background(), code, "https://app.example/oauth/google/callback", verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || !tok.ExpiresAt.Equal(now.Add(3599*time.Second)) {
		t.Fatalf("token: access %t refresh %t expires %s", tok.AccessToken != "", tok.RefreshToken != "", tok.ExpiresAt)
	}
	if len(tok.Scopes) != 1 || tok.Scopes[0] != googleads.Scope {
		t.Errorf("scopes = %v", tok.Scopes)
	}
	if strings.Contains(tok.String(), tok.AccessToken) {
		t.Error("Token.String leaks the access token")
	}
	accts, err := c.Accounts(context.Background(), tok)
	if err != nil || len(accts) != 2 {
		t.Fatalf("Accounts after the round trip = %v, %v", accts, err)
	}
	// A used code cannot be exchanged again.
	if _, err := c.Exchange(context.Background(), code, "https://app.example/oauth/google/callback", verifier); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("second Exchange: %v; want AUTH", err)
	}
}

func TestTokenURLDefaultsToGoogle(t *testing.T) {
	t.Parallel()
	c := googleads.New(platforms.Endpoints{APIBase: "https://googleads.googleapis.com", OAuthBase: "https://accounts.google.com"})
	if c.TokenURL != googleads.GoogleTokenURL {
		t.Fatalf("TokenURL = %s; want %s", c.TokenURL, googleads.GoogleTokenURL)
	}
	if u := c.AuthorizeURL(platforms.AuthorizeRequest{State: "s", RedirectURI: "https://x/cb"}); !strings.HasPrefix(u, "https://accounts.google.com/o/oauth2/v2/auth?") || strings.Contains(u, "code_challenge") {
		t.Fatalf("AuthorizeURL without PKCE = %s", u)
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }

	// Google keeps the refresh token: the client keeps it too.
	next, err := c.Refresh(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == tok.AccessToken || next.RefreshToken != tok.RefreshToken || !next.ExpiresAt.Equal(now.Add(3599*time.Second)) {
		t.Fatalf("refresh: new access %t, same refresh %t, expires %s", next.AccessToken != tok.AccessToken, next.RefreshToken == tok.RefreshToken, next.ExpiresAt)
	}
	if _, err := c.Accounts(context.Background(), next); err != nil {
		t.Fatalf("the refreshed access token does not work: %v", err)
	}

	// When Google rotates, the new refresh token is kept and the old one is dead.
	f.RotateRefreshTokens(true)
	rotated, err := c.Refresh(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.RefreshToken == next.RefreshToken || rotated.RefreshToken == "" {
		t.Fatal("rotated refresh token not adopted")
	}
	if _, err := c.Refresh(context.Background(), next); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("refresh with the rotated-out token: %v; want AUTH", err)
	}
	if _, err := c.Refresh(context.Background(), rotated); err != nil {
		t.Fatalf("refresh with the new token: %v", err)
	}
	if _, err := c.Refresh(context.Background(), platforms.Token{AccessToken: "x"}); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("refresh without a refresh token: %v; want AUTH", err)
	}
}

func TestRevokedAndExpiredTokens(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f, c, tok := fixture(t, googleadsfake.WithClock(clock))
	if _, err := c.Accounts(context.Background(), tok); err != nil {
		t.Fatalf("positive control: %v", err)
	}
	f.Revoke(tok.AccessToken)
	_, err := c.Accounts(context.Background(), tok)
	ae := kindOf(t, err)
	if ae.Kind != platforms.ErrorAuth || ae.HTTPStatus != 401 || ae.Code != "authenticationError.OAUTH_TOKEN_REVOKED" {
		t.Fatalf("revoked token: %+v; want AUTH 401 authenticationError.OAUTH_TOKEN_REVOKED", ae)
	}
	if _, err := c.Refresh(context.Background(), tok); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("refresh of a revoked grant: %v; want AUTH", err)
	}

	tok2 := f.Grant("1111111111")
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	err = c.Structure(context.Background(), tok2, usd, func(platforms.StructurePage) error { return nil })
	if ae := kindOf(t, err); ae.Kind != platforms.ErrorAuth || ae.Code != "authenticationError.OAUTH_TOKEN_EXPIRED" {
		t.Fatalf("expired token: %+v; want AUTH OAUTH_TOKEN_EXPIRED", ae)
	}
}

func TestAccountsThroughManager(t *testing.T) {
	t.Parallel()
	f, c, _ := fixture(t)
	f.AddCustomer(googleadsfake.Customer{ID: "9000000000", Name: "Agency MCC", Currency: "USD", TimeZone: "Europe/London", Manager: true})
	f.AddCustomer(googleadsfake.Customer{ID: "9000000001", Name: "Client A", Currency: "EUR", TimeZone: "Europe/Berlin", ManagerID: "9000000000"})
	f.AddCustomer(googleadsfake.Customer{ID: "9000000002", Name: "Sub-MCC", Currency: "USD", TimeZone: "UTC", Manager: true, ManagerID: "9000000000"})
	f.AddCustomer(googleadsfake.Customer{ID: "9000000003", Name: "Client B", Currency: "KWD", TimeZone: "Asia/Kuwait", ManagerID: "9000000002"})
	f.AddCampaign(googleadsfake.Campaign{CustomerID: "9000000003", ID: "301", Name: "KW", Status: "ENABLED", Channel: "SEARCH", BudgetMicros: 5_000_000})
	tok := f.Grant("9000000000", "1111111111")

	accts, err := c.Accounts(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]platforms.Account{}
	for _, a := range accts {
		got[a.ExternalID] = a
	}
	if len(got) != 3 {
		t.Fatalf("accounts = %+v; want 1111111111 directly, 9000000001 and 9000000003 under the manager", accts)
	}
	if a := got["1111111111"]; a.ParentID != "" || a.Currency != "USD" || a.TimeZone != "America/New_York" || a.Name != "US shop" {
		t.Errorf("direct account = %+v", a)
	}
	if a := got["9000000001"]; a.ParentID != "9000000000" || a.Currency != "EUR" || a.TimeZone != "Europe/Berlin" {
		t.Errorf("client A = %+v", a)
	}
	b := got["9000000003"]
	if b.ParentID != "9000000000" || b.Currency != "KWD" || b.Name != "Client B" {
		t.Errorf("client B = %+v", b)
	}
	// The client under the manager is read with login-customer-id (the fake
	// reports a missing header).
	var n int
	if err := c.Structure(context.Background(), tok, b, func(p platforms.StructurePage) error { n += len(p.Campaigns); return nil }); err != nil || n != 1 {
		t.Fatalf("Structure via manager = %d campaigns, %v", n, err)
	}
}

func TestStructurePagesAndStatuses(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t, googleadsfake.WithBatchSize(2))
	_ = f
	var pages int
	var camps []platforms.RemoteCampaign
	var groups []platforms.RemoteAdGroup
	var ads []platforms.RemoteAd
	err := c.Structure(context.Background(), tok, usd, func(p platforms.StructurePage) error {
		pages++
		if len(groups) > 0 && len(p.Campaigns) > 0 || len(ads) > 0 && len(p.AdGroups) > 0 {
			t.Error("campaigns must come before ad groups before ads")
		}
		camps, groups, ads = append(camps, p.Campaigns...), append(groups, p.AdGroups...), append(ads, p.Ads...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 3 campaigns (2 batches), 6 ad groups (3), 3 ads (2).
	if pages != 7 || len(camps) != 3 || len(groups) != 6 || len(ads) != 3 {
		t.Fatalf("pages %d campaigns %d ad groups %d ads %d; want 7/3/6/3", pages, len(camps), len(groups), len(ads))
	}
	want := map[string]string{"101": platforms.StatusActive, "102": platforms.StatusPaused, "103": platforms.StatusArchived}
	for _, rc := range camps {
		if rc.Status != want[rc.ExternalID] || rc.DailyBudgetMicros != 25_000_000 || rc.BudgetID != rc.ExternalID+"0" || rc.Objective != "SEARCH" {
			t.Errorf("campaign %+v", rc)
		}
	}
	for _, g := range groups {
		if g.CampaignExternalID == "" || g.BidMicros != 1_500_000 || (g.Status != platforms.StatusActive && g.Status != platforms.StatusPaused) {
			t.Errorf("ad group %+v", g)
		}
	}
	if ads[0].AdGroupExternalID != "1011" || ads[0].ExternalID != "10111" || ads[0].Status != platforms.StatusActive {
		t.Errorf("ad %+v", ads[0])
	}
	stop := errors.New("stop")
	if err := c.Structure(context.Background(), tok, usd, func(platforms.StructurePage) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("callback error = %v; want it returned", err)
	}
}

func TestInsightsMoneyExact(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t, googleadsfake.WithBatchSize(4))
	// USD: 12.34 in conversion value, 0.1 + 0.2 style values stay exact.
	f.SetMetrics("1111111111", "101", "2026-02-01", googleadsfake.Metrics{CostMicros: 12_340_000, Impressions: 1000, Clicks: 31, Conversions: 1.5, ConversionsValueMicros: 12_340_000})
	f.SetMetrics("1111111111", "102", "2026-02-01", googleadsfake.Metrics{CostMicros: 300_000, Impressions: 10, Clicks: 1, Conversions: 0.3, ConversionsValueMicros: 300_000})
	f.SetMetrics("1111111111", "103", "2026-02-01", googleadsfake.Metrics{}) // no activity: no row
	// JPY: whole yen, 1234 yen of value.
	f.SetMetrics("2222222222", "201", "2026-02-01", googleadsfake.Metrics{CostMicros: 5_678_000_000, Impressions: 99, Clicks: 7, Conversions: 2, ConversionsValueMicros: 1_234_000_000})

	got := map[string]platforms.Insight{}
	var batches int
	collect := func(in []platforms.Insight) error {
		batches++
		for _, x := range in {
			got[x.CampaignExternalID+"|"+x.Day] = x
		}
		return nil
	}
	if err := c.Insights(context.Background(), tok, usd, "2026-02-01", "2026-02-03", collect); err != nil {
		t.Fatal(err)
	}
	// 3 campaigns × 3 days − 1 empty day = 8 rows in batches of 4.
	if len(got) != 8 || batches != 2 {
		t.Fatalf("rows %d in %d batches; want 8 in 2", len(got), batches)
	}
	if x := got["101|2026-02-01"]; x.SpendMicros != 12_340_000 || x.ConversionValueMicros != 12_340_000 || x.Conversions != 1.5 || x.Impressions != 1000 || x.Clicks != 31 {
		t.Errorf("USD row = %+v", x)
	}
	if x := got["102|2026-02-01"]; x.ConversionValueMicros != 300_000 || x.Conversions != 0.3 {
		t.Errorf("USD small row = %+v", x)
	}
	if _, ok := got["103|2026-02-01"]; ok {
		t.Error("an all-zero day must not appear")
	}
	got = map[string]platforms.Insight{}
	if err := c.Insights(context.Background(), tok, jpy, "2026-02-01", "2026-02-01", collect); err != nil {
		t.Fatal(err)
	}
	if x := got["201|2026-02-01"]; x.SpendMicros != 5_678_000_000 || x.ConversionValueMicros != 1_234_000_000 || x.Conversions != 2 {
		t.Errorf("JPY row = %+v", x)
	}
	for _, bad := range [][2]string{{"2026-2-1", "2026-02-02"}, {"2026-02-02", "2026-02-01"}, {"2026-02-01' OR '1'='1", "2026-02-02"}} {
		if err := c.Insights(context.Background(), tok, usd, bad[0], bad[1], collect); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
			t.Errorf("Insights(%q, %q) = %v; want a PERMANENT refusal", bad[0], bad[1], err)
		}
	}
}

func TestMutateAndReadBack(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t)
	ctx := context.Background()
	camp := platforms.RemoteCampaign{ExternalID: "101", BudgetID: "1010"}

	st, err := c.Campaign(ctx, tok, usd, camp)
	if err != nil || st != (platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 25_000_000, BidMicros: 1_500_000}) {
		t.Fatalf("read back = %+v, %v", st, err)
	}
	steps := []struct {
		m    platforms.Mutation
		want platforms.CampaignState
	}{
		{platforms.Mutation{Kind: platforms.MutatePause, Campaign: camp}, platforms.CampaignState{Status: platforms.StatusPaused, DailyBudgetMicros: 25_000_000, BidMicros: 1_500_000}},
		{platforms.Mutation{Kind: platforms.MutateResume, Campaign: camp}, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 25_000_000, BidMicros: 1_500_000}},
		// 12.345 USD rounds to whole cents: 12.35.
		{platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: camp, BudgetMicros: 12_345_000}, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 12_350_000, BidMicros: 1_500_000}},
		// BudgetID unknown: the client reads the campaign's budget first.
		{platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: "101"}, BudgetMicros: 40_000_000}, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 40_000_000, BidMicros: 1_500_000}},
		{platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: camp, BidMicros: 2_250_000}, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 40_000_000, BidMicros: 2_250_000}},
	}
	for _, s := range steps {
		if err := c.Mutate(ctx, tok, usd, s.m); err != nil {
			t.Fatalf("%s: %v", s.m.Kind, err)
		}
		if st, err := c.Campaign(ctx, tok, usd, camp); err != nil || st != s.want {
			t.Fatalf("after %s: %+v, %v; want %+v", s.m.Kind, st, err, s.want)
		}
	}
	for _, g := range f.AdGroups("1111111111", "101") {
		if g.CpcBidMicros != 2_250_000 {
			t.Errorf("ad group %s bid %d; want every ad group of the campaign at 2250000", g.ID, g.CpcBidMicros)
		}
	}
	log := f.Mutations()
	if len(log) != 6 || log[0].Field != "status" || log[0].Value != "PAUSED" || log[2].Resource != "customers/1111111111/campaignBudgets/1010" || log[2].Value != "12350000" {
		t.Fatalf("mutation log = %+v", log)
	}
	// Repeating a mutation is harmless (absolute values): same state.
	if err := c.Mutate(ctx, tok, usd, steps[4].m); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Campaign(ctx, tok, usd, camp); st != steps[4].want {
		t.Fatalf("after a repeated update_bid: %+v", st)
	}

	// JPY: 1234.5 yen rounds to 1235 yen (whole yen only).
	if err := c.Mutate(ctx, tok, jpy, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: "201", BudgetID: "2010"}, BudgetMicros: 1_234_500_000}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Campaign("2222222222", "201"); got.BudgetMicros != 1_235_000_000 {
		t.Fatalf("JPY budget = %d; want 1235000000", got.BudgetMicros)
	}
	if err := c.Mutate(ctx, tok, jpy, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: "201"}, BudgetMicros: 400_000}); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
		t.Fatalf("a budget below one yen: %v; want PERMANENT", err)
	}
	// A campaign that is gone: Google's RESOURCE_NOT_FOUND, permanent.
	err = c.Mutate(ctx, tok, usd, platforms.Mutation{Kind: platforms.MutatePause, Campaign: platforms.RemoteCampaign{ExternalID: "999"}})
	if ae := kindOf(t, err); ae.Kind != platforms.ErrorPermanent || ae.Code != "mutateError.RESOURCE_NOT_FOUND" || ae.HTTPStatus != 400 {
		t.Fatalf("pause of a missing campaign: %+v", ae)
	}
	// A removed campaign cannot be resumed: the platform's reason, permanent.
	err = c.Mutate(ctx, tok, usd, platforms.Mutation{Kind: platforms.MutateResume, Campaign: platforms.RemoteCampaign{ExternalID: "103"}})
	if ae := kindOf(t, err); ae.Kind != platforms.ErrorPermanent || ae.Code != "operationAccessDeniedError.OPERATION_NOT_PERMITTED_FOR_REMOVED_RESOURCE" || ae.Message == "" {
		t.Fatalf("resume of a removed campaign: %+v", ae)
	}
	if _, err := c.Campaign(ctx, tok, usd, platforms.RemoteCampaign{ExternalID: "999"}); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
		t.Fatalf("read of a missing campaign: %v; want PERMANENT", err)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t)
	ctx := context.Background()
	noop := func([]platforms.Insight) error { return nil }

	f.RateLimitNextFor(1, 30*time.Second)
	err := c.Insights(ctx, tok, usd, "2026-01-01", "2026-01-02", noop)
	ae := kindOf(t, err)
	if ae.Kind != platforms.ErrorRateLimited || ae.RetryAfter != 30*time.Second || ae.Code != "quotaError.RESOURCE_EXHAUSTED" || ae.HTTPStatus != 429 {
		t.Fatalf("rate limit: %+v", ae)
	}
	if !errors.Is(err, platforms.ErrUnavailable) {
		t.Error("a rate limit must match ErrUnavailable")
	}
	f.RateLimitNext(1)
	if _, err := c.Accounts(ctx, tok); kindOf(t, err).RetryAfter != googleadsfake.DefaultRetryDelay {
		t.Fatalf("default retry delay: %v", err)
	}
	if err := c.Insights(ctx, tok, usd, "2026-01-01", "2026-01-02", noop); err != nil {
		t.Fatalf("after the rate limit: %v", err)
	}

	for _, status := range []int{500, 503, 504} {
		f.FailNext(1, status)
		err := c.Mutate(ctx, tok, usd, platforms.Mutation{Kind: platforms.MutatePause, Campaign: platforms.RemoteCampaign{ExternalID: "101"}})
		if ae := kindOf(t, err); ae.Kind != platforms.ErrorTransient || ae.HTTPStatus != status {
			t.Fatalf("HTTP %d: %+v; want TRANSIENT", status, ae)
		}
	}
	if len(f.Mutations()) != 0 {
		t.Fatal("a failed call must not apply")
	}

	_, err = c.Accounts(ctx, platforms.Token{AccessToken: "ya29.unknown"})
	if ae := kindOf(t, err); ae.Kind != platforms.ErrorAuth || ae.Code != "authenticationError.OAUTH_TOKEN_INVALID" {
		t.Fatalf("unknown token: %+v", ae)
	}
	ctxDone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Accounts(ctxDone, tok); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

// TestFakeRejectsMalformed sends deliberately wrong requests: the fake
// must report each one (and answer with Google's error), while the
// client's own requests pass on the same fake (positive control).
func TestFakeRejectsMalformed(t *testing.T) {
	t.Parallel()
	rec := &recorder{TB: t}
	f, c, tok := fixture(rec)
	f.AddCustomer(googleadsfake.Customer{ID: "9000000000", Name: "MCC", Currency: "USD", TimeZone: "UTC", Manager: true})
	f.AddCustomer(googleadsfake.Customer{ID: "9000000001", Name: "Client", Currency: "USD", TimeZone: "UTC", ManagerID: "9000000000"})
	mcc := f.Grant("9000000000")

	// Positive control: the client's own requests, every method.
	ctx := context.Background()
	if _, err := c.Accounts(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Accounts(ctx, mcc); err != nil {
		t.Fatal(err)
	}
	if err := c.Structure(ctx, tok, usd, func(platforms.StructurePage) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.Insights(ctx, tok, jpy, "2026-01-01", "2026-01-31", func([]platforms.Insight) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, m := range []platforms.Mutation{
		{Kind: platforms.MutatePause, Campaign: platforms.RemoteCampaign{ExternalID: "201"}},
		{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: "201"}, BudgetMicros: 2_000_000_000},
		{Kind: platforms.MutateUpdateBid, Campaign: platforms.RemoteCampaign{ExternalID: "201"}, BidMicros: 60_000_000},
	} {
		if err := c.Mutate(ctx, tok, jpy, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Campaign(ctx, tok, jpy, platforms.RemoteCampaign{ExternalID: "201"}); err != nil {
		t.Fatal(err)
	}
	if len(rec.errs) != 0 || len(f.Errors()) != 0 {
		t.Fatalf("the client's own requests were reported: %v", f.Errors())
	}

	api := f.APIBase() + "/" + googleadsfake.Version
	good := map[string]string{"Authorization": "Bearer " + tok.AccessToken, "developer-token": googleadsfake.DeveloperToken, "Content-Type": "application/json"}
	with := func(k, v string) map[string]string {
		h := map[string]string{}
		for a, b := range good {
			h[a] = b
		}
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
		return h
	}
	search := api + "/customers/1111111111/googleAds:searchStream"
	budget := api + "/customers/2222222222/campaignBudgets:mutate"
	cases := []struct {
		name, method, url string
		headers           map[string]string
		body              string
		status            int
		report            string
	}{
		{"no Authorization", "POST", search, with("Authorization", ""), `{"query":"SELECT campaign.id FROM campaign"}`, 401, "Authorization header"},
		{"Authorization without Bearer", "POST", search, with("Authorization", tok.AccessToken), `{"query":"SELECT campaign.id FROM campaign"}`, 401, "Authorization header"},
		{"wrong developer-token", "POST", search, with("developer-token", "someone-elses-token"), `{"query":"SELECT campaign.id FROM campaign"}`, 401, "developer-token"},
		{"old API version", "POST", f.APIBase() + "/v18/customers/1111111111/googleAds:searchStream", good, `{"query":"SELECT campaign.id FROM campaign"}`, 404, "API version"},
		{"non-stream search", "POST", api + "/customers/1111111111/googleAds:search", good, `{"query":"SELECT campaign.id FROM campaign"}`, 404, "does not serve"},
		{"hyphenated customer id", "POST", api + "/customers/111-111-1111/googleAds:searchStream", good, `{"query":"SELECT campaign.id FROM campaign"}`, 400, "digits without hyphens"},
		{"misspelled GAQL field", "POST", search, good, `{"query":"SELECT campaign.id, campaign.budget_amount FROM campaign"}`, 400, "unrecognized field"},
		{"unknown GAQL resource", "POST", search, good, `{"query":"SELECT campaign.id FROM campaigns"}`, 400, "unrecognized resource"},
		{"date segment without range", "POST", search, good, `{"query":"SELECT campaign.id, segments.date, metrics.clicks FROM campaign"}`, 400, "finite date range"},
		{"bad date literal", "POST", search, good, `{"query":"SELECT campaign.id, segments.date FROM campaign WHERE segments.date BETWEEN '2026-1-1' AND '2026-01-31'"}`, 400, "YYYY-MM-DD"},
		{"paging field on searchStream", "POST", search, good, `{"query":"SELECT campaign.id FROM campaign","pageSize":100}`, 400, "searchStream body"},
		{"budget as decimal units", "POST", budget, good, `{"operations":[{"updateMask":"amountMicros","update":{"resourceName":"customers/2222222222/campaignBudgets/2010","amountMicros":12.5}}]}`, 400, "int64 of micros"},
		{"budget string with fraction", "POST", budget, good, `{"operations":[{"updateMask":"amountMicros","update":{"resourceName":"customers/2222222222/campaignBudgets/2010","amountMicros":"1500000.5"}}]}`, 400, "int64 of micros"},
		{"budget not whole yen", "POST", budget, good, `{"operations":[{"updateMask":"amountMicros","update":{"resourceName":"customers/2222222222/campaignBudgets/2010","amountMicros":"1234500000"}}]}`, 400, "minimum unit"},
		{"snake_case update mask", "POST", budget, good, `{"operations":[{"updateMask":"amount_micros","update":{"resourceName":"customers/2222222222/campaignBudgets/2010","amountMicros":"2000000000"}}]}`, 400, "updateMask"},
		{"unknown update field", "POST", api + "/customers/2222222222/campaigns:mutate", good, `{"operations":[{"updateMask":"status","update":{"resourceName":"customers/2222222222/campaigns/201","status":"PAUSED","budget":"x"}}]}`, 400, "not a field"},
		{"status REMOVED through update", "POST", api + "/customers/2222222222/campaigns:mutate", good, `{"operations":[{"updateMask":"status","update":{"resourceName":"customers/2222222222/campaigns/201","status":"REMOVED"}}]}`, 400, "ENABLED or PAUSED"},
		{"client account without login-customer-id", "POST", api + "/customers/9000000001/googleAds:searchStream", with("Authorization", "Bearer "+mcc.AccessToken), `{"query":"SELECT campaign.id FROM campaign"}`, 403, "login-customer-id is missing"},
		{"authorize without offline access", "GET", f.OAuthBase() + "/o/oauth2/v2/auth?client_id=" + url.QueryEscape(googleadsfake.ClientID) + "&response_type=code&scope=" + url.QueryEscape(googleads.Scope) + "&redirect_uri=https%3A%2F%2Fx%2Fcb&state=s", nil, "", 400, "access_type"},
		{"authorize with plain PKCE", "GET", f.OAuthBase() + "/o/oauth2/v2/auth?client_id=" + url.QueryEscape(googleadsfake.ClientID) + "&response_type=code&access_type=offline&scope=" + url.QueryEscape(googleads.Scope) + "&redirect_uri=https%3A%2F%2Fx%2Fcb&code_challenge=abc&code_challenge_method=plain", nil, "", 400, "S256"},
		{"token request as JSON", "POST", f.OAuthBase() + "/token", map[string]string{"Content-Type": "application/json"}, `{"grant_type":"refresh_token","refresh_token":"x"}`, 400, "x-www-form-urlencoded"},
		{"token request with a wrong secret", "POST", f.OAuthBase() + "/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "grant_type=refresh_token&refresh_token=" + url.QueryEscape(tok.RefreshToken) + "&client_id=" + url.QueryEscape(googleadsfake.ClientID) + "&client_secret=nope", 401, "client_secret"},
		{"hyphenated login-customer-id", "POST", api + "/customers/9000000001/googleAds:searchStream", with("login-customer-id", "900-000-0000"), `{"query":"SELECT campaign.id FROM campaign"}`, 400, "login-customer-id"},
	}
	for _, tc := range cases {
		before := len(f.Errors())
		req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		errs := f.Errors()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d; want %d", tc.name, resp.StatusCode, tc.status)
		}
		if len(errs) != before+1 || !strings.Contains(errs[len(errs)-1], tc.report) {
			t.Errorf("%s: fake reports %v; want one report containing %q", tc.name, errs[before:], tc.report)
		}
	}
	// The state is untouched by the refused mutations.
	if got, _ := f.Campaign("2222222222", "201"); got.BudgetMicros != 2_000_000_000 || got.Status != "PAUSED" {
		t.Fatalf("refused mutations changed the state: %+v", got)
	}
}

func pkce(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// TestConcurrentUse runs reads, mutations and refreshes at once on one
// client and one fake (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	f, c, tok := fixture(t, googleadsfake.WithBatchSize(3))
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch i % 4 {
			case 0:
				errs <- c.Insights(ctx, tok, usd, "2026-01-01", "2026-01-10", func([]platforms.Insight) error { return nil })
			case 1:
				errs <- c.Structure(ctx, tok, usd, func(platforms.StructurePage) error { return nil })
			case 2:
				errs <- c.Mutate(ctx, tok, usd, platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: platforms.RemoteCampaign{ExternalID: "101"}, BidMicros: int64(1+i) * 1_000_000})
			case 3:
				_, err := c.Refresh(ctx, tok)
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(f.Mutations()); n != 4 {
		t.Fatalf("mutations = %d; want 4 (2 update_bid × 2 ad groups)", n)
	}
}

// Developer tokens were sunset on 2026-09-09: without one configured the
// client omits the header and works; with one it sends it, which the
// fake's pre-sunset mode requires.
func TestDeveloperTokenOptional(t *testing.T) {
	t.Parallel()
	f, _, tok := fixture(t)
	c := googleads.New(platforms.Endpoints{APIBase: f.APIBase(), OAuthBase: f.OAuthBase(), ClientID: googleadsfake.ClientID, ClientSecret: googleadsfake.ClientSecret})
	if _, err := c.Accounts(context.Background(), tok); err != nil {
		t.Fatalf("without a developer token: %v", err)
	}

	rec := &recorder{TB: t}
	strict := googleadsfake.New(rec, googleadsfake.WithDeveloperTokenRequired())
	strict.AddCustomer(googleadsfake.Customer{ID: "1111111111", Name: "US", Currency: "USD", TimeZone: "UTC"})
	stok := strict.Grant("1111111111")
	if _, err := newClient(strict).Accounts(context.Background(), stok); err != nil || len(strict.Errors()) != 0 {
		t.Fatalf("positive control with the token: %v %v", err, strict.Errors())
	}
	noDT := googleads.New(platforms.Endpoints{APIBase: strict.APIBase(), OAuthBase: strict.OAuthBase(), ClientID: googleadsfake.ClientID, ClientSecret: googleadsfake.ClientSecret})
	_, err := noDT.Accounts(context.Background(), stok)
	if ae := kindOf(t, err); ae.Kind != platforms.ErrorAuth || ae.Code != "authenticationError.DEVELOPER_TOKEN_INVALID" {
		t.Fatalf("missing token in pre-sunset mode: %+v", ae)
	}
	if errs := strict.Errors(); len(errs) != 1 || !strings.Contains(errs[0], "developer-token") {
		t.Fatalf("fake reports %v; want the missing developer-token", errs)
	}
}
