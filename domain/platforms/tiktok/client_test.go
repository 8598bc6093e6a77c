package tiktok_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/tiktok"
	"github.com/stratumhq/stratum/domain/platforms/tiktok/tiktokfake"
)

// bundle is a fake with seeded advertisers, a client against it and a
// token covering every advertiser.
type bundle struct {
	fake  *tiktokfake.Server
	c     *tiktok.Client
	tok   platforms.Token
	accts []platforms.Account // as the fake seeded them (USD first, JPY second)
}

func setup(t *testing.T, accounts, campaigns, days int, opts ...tiktokfake.Option) bundle {
	t.Helper()
	f := tiktokfake.New(t, opts...)
	advs := f.Seed(accounts, campaigns, days)
	b := bundle{fake: f, c: tiktok.New(f.Endpoints())}
	ids := make([]string, 0, len(advs))
	for _, a := range advs {
		ids = append(ids, a.ID)
		b.accts = append(b.accts, platforms.Account{ExternalID: a.ID, Name: a.Name, Currency: a.Currency, TimeZone: a.TimeZone})
	}
	b.tok = platforms.Token{AccessToken: f.IssueToken(ids...), AdvertiserIDs: ids}
	return b
}

func apiErr(t *testing.T, err error) *platforms.APIError {
	t.Helper()
	var ae *platforms.APIError
	require.ErrorAs(t, err, &ae)
	return ae
}

func TestOAuthRoundTrip(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 0, 0)
	ctx := context.Background()
	require.False(t, b.c.SupportsPKCE(), "TikTok's advertiser authorization takes no PKCE challenge")
	require.True(t, b.c.Configured())
	require.False(t, tiktok.New(platforms.Endpoints{APIBase: "http://x"}).Configured())

	auth := b.c.AuthorizeURL(platforms.AuthorizeRequest{State: "st-1", RedirectURI: "https://stratum.test/oauth/tiktok/callback", CodeChallenge: "ignored"})
	u, err := url.Parse(auth)
	require.NoError(t, err)
	require.Equal(t, "/portal/auth", u.Path)
	require.Equal(t, url.Values{"app_id": {b.fake.AppID()}, "state": {"st-1"}, "redirect_uri": {"https://stratum.test/oauth/tiktok/callback"}}, u.Query())

	// The fake's consent page redirects back with auth_code and state.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(auth)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	back, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st-1", back.Query().Get("state"))
	code := back.Query().Get("auth_code")
	require.NotEmpty(t, code)

	tok, err := b.c.Exchange(ctx, code, "https://stratum.test/oauth/tiktok/callback", "")
	require.NoError(t, err)
	require.NotEmpty(t, tok.AccessToken)
	require.ElementsMatch(t, b.fake.Advertisers(), tok.AdvertiserIDs)
	require.Equal(t, []string{"1", "2", "4"}, tok.Scopes)
	require.True(t, tok.ExpiresAt.IsZero(), "long-term tokens do not expire")
	accts, err := b.c.Accounts(ctx, tok)
	require.NoError(t, err)
	require.Len(t, accts, 2)

	// auth_code is single-use: the platform refuses a second exchange.
	_, err = b.c.Exchange(ctx, code, "", "")
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind)
	require.Equal(t, "40002", apiErr(t, err).Code)

	// No refresh for long-term tokens: reconnect.
	_, err = b.c.Refresh(ctx, tok)
	require.Equal(t, platforms.ErrorAuth, apiErr(t, err).Kind)
	require.Empty(t, b.fake.Errors())
}

func TestAccountsBatchesAdvertiserInfo(t *testing.T) {
	t.Parallel()
	b := setup(t, 150, 0, 0) // advertiser/info takes at most 100 ids
	before := b.fake.Requests()
	accts, err := b.c.Accounts(context.Background(), b.tok)
	require.NoError(t, err)
	require.Len(t, accts, 150)
	require.Equal(t, 3, b.fake.Requests()-before, "oauth2/advertiser/get plus two advertiser/info batches")
	byID := map[string]platforms.Account{}
	for _, a := range accts {
		byID[a.ExternalID] = a
	}
	for _, want := range b.accts {
		got := byID[want.ExternalID]
		require.Equal(t, want.Name, got.Name)
		require.Equal(t, want.Currency, got.Currency)
		require.Equal(t, want.TimeZone, got.TimeZone)
		require.Equal(t, "STATUS_ENABLE", got.Status)
	}
	require.Equal(t, "JPY", byID[b.accts[1].ExternalID].Currency)
	require.Equal(t, "Asia/Tokyo", byID[b.accts[1].ExternalID].TimeZone)

	// A token that covers only one advertiser sees only that one.
	one := platforms.Token{AccessToken: b.fake.IssueToken(b.accts[0].ExternalID)}
	accts, err = b.c.Accounts(context.Background(), one)
	require.NoError(t, err)
	require.Len(t, accts, 1)
	require.Empty(t, b.fake.Errors())
}

