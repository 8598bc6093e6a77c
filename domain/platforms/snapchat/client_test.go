package snapchat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/snapchat/snapchatfake"
)

type bundle struct {
	fake *snapchatfake.Server
	c    *Client
	tok  platforms.Token
}

func setup(t testing.TB, opts ...snapchatfake.Option) bundle {
	t.Helper()
	f := snapchatfake.New(t, opts...)
	c := New(platforms.Endpoints{
		APIBase: f.APIBase(), OAuthBase: f.OAuthBase(),
		ClientID: snapchatfake.ClientID, ClientSecret: snapchatfake.ClientSecret, HTTP: f.Client(),
	})
	access, refresh := f.IssueToken()
	return bundle{fake: f, c: c, tok: platforms.Token{AccessToken: access, RefreshToken: refresh}}
}

func apiErr(t *testing.T, err error) *platforms.APIError {
	t.Helper()
	var ae *platforms.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not a *platforms.APIError", err, err)
	}
	return ae
}

func TestContract(t *testing.T) {
	t.Parallel()
	c := New(platforms.Endpoints{ClientID: "id"})
	if c.Platform() != platforms.Snapchat || c.Configured() || c.SupportsPKCE() {
		t.Fatalf("Platform %q Configured %v SupportsPKCE %v", c.Platform(), c.Configured(), c.SupportsPKCE())
	}
	if !New(platforms.Endpoints{ClientID: "id", ClientSecret: "s"}).Configured() {
		t.Fatal("with id and secret the client is configured")
	}
	if c.http.Timeout != 30*time.Second {
		t.Fatalf("default timeout %v", c.http.Timeout)
	}
}

func TestOAuthRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	redirect := "https://stratum.example/oauth/snapchat/callback"
	authURL := b.c.AuthorizeURL(platforms.AuthorizeRequest{State: "st-123", RedirectURI: redirect, CodeChallenge: "ignored"})
	if !strings.HasPrefix(authURL, b.fake.OAuthBase()+"/login/oauth2/authorize?") {
		t.Fatalf("authorize URL %s", authURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Query().Get("state") != "st-123" || !strings.HasPrefix(loc.String(), redirect) {
		t.Fatalf("redirect %s lost the state or the redirect URI", loc)
	}
	code := loc.Query().Get("code")

	// A code presented with another redirect URI is refused (and spent).
	_, err = b.c.Exchange(ctx, code, "https://elsewhere.example/cb", "")
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth || ae.Code != "invalid_grant" {
		t.Fatalf("mismatched redirect: %+v", ae)
	}
	code = b.fake.IssueCode(redirect)
	before := time.Now()
	tok, err := b.c.Exchange(ctx, code, redirect, "")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || len(tok.Scopes) != 1 || tok.Scopes[0] != Scope {
		t.Fatalf("token %#v", tok)
	}
	if d := tok.ExpiresAt.Sub(before); d < 29*time.Minute || d > 31*time.Minute {
		t.Fatalf("access token lifetime %v; Snap issues 30 minutes", d)
	}
	if _, err := b.c.Accounts(ctx, tok); err != nil {
		t.Fatalf("the exchanged token works: %v", err)
	}
	// The code is single-use.
	_, err = b.c.Exchange(ctx, code, redirect, "")
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth {
		t.Fatalf("reused code: %+v", ae)
	}
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	next, err := b.c.Refresh(ctx, b.tok)
	if err != nil {
		t.Fatal(err)
	}
	if next.AccessToken == b.tok.AccessToken || next.RefreshToken == b.tok.RefreshToken || next.RefreshToken == "" {
		t.Fatal("refresh did not rotate both tokens")
	}
	if _, err := b.c.Accounts(ctx, next); err != nil {
		t.Fatalf("new access token: %v", err)
	}
	_, err = b.c.Refresh(ctx, b.tok)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth || ae.Code != "invalid_grant" {
		t.Fatalf("old refresh token: %+v", ae)
	}
	// An expired access token is an AUTH error until refreshed.
	b.fake.ExpireAccess(next.AccessToken)
	_, err = b.c.Accounts(ctx, next)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth || ae.HTTPStatus != http.StatusUnauthorized {
		t.Fatalf("expired access token: %+v", ae)
	}
	again, err := b.c.Refresh(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.c.Accounts(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := b.c.Refresh(ctx, platforms.Token{AccessToken: "x"}); platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("refresh without refresh token: %v", err)
	}
}

func TestRefreshWithBadAppCredentialsIsPermanent(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.RecordOnly())
	bad := New(platforms.Endpoints{APIBase: b.fake.APIBase(), OAuthBase: b.fake.OAuthBase(), ClientID: snapchatfake.ClientID, ClientSecret: "wrong", HTTP: b.fake.Client()})
	_, err := bad.Refresh(context.Background(), b.tok)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorPermanent || ae.Code != "invalid_client" {
		t.Fatalf("%+v", ae)
	}
}

func TestRevokedToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.fake.Seed(1, 1, 1)
	if _, err := b.c.Accounts(ctx, b.tok); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	b.fake.Revoke(b.tok.AccessToken)
	_, err := b.c.Accounts(ctx, b.tok)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth || ae.HTTPStatus != http.StatusUnauthorized || ae.Code != "E1002" {
		t.Fatalf("revoked: %+v", ae)
	}
	_, err = b.c.Refresh(ctx, b.tok)
	if platforms.ErrorKindOf(err) != platforms.ErrorAuth {
		t.Fatalf("refresh of a revoked grant: %v", err)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seeded := b.fake.Seed(3, 0, 0)
	got, err := b.c.Accounts(context.Background(), b.tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d accounts", len(got))
	}
	for i, a := range got {
		s := seeded[i]
		if a.ExternalID != s.ID || a.Currency != s.Currency || a.TimeZone != s.TimeZone || a.ParentID != s.OrganizationID || a.Status != "ACTIVE" || a.Name != s.Name {
			t.Errorf("account %d: %+v; seeded %+v", i, a, s)
		}
	}
}

func account(a snapchatfake.Account) platforms.Account {
	return platforms.Account{ExternalID: a.ID, Name: a.Name, Currency: a.Currency, TimeZone: a.TimeZone, ParentID: a.OrganizationID}
}

func TestStructurePagesAndStatuses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.c.pageSize = 50
	acct := b.fake.AddAccount(snapchatfake.Account{Name: "USD", Currency: "USD", TimeZone: "America/New_York"})
	budget := int64(123_450_000) // $123.45
	var ids []string
	for i := range 120 {
		cid, _ := b.fake.AddCampaign(acct.ID, snapchatfake.Campaign{DailyBudgetMicro: &budget}, int64(1_500_000+i), 0)
		ids = append(ids, cid)
	}
	b.fake.SetCampaignStatus(ids[1], "PAUSED")
	b.fake.SetCampaignStatus(ids[2], "DELETED")

	var pages []platforms.StructurePage
	err := b.c.Structure(context.Background(), b.tok, account(acct), func(p platforms.StructurePage) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 9 {
		t.Fatalf("%d pages; want 3 each of campaigns, ad squads and ads at limit 50", len(pages))
	}
	var camps []platforms.RemoteCampaign
	var groups []platforms.RemoteAdGroup
	var ads []platforms.RemoteAd
	for i, p := range pages {
		kinds := 0
		for _, n := range []int{len(p.Campaigns), len(p.AdGroups), len(p.Ads)} {
			if n > 0 {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("page %d mixes kinds", i)
		}
		if i < 3 && len(p.Campaigns) == 0 || i >= 3 && i < 6 && len(p.AdGroups) == 0 || i >= 6 && len(p.Ads) == 0 {
			t.Fatalf("page %d out of order (campaigns, then ad squads, then ads)", i)
		}
		camps, groups, ads = append(camps, p.Campaigns...), append(groups, p.AdGroups...), append(ads, p.Ads...)
	}
	if len(camps) != 120 || len(groups) != 120 || len(ads) != 120 {
		t.Fatalf("%d campaigns %d squads %d ads", len(camps), len(groups), len(ads))
	}
	want := map[string]string{ids[0]: platforms.StatusActive, ids[1]: platforms.StatusPaused, ids[2]: platforms.StatusArchived}
	for _, c := range camps {
		if w, ok := want[c.ExternalID]; ok && c.Status != w {
			t.Errorf("campaign %s status %s; want %s", c.ExternalID, c.Status, w)
		}
		if c.DailyBudgetMicros != budget {
			t.Errorf("campaign budget %d; want %d", c.DailyBudgetMicros, budget)
		}
	}
	if groups[7].BidMicros != 1_500_007 || groups[7].CampaignExternalID != ids[7] {
		t.Errorf("ad squad %+v", groups[7])
	}
	if ads[0].AdGroupExternalID != groups[0].ExternalID || ads[0].Status != platforms.StatusActive {
		t.Errorf("ad %+v", ads[0])
	}
}

func TestInsightsExactAcrossPagesWindowsAndZones(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.WithStatsPageSize(100), snapchatfake.WithLastDay("2026-11-30"))
	accts := b.fake.Seed(2, 250, 90) // USD in Los Angeles, JPY in Tokyo
	// 2026-10-01..2026-11-20 is 51 days: windows of 31 and 20 days, the
	// first crossing nothing, the second crossing the end of US daylight
	// time (2026-11-01), which the fake checks midnight by midnight.
	from, to := "2026-10-01", "2026-11-20"
	for _, a := range accts {
		calls, rows := 0, 0
		seen := map[string]bool{}
		err := b.c.Insights(context.Background(), b.tok, account(a), from, to, func(p []platforms.Insight) error {
			calls++
			for _, r := range p {
				rows++
				key := r.CampaignExternalID + r.Day
				if seen[key] {
					t.Fatalf("duplicate row %s %s", r.CampaignExternalID, r.Day)
				}
				seen[key] = true
				want := b.fake.Stat(r.CampaignExternalID, r.Day)
				if r.SpendMicros != want.Spend || r.Impressions != want.Impressions || r.Clicks != want.Swipes ||
					r.Conversions != float64(want.Purchases) || r.ConversionValueMicros != want.PurchaseValueMicro {
					t.Fatalf("%s %s %s: %+v; fake says %+v", a.Currency, r.CampaignExternalID, r.Day, r, want)
				}
				if r.Day < from || r.Day > to {
					t.Fatalf("row outside the range: %s", r.Day)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if rows != 250*51 {
			t.Fatalf("%s: %d rows; want %d", a.Currency, rows, 250*51)
		}
		if calls != 6 {
			t.Fatalf("%s: %d pages; want 3 pages × 2 windows", a.Currency, calls)
		}
	}
	if got := b.fake.Stat("nope", "2026-10-01"); got != (snapchatfake.Stats{}) {
		t.Fatal("unknown campaign has stats")
	}
}

func TestInsightsJPYMoneyIsMicrosAsReported(t *testing.T) {
	t.Parallel()
	b := setup(t)
	accts := b.fake.Seed(2, 1, 3)
	jpy := accts[1]
	if jpy.Currency != "JPY" {
		t.Fatalf("seed order changed: %+v", jpy)
	}
	var got []platforms.Insight
	if err := b.c.Insights(context.Background(), b.tok, account(jpy), "2026-11-30", "2026-11-30", func(p []platforms.Insight) error {
		got = append(got, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := b.fake.Stat(got[0].CampaignExternalID, "2026-11-30")
	if len(got) != 1 || got[0].SpendMicros != want.Spend || want.Spend%100 != 0 || want.Spend < 100_000_000 {
		t.Fatalf("JPY spend %d micros; fake %d (¥%d)", got[0].SpendMicros, want.Spend, want.Spend/1_000_000)
	}
}

func TestInsightsRejectsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := account(b.fake.Seed(1, 1, 1)[0])
	noop := func([]platforms.Insight) error { return nil }
	for _, r := range [][2]string{{"2026-11-02", "2026-11-01"}, {"2026/11/01", "2026-11-02"}, {"2020-01-01", "2026-01-01"}} {
		if err := b.c.Insights(context.Background(), b.tok, a, r[0], r[1], noop); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
			t.Errorf("%v: %v", r, err)
		}
	}
	a.TimeZone = "Mars/Olympus"
	if err := b.c.Insights(context.Background(), b.tok, a, "2026-11-01", "2026-11-02", noop); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
		t.Errorf("bad zone: %v", err)
	}
	if b.fake.Requests() != 0 {
		t.Fatalf("%d requests sent for refused input", b.fake.Requests())
	}
}

func TestMutationsReadBackAndIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	acct := b.fake.AddAccount(snapchatfake.Account{Name: "JPY", Currency: "JPY", TimeZone: "Asia/Tokyo"})
	budget := int64(5_000_000_000) // ¥5,000
	cid, _ := b.fake.AddCampaign(acct.ID, snapchatfake.Campaign{DailyBudgetMicro: &budget}, 100_000_000, 0)
	b.fake.AddAdSquad(cid, 120_000_000, 10_000_000_000)
	a, rc := account(acct), platforms.RemoteCampaign{ExternalID: cid}

	st, err := b.c.Campaign(ctx, b.tok, a, rc)
	if err != nil {
		t.Fatal(err)
	}
	if st != (platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 5_000_000_000}) {
		t.Fatalf("initial state %+v (squads disagree on bids, so BidMicros is 0)", st)
	}

	steps := []struct {
		m    platforms.Mutation
		want platforms.CampaignState
	}{
		{platforms.Mutation{Kind: platforms.MutatePause, Campaign: rc}, platforms.CampaignState{Status: platforms.StatusPaused, DailyBudgetMicros: 5_000_000_000}},
		{platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rc, BudgetMicros: 7_000_000_000}, platforms.CampaignState{Status: platforms.StatusPaused, DailyBudgetMicros: 7_000_000_000}},
		{platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: rc, BidMicros: 150_000_000}, platforms.CampaignState{Status: platforms.StatusPaused, DailyBudgetMicros: 7_000_000_000, BidMicros: 150_000_000}},
		{platforms.Mutation{Kind: platforms.MutateResume, Campaign: rc}, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 7_000_000_000, BidMicros: 150_000_000}},
	}
	for _, s := range steps {
		if err := b.c.Mutate(ctx, b.tok, a, s.m); err != nil {
			t.Fatalf("%s: %v", s.m.Kind, err)
		}
		logged := len(b.fake.Mutations())
		// A retried job: the same mutation again sends nothing.
		if err := b.c.Mutate(ctx, b.tok, a, s.m); err != nil {
			t.Fatalf("%s retried: %v", s.m.Kind, err)
		}
		if n := len(b.fake.Mutations()); n != logged {
			t.Fatalf("%s retried applied %d more updates", s.m.Kind, n-logged)
		}
		st, err := b.c.Campaign(ctx, b.tok, a, rc)
		if err != nil || st != s.want {
			t.Fatalf("after %s: %+v, %v; want %+v", s.m.Kind, st, err, s.want)
		}
	}
	// Each update changed exactly its own attribute (full-entity PUTs kept
	// the rest, e.g. the budget survived the pause).
	var changed []string
	for _, m := range b.fake.Mutations() {
		changed = append(changed, m.Entity+":"+strings.Join(m.Changed, ","))
	}
	if got := strings.Join(changed, " "); got != "campaign:status campaign:daily_budget_micro adsquad:bid_micro adsquad:bid_micro campaign:status" {
		t.Fatalf("mutation log %q", got)
	}
	for _, sq := range b.fake.AdSquads(cid) {
		if *sq.BidMicro != 150_000_000 {
			t.Fatalf("ad squad %s bid %d", sq.ID, *sq.BidMicro)
		}
	}
	if sq := b.fake.AdSquads(cid)[1]; sq.DailyBudgetMicro == nil || *sq.DailyBudgetMicro != 10_000_000_000 {
		t.Fatal("the bid update lost the ad squad's budget")
	}
	for _, bad := range []platforms.Mutation{{Kind: "delete", Campaign: rc}, {Kind: platforms.MutateUpdateBudget, Campaign: rc}, {Kind: platforms.MutateUpdateBid, Campaign: rc, BidMicros: -1}} {
		if err := b.c.Mutate(ctx, b.tok, a, bad); platforms.ErrorKindOf(err) != platforms.ErrorPermanent {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestMutateDeletedOrUnknownCampaign(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	acct := b.fake.AddAccount(snapchatfake.Account{Name: "USD", Currency: "USD", TimeZone: "UTC"})
	cid, _ := b.fake.AddCampaign(acct.ID, snapchatfake.Campaign{}, 1_000_000, 0)
	b.fake.SetCampaignStatus(cid, "DELETED")
	err := b.c.Mutate(ctx, b.tok, account(acct), platforms.Mutation{Kind: platforms.MutatePause, Campaign: platforms.RemoteCampaign{ExternalID: cid}})
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorPermanent || !strings.Contains(ae.Message, "deleted") {
		t.Fatalf("%+v", ae)
	}
	st, err := b.c.Campaign(ctx, b.tok, account(acct), platforms.RemoteCampaign{ExternalID: cid})
	if err != nil || st.Status != platforms.StatusArchived {
		t.Fatalf("%+v %v", st, err)
	}
	_, err = b.c.Campaign(ctx, b.tok, account(acct), platforms.RemoteCampaign{ExternalID: "00000000-0000-4000-8000-000000000000"})
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorPermanent || ae.HTTPStatus != http.StatusNotFound || ae.Code != "E3003" {
		t.Fatalf("%+v", ae)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.RecordOnly())
	ctx := context.Background()
	acct := b.fake.AddAccount(snapchatfake.Account{Name: "USD", Currency: "USD", TimeZone: "UTC"})
	cid, _ := b.fake.AddCampaign(acct.ID, snapchatfake.Campaign{}, 1_000_000, 0)
	rc := platforms.RemoteCampaign{ExternalID: cid}

	b.fake.SetRetryAfter(7 * time.Second)
	b.fake.RateLimitNext(1)
	_, err := b.c.Campaign(ctx, b.tok, account(acct), rc)
	ae := apiErr(t, err)
	if ae.Kind != platforms.ErrorRateLimited || ae.RetryAfter != 7*time.Second || ae.HTTPStatus != 429 || !errors.Is(err, platforms.ErrUnavailable) {
		t.Fatalf("rate limited: %+v", ae)
	}
	if _, err := b.c.Campaign(ctx, b.tok, account(acct), rc); err != nil {
		t.Fatalf("after the rate limit: %v", err)
	}
	b.fake.SetRetryAfter(0)
	b.fake.RateLimitNext(1)
	_, err = b.c.Campaign(ctx, b.tok, account(acct), rc)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorRateLimited || ae.RetryAfter != 0 {
		t.Fatalf("rate limited without Retry-After: %+v", ae)
	}

	for _, status := range []int{500, 503} {
		b.fake.FailNext(1, status)
		_, err = b.c.Accounts(ctx, b.tok)
		if ae := apiErr(t, err); ae.Kind != platforms.ErrorTransient || ae.HTTPStatus != status || !errors.Is(err, platforms.ErrUnavailable) {
			t.Fatalf("%d: %+v", status, ae)
		}
	}
	b.fake.FailNext(1, http.StatusForbidden)
	_, err = b.c.Accounts(ctx, b.tok)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorAuth {
		t.Fatalf("403: %+v", ae)
	}

	// A refusal: a $1 campaign budget is below Snap's minimum → 400 with
	// request_status ERROR → PERMANENT with Snap's code and words.
	err = b.c.Mutate(ctx, b.tok, account(acct), platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rc, BudgetMicros: 1_000_000})
	ae = apiErr(t, err)
	if ae.Kind != platforms.ErrorPermanent || ae.HTTPStatus != 400 || ae.Code != "E1001" || !strings.Contains(ae.Message, "daily_budget_micro") || errors.Is(err, platforms.ErrUnavailable) {
		t.Fatalf("400: %+v", ae)
	}

	// The client never sends the token off the configured API host.
	before := b.fake.Requests()
	err = b.c.call(ctx, b.tok, http.MethodGet, "https://evil.example/v1/me/organizations", nil, nil)
	if platforms.ErrorKindOf(err) != platforms.ErrorPermanent || b.fake.Requests() != before {
		t.Fatalf("foreign next_link: %v", err)
	}

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.c.Accounts(ctx2, b.tok); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled: %v", err)
	}
}

func TestRetryAfterForms(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{"": 0, "30": 30 * time.Second, "junk": 0, "-4": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second, now.Add(-time.Minute).Format(http.TimeFormat): 0}
	for h, want := range cases {
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q = %v; want %v", h, got, want)
		}
	}
}

func TestTokenStringHidesSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if s := b.tok.String(); strings.Contains(s, b.tok.AccessToken) {
		t.Fatal(s)
	}
}

func TestStandaloneFake(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(nil)
	ts.Start()
	t.Cleanup(ts.Close)
	var logged []string
	var mu sync.Mutex
	f := snapchatfake.NewStandalone(ts.URL, func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf(format, args...))
	})
	ts.Config.Handler = f.Handler()
	c := New(platforms.Endpoints{APIBase: f.APIBase(), OAuthBase: f.OAuthBase(), ClientID: snapchatfake.ClientID, ClientSecret: snapchatfake.ClientSecret})
	c.pageSize = 50
	a := account(f.Seed(1, 60, 2)[0])
	access, refresh := f.IssueToken()
	tok := platforms.Token{AccessToken: access, RefreshToken: refresh}
	n := 0
	if err := c.Structure(context.Background(), tok, a, func(p platforms.StructurePage) error { n += len(p.Campaigns); return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 60 {
		t.Fatalf("%d campaigns through the standalone fake", n)
	}
	resp, err := http.Get(ts.URL + "/v1/me/organizations")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], "Authorization header") {
		t.Fatalf("standalone fake logged %q", logged)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.WithStatsPageSize(20))
	a := account(b.fake.Seed(1, 40, 10)[0])
	var camps []platforms.RemoteCampaign
	if err := b.c.Structure(context.Background(), b.tok, a, func(p platforms.StructurePage) error {
		camps = append(camps, p.Campaigns...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Go(func() {
			rows := 0
			errs <- b.c.Insights(context.Background(), b.tok, a, "2026-11-21", "2026-11-30", func(p []platforms.Insight) error { rows += len(p); return nil })
			if rows != 400 {
				errs <- fmt.Errorf("%d rows", rows)
			}
		})
		wg.Go(func() {
			errs <- b.c.Mutate(context.Background(), b.tok, a, platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: camps[i], BidMicros: 4_000_000})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.fake.Mutations()); n != 8 {
		t.Fatalf("%d bid updates; want 8", n)
	}
}

func TestCallbackErrorStopsPaging(t *testing.T) {
	t.Parallel()
	b := setup(t, snapchatfake.WithStatsPageSize(10))
	b.c.pageSize = 50
	a := account(b.fake.Seed(1, 200, 90)[0])
	stop := errors.New("stop")
	calls := 0
	err := b.c.Insights(context.Background(), b.tok, a, "2026-09-02", "2026-11-30", func([]platforms.Insight) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Insights: %v after %d calls", err, calls)
	}
	// At most the page handed over and the one fetched ahead.
	if n := b.fake.Requests(); n > 3 {
		t.Fatalf("%d stats requests after the callback stopped", n)
	}
	calls = 0
	err = b.c.Structure(context.Background(), b.tok, a, func(platforms.StructurePage) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Structure: %v after %d calls", err, calls)
	}
	// A failure mid-way surfaces as the platform's error, after the pages before it.
	calls = 0
	b.fake.FailNext(0, 0)
	err = b.c.Insights(context.Background(), b.tok, a, "2026-09-02", "2026-11-30", func([]platforms.Insight) error {
		calls++
		if calls == 2 {
			b.fake.FailNext(1, http.StatusBadGateway)
		}
		return nil
	})
	if platforms.ErrorKindOf(err) != platforms.ErrorTransient || calls < 2 {
		t.Fatalf("mid-way failure: %v after %d pages", err, calls)
	}
}

func TestPartialBatchFailureCarriesTheReason(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"request_status":"PARTIAL","request_id":"r","campaigns":[{"sub_request_status":"ERROR","sub_request_error_reason":"Budget too low"}]}`)
	}))
	t.Cleanup(ts.Close)
	c := New(platforms.Endpoints{APIBase: ts.URL, HTTP: ts.Client()})
	err := c.call(context.Background(), platforms.Token{AccessToken: "t"}, http.MethodPut, ts.URL+"/v1/adaccounts/a/campaigns", map[string]any{"campaigns": []any{}}, nil)
	if ae := apiErr(t, err); ae.Kind != platforms.ErrorPermanent || ae.Message != "Budget too low" {
		t.Fatalf("%+v", ae)
	}
}