func TestStructurePagesAndMoney(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 1500, 1) // 1,500 campaigns: 2 pages; 3,000 ad groups and ads: 3 pages each
	ctx := context.Background()
	for i, acct := range b.accts {
		var pages, campaigns, groups, ads int
		phase := 0
		var first platforms.RemoteCampaign
		var firstGroup platforms.RemoteAdGroup
		paused := 0
		err := b.c.Structure(ctx, b.tok, acct, func(p platforms.StructurePage) error {
			pages++
			next := phase
			switch {
			case len(p.Campaigns) > 0:
				next = 0
			case len(p.AdGroups) > 0:
				next = 1
			case len(p.Ads) > 0:
				next = 2
			}
			require.GreaterOrEqual(t, next, phase, "campaigns before ad groups before ads")
			phase = next
			if campaigns == 0 && len(p.Campaigns) > 0 {
				first = p.Campaigns[0]
			}
			if groups == 0 && len(p.AdGroups) > 0 {
				firstGroup = p.AdGroups[0]
			}
			for _, c := range p.Campaigns {
				if c.Status == platforms.StatusPaused {
					paused++
				}
			}
			campaigns += len(p.Campaigns)
			groups += len(p.AdGroups)
			ads += len(p.Ads)
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, 8, pages)
		require.Equal(t, 1500, campaigns)
		require.Equal(t, 3000, groups)
		require.Equal(t, 3000, ads)
		require.Equal(t, 300, paused, "every fifth seeded campaign is DISABLE")
		require.Equal(t, platforms.StatusActive, first.Status)
		require.Equal(t, "WEB_CONVERSIONS", first.Objective)
		require.Equal(t, first.ExternalID, firstGroup.CampaignExternalID)
		if i == 0 { // USD: 50.00 budget, 1.50 bid
			require.Equal(t, int64(50_000_000), first.DailyBudgetMicros)
			require.Equal(t, int64(1_500_000), firstGroup.BidMicros)
		} else { // JPY: 5000 budget, 150 bid
			require.Equal(t, int64(5_000_000_000), first.DailyBudgetMicros)
			require.Equal(t, int64(150_000_000), firstGroup.BidMicros)
		}
		require.Zero(t, firstGroup.DailyBudgetMicros, "ad groups of a campaign-budget campaign have no budget")
	}

	// An error from the callback stops the walk and is returned.
	stop := errors.New("stop")
	calls := 0
	err := b.c.Structure(ctx, b.tok, b.accts[0], func(platforms.StructurePage) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls)
	require.Empty(t, b.fake.Errors())
}

func TestInsightsChunksPagesAndConvertsExactly(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 50, 45)
	ctx := context.Background()
	end, _ := time.Parse(time.DateOnly, tiktokfake.SeedEnd)
	from := end.AddDate(0, 0, -44).Format(time.DateOnly)

	// Amounts a float would round: fixed for one USD and one JPY campaign-day.
	usdCamp, jpyCamp := "17000100000000001", "17000200000000001"
	b.fake.SetInsight(usdCamp, from, tiktokfake.Metrics{SpendMicros: 1_234_560_000, ValueMicros: 70_000, Impressions: 9_007_199_254_740_993, Clicks: 3, Conversions: 1})
	b.fake.SetInsight(jpyCamp, from, tiktokfake.Metrics{SpendMicros: 1_234_000_000, ValueMicros: 99_000_000, Impressions: 10, Clicks: 1})

	for _, acct := range b.accts {
		seen := map[string]platforms.Insight{}
		pages := 0
		err := b.c.Insights(ctx, b.tok, acct, from, tiktokfake.SeedEnd, func(rows []platforms.Insight) error {
			pages++
			for _, r := range rows {
				k := r.CampaignExternalID + "/" + r.Day
				require.NotContains(t, seen, k, "row served twice")
				seen[k] = r
			}
			return nil
		})
		require.NoError(t, err)
		// 45 days → a 30-day chunk (1,500 rows: 2 pages) and a 15-day chunk (750 rows: 1 page).
		require.Equal(t, 3, pages)
		require.Len(t, seen, 50*45)
		for _, r := range seen {
			m := b.fake.Insight(r.CampaignExternalID, r.Day)
			require.Equal(t, m.SpendMicros, r.SpendMicros, r.CampaignExternalID+" "+r.Day)
			require.Equal(t, m.ValueMicros, r.ConversionValueMicros)
			require.Equal(t, m.Impressions, r.Impressions)
			require.Equal(t, m.Clicks, r.Clicks)
			require.Equal(t, float64(m.Conversions), r.Conversions)
		}
	}
	usd := b.fake.Insight(usdCamp, from)
	require.Equal(t, int64(1_234_560_000), usd.SpendMicros)
	var got platforms.Insight
	err := b.c.Insights(ctx, b.tok, b.accts[0], from, from, func(rows []platforms.Insight) error {
		for _, r := range rows {
			if r.CampaignExternalID == usdCamp {
				got = r
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, platforms.Insight{CampaignExternalID: usdCamp, Day: from, SpendMicros: 1_234_560_000, ConversionValueMicros: 70_000, Impressions: 9_007_199_254_740_993, Clicks: 3, Conversions: 1}, got)
	err = b.c.Insights(ctx, b.tok, b.accts[1], from, from, func(rows []platforms.Insight) error {
		for _, r := range rows {
			if r.CampaignExternalID == jpyCamp {
				got = r
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, platforms.Insight{CampaignExternalID: jpyCamp, Day: from, SpendMicros: 1_234_000_000, ConversionValueMicros: 99_000_000, Impressions: 10, Clicks: 1}, got)

	// Days outside the data answer no rows; a reversed range is refused before any call.
	n := 0
	require.NoError(t, b.c.Insights(ctx, b.tok, b.accts[0], "2020-01-01", "2020-01-05", func(rows []platforms.Insight) error { n += len(rows); return nil }))
	require.Zero(t, n)
	require.Error(t, b.c.Insights(ctx, b.tok, b.accts[0], "2020-01-05", "2020-01-01", func([]platforms.Insight) error { return nil }))
	require.Empty(t, b.fake.Errors())
}

func TestMutations(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 2, 1)
	ctx := context.Background()
	usd, jpy := b.accts[0], b.accts[1]
	camp := platforms.RemoteCampaign{ExternalID: "17000100000000001"}
	jcamp := platforms.RemoteCampaign{ExternalID: "17000200000000001"}

	st, err := b.c.Campaign(ctx, b.tok, usd, camp)
	require.NoError(t, err)
	require.Equal(t, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 50_000_000, BidMicros: 1_500_000}, st)

	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutatePause, Campaign: camp, IdempotencyKey: "k1"}))
	st, err = b.c.Campaign(ctx, b.tok, usd, camp)
	require.NoError(t, err)
	require.Equal(t, platforms.StatusPaused, st.Status)
	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutateResume, Campaign: camp}))
	st, err = b.c.Campaign(ctx, b.tok, usd, camp)
	require.NoError(t, err)
	require.Equal(t, platforms.StatusActive, st.Status)

	// Budgets go out in the currency's decimals: 75.5 USD as 75.50, 1234.4 JPY rounded to 1234.
	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: camp, BudgetMicros: 75_500_000}))
	c, _ := b.fake.CampaignState(camp.ExternalID)
	require.Equal(t, "75.50", c.Budget)
	require.NoError(t, b.c.Mutate(ctx, b.tok, jpy, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: jcamp, BudgetMicros: 1_234_400_000}))
	c, _ = b.fake.CampaignState(jcamp.ExternalID)
	require.Equal(t, "1234", c.Budget)
	st, err = b.c.Campaign(ctx, b.tok, jpy, jcamp)
	require.NoError(t, err)
	require.Equal(t, int64(1_234_000_000), st.DailyBudgetMicros)

	// update_bid sets every ad group of the campaign, and a retry changes nothing more.
	bid := platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: camp, BidMicros: 2_250_000}
	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, bid))
	for _, g := range []string{camp.ExternalID + "1", camp.ExternalID + "2"} {
		ag, _ := b.fake.AdGroupState(g)
		require.Equal(t, "2.25", ag.BidPrice)
	}
	before := len(b.fake.Mutations())
	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, bid))
	require.Len(t, b.fake.Mutations(), before, "a retried update_bid applies nothing twice")
	st, err = b.c.Campaign(ctx, b.tok, usd, camp)
	require.NoError(t, err)
	require.Equal(t, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 75_500_000, BidMicros: 2_250_000}, st)

	var fields []string
	for _, m := range b.fake.Mutations() {
		fields = append(fields, m.Endpoint+":"+m.Field+"="+m.To)
	}
	require.Equal(t, []string{
		"campaign/status/update:operation_status=DISABLE",
		"campaign/status/update:operation_status=ENABLE",
		"campaign/update:budget=75.50",
		"campaign/update:budget=1234",
		"adgroup/update:bid_price=2.25",
		"adgroup/update:bid_price=2.25",
	}, fields)

	// A platform refusal is permanent, with TikTok's code and words.
	b.fake.AddCampaign(tiktokfake.Campaign{ID: "1799", AdvertiserID: usd.ExternalID, Name: "No budget", BudgetMode: "BUDGET_MODE_INFINITE", Enabled: true})
	err = b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: "1799"}, BudgetMicros: 10_000_000})
	ae := apiErr(t, err)
	require.Equal(t, platforms.ErrorPermanent, ae.Kind)
	require.Equal(t, "40002", ae.Code)
	require.Contains(t, ae.Message, "BUDGET_MODE_INFINITE")
	// A campaign without ad groups cannot take a bid; a non-positive budget is refused before any call.
	err = b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: platforms.RemoteCampaign{ExternalID: "1799"}, BidMicros: 1_000_000})
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind)
	n := b.fake.Requests()
	err = b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: camp, BudgetMicros: 4_000})
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind)
	require.Equal(t, n, b.fake.Requests())
	// A deleted campaign cannot be read back.
	require.NoError(t, b.c.Mutate(ctx, b.tok, usd, platforms.Mutation{Kind: "pause", Campaign: platforms.RemoteCampaign{ExternalID: "1799"}}))
	_, err = b.c.Campaign(ctx, b.tok, usd, platforms.RemoteCampaign{ExternalID: "missing"})
	require.Equal(t, "NOT_FOUND", apiErr(t, err).Code)
	require.Empty(t, b.fake.Errors())
}

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	b := setup(t, 1, 1, 1)
	ctx := context.Background()
	call := func() error { _, err := b.c.Accounts(ctx, b.tok); return err }

	b.fake.RateLimitNext(1)
	ae := apiErr(t, call())
	require.Equal(t, platforms.ErrorRateLimited, ae.Kind)
	require.Equal(t, "40100", ae.Code)
	require.Equal(t, time.Minute, ae.RetryAfter)
	require.Contains(t, ae.Message, "too frequently")
	require.ErrorIs(t, ae, platforms.ErrUnavailable)
	require.NoError(t, call(), "the next call succeeds")

	b.fake.FailNext(1, http.StatusServiceUnavailable)
	ae = apiErr(t, call())
	require.Equal(t, platforms.ErrorTransient, ae.Kind)
	require.Equal(t, http.StatusServiceUnavailable, ae.HTTPStatus)
	require.NoError(t, call())

	cases := []struct {
		code int
		kind platforms.ErrorKind
	}{
		{50000, platforms.ErrorTransient}, {51021, platforms.ErrorTransient},
		{40133, platforms.ErrorRateLimited},
		{40001, platforms.ErrorAuth}, {40102, platforms.ErrorAuth}, {40104, platforms.ErrorAuth}, {40105, platforms.ErrorAuth},
		{40002, platforms.ErrorPermanent}, {40700, platforms.ErrorPermanent},
	}
	for _, tc := range cases {
		b.fake.ErrorNext(tc.code, fmt.Sprintf("message %d", tc.code))
		ae := apiErr(t, call())
		require.Equal(t, tc.kind, ae.Kind, "code %d", tc.code)
		require.Equal(t, fmt.Sprint(tc.code), ae.Code)
		require.Equal(t, fmt.Sprintf("message %d", tc.code), ae.Message)
		require.Equal(t, tc.kind, platforms.ErrorKindOf(ae))
	}

	// A revoked token answers 40105 from then on: reconnect.
	b.fake.Revoke(b.tok.AccessToken)
	ae = apiErr(t, call())
	require.Equal(t, platforms.ErrorAuth, ae.Kind)
	require.Equal(t, "40105", ae.Code)
	err := b.c.Insights(ctx, b.tok, b.accts[0], tiktokfake.SeedEnd, tiktokfake.SeedEnd, func([]platforms.Insight) error { return nil })
	require.Equal(t, platforms.ErrorAuth, apiErr(t, err).Kind)

	// Cancelled contexts stay context errors.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = b.c.Accounts(cctx, b.tok)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, b.fake.Errors())
}

// TestFakeRejectsMalformedRequests sends requests that break the
// documented wire format straight to the fake and checks each is reported
// (and answered with TikTok's error), with the client's own requests
// through the same fake as the positive control.
func TestFakeRejectsMalformedRequests(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 3, 3, tiktokfake.RecordOnly())
	ctx := context.Background()
	usd, jpy := b.accts[0].ExternalID, b.accts[1].ExternalID
	camp := "17000100000000001"
	api := b.fake.APIBase() + "/open_api/v1.3/"

	// Positive control: every client call passes.
	_, err := b.c.Accounts(ctx, b.tok)
	require.NoError(t, err)
	require.NoError(t, b.c.Structure(ctx, b.tok, b.accts[0], func(platforms.StructurePage) error { return nil }))
	require.NoError(t, b.c.Insights(ctx, b.tok, b.accts[0], "2026-11-01", tiktokfake.SeedEnd, func([]platforms.Insight) error { return nil }))
	require.NoError(t, b.c.Mutate(ctx, b.tok, b.accts[0], platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: platforms.RemoteCampaign{ExternalID: camp}, BudgetMicros: 12_340_000}))
	require.NoError(t, b.c.Mutate(ctx, b.tok, b.accts[0], platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: platforms.RemoteCampaign{ExternalID: camp}, BidMicros: 990_000}))
	require.Empty(t, b.fake.Errors(), "the client's own requests are well-formed")

	report := func(mod func(url.Values)) string {
		q := tiktok.ReportQuery(usd, "2026-11-28", tiktokfake.SeedEnd, 1)
		mod(q)
		return api + "report/integrated/get/?" + q.Encode()
	}
	type req struct {
		name, method, url, body string
		header                  map[string]string
		want                    string
	}
	tok := b.tok.AccessToken
	cases := []req{
		{name: "missing token", method: "GET", url: api + "campaign/get/?advertiser_id=" + usd, want: "Access-Token header is missing"},
		{name: "bearer header", method: "GET", url: api + "campaign/get/?advertiser_id=" + usd, header: map[string]string{"Authorization": "Bearer " + tok}, want: "not Authorization"},
		{name: "old version", method: "GET", url: b.fake.APIBase() + "/open_api/v1.2/campaign/get/?advertiser_id=" + usd, want: "wrong version"},
		{name: "no trailing slash", method: "GET", url: api + "campaign/get?advertiser_id=" + usd, want: "trailing slash"},
		{name: "misspelled parameter", method: "GET", url: api + "campaign/get/?advertizer_id=" + usd, want: `unknown query parameter "advertizer_id"`},
		{name: "page_size too large", method: "GET", url: api + "campaign/get/?advertiser_id=" + usd + "&page_size=5000", want: "page_size must be an integer in 1–1000"},
		{name: "fields not JSON", method: "GET", url: api + "adgroup/get/?advertiser_id=" + usd + "&fields=adgroup_id,bid_price", want: "JSON array"},
		{name: "unknown field", method: "GET", url: api + "ad/get/?advertiser_id=" + usd + `&fields=["ad_id","ad_nmae"]`, want: `unknown value "ad_nmae"`},
		{name: "unknown filter", method: "GET", url: api + "campaign/get/?advertiser_id=" + usd + `&filtering={"campaign_id":["1"]}`, want: `unknown filtering key "campaign_id"`},
		{name: "report span over 30 days", method: "GET", url: report(func(q url.Values) { q.Set("start_date", "2026-10-01") }), want: "at most 30 days"},
		{name: "report wrong dimensions", method: "GET", url: report(func(q url.Values) { q.Set("dimensions", `["campaign_id","stat_time_hour"]`) }), want: "dimensions"},
		{name: "report misspelled metric", method: "GET", url: report(func(q url.Values) { q.Set("metrics", `["spend","impresions"]`) }), want: `unknown value "impresions"`},
		{name: "report bad date", method: "GET", url: report(func(q url.Values) { q.Set("end_date", "30/11/2026") }), want: "YYYY-MM-DD"},
		{name: "GET on a POST endpoint", method: "GET", url: api + "campaign/update/", want: "takes POST"},
		{name: "budget as a string", method: "POST", url: api + "campaign/update/", body: `{"advertiser_id":"` + usd + `","campaign_id":"` + camp + `","budget":"12.34"}`, want: "must be a JSON number"},
		{name: "budget with three decimals", method: "POST", url: api + "campaign/update/", body: `{"advertiser_id":"` + usd + `","campaign_id":"` + camp + `","budget":12.345}`, want: "more decimals than USD"},
		{name: "budget in micros", method: "POST", url: api + "campaign/update/", body: `{"advertiser_id":"` + usd + `","campaign_id":"` + camp + `","budget":50000000}`, want: "micros"},
		{name: "yen budget with decimals", method: "POST", url: api + "campaign/update/", body: `{"advertiser_id":"` + jpy + `","campaign_id":"17000200000000001","budget":5000.5}`, want: "more decimals than JPY"},
		{name: "bid as float exponent", method: "POST", url: api + "adgroup/update/", body: `{"advertiser_id":"` + usd + `","adgroup_id":"` + camp + `1","bid_price":1.5e0}`, want: "not a plain decimal"},
		{name: "unknown body field", method: "POST", url: api + "campaign/status/update/", body: `{"advertiser_id":"` + usd + `","campaign_id":"` + camp + `","operation_status":"DISABLE"}`, want: `unknown body field "campaign_id"`},
		{name: "bad status word", method: "POST", url: api + "campaign/status/update/", body: `{"advertiser_id":"` + usd + `","campaign_ids":["` + camp + `"],"operation_status":"PAUSED"}`, want: "ENABLE, DISABLE or DELETE"},
		{name: "form-encoded token call", method: "POST", url: api + "oauth2/access_token/", body: "app_id=1&secret=2&auth_code=3", header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: "Content-Type application/json"},
	}
	for _, tc := range cases {
		before := len(b.fake.Errors())
		r, err := http.NewRequestWithContext(ctx, tc.method, tc.url, strings.NewReader(tc.body))
		require.NoError(t, err)
		if tc.name != "missing token" && tc.name != "bearer header" {
			r.Header.Set("Access-Token", tok)
		}
		if tc.method == "POST" {
			r.Header.Set("Content-Type", "application/json")
		}
		for k, v := range tc.header {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		require.NoError(t, err, tc.name)
		var env struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		require.NoError(t, jsonDecode(resp, &env), tc.name)
		errs := b.fake.Errors()
		require.Len(t, errs, before+1, "%s: the fake reports it", tc.name)
		require.Contains(t, errs[len(errs)-1], tc.want, tc.name)
		require.NotZero(t, env.Code, "%s: answered with TikTok's error", tc.name)
	}
	// Nothing malformed was applied.
	c, _ := b.fake.CampaignState(camp)
	require.Equal(t, "12.34", c.Budget)
	require.True(t, c.Enabled)
}

func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// TestConcurrentUse runs syncs and changes at once through one client and
// one fake (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t, 2, 20, 10)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 4; i++ {
		acct := b.accts[i%2]
		wg.Add(3)
		go func() {
			defer wg.Done()
			errs <- b.c.Insights(ctx, b.tok, acct, "2026-11-21", tiktokfake.SeedEnd, func([]platforms.Insight) error { return nil })
		}()
		go func() {
			defer wg.Done()
			errs <- b.c.Structure(ctx, b.tok, acct, func(platforms.StructurePage) error { return nil })
		}()
		go func() {
			defer wg.Done()
			camp := platforms.RemoteCampaign{ExternalID: fmt.Sprintf("17%04d%011d", i%2+1, i+1)}
			errs <- b.c.Mutate(ctx, b.tok, acct, platforms.Mutation{Kind: platforms.MutatePause, Campaign: camp})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, b.fake.Mutations(), 4)
	require.Empty(t, b.fake.Errors())
}
