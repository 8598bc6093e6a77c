package meta_test

import (
	"context"
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
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
	"github.com/stratumhq/stratum/internal/money"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type bundle struct {
	fake   *metafake.Server
	client *meta.Client
	tok    platforms.Token
	clock  *clock
	ctx    context.Context
}

func setup(t *testing.T, opts ...metafake.Option) bundle {
	t.Helper()
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	fake := metafake.New(t, append([]metafake.Option{metafake.WithClock(clk.Now)}, opts...)...)
	c := meta.New(fake.Endpoints())
	c.Now = clk.Now
	return bundle{fake: fake, client: c, clock: clk, ctx: context.Background(),
		tok: platforms.Token{AccessToken: fake.IssueToken(metafake.LongLivedTTL), ExpiresAt: clk.Now().Add(metafake.LongLivedTTL)}}
}

func apiErr(t *testing.T, err error) *platforms.APIError {
	t.Helper()
	var ae *platforms.APIError
	require.ErrorAs(t, err, &ae)
	return ae
}

func TestAccountsPagesAndMapsStatus(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 520 { // more than one page of 500
		cur, tz, st := "USD", "America/New_York", 1
		if i%2 == 1 {
			cur, tz = "JPY", "Asia/Tokyo"
		}
		if i == 7 {
			st = 2
		}
		b.fake.AddAccount(metafake.Account{Name: fmt.Sprintf("A%d", i), Currency: cur, TimeZone: tz, Status: st})
	}
	accts, err := b.client.Accounts(b.ctx, b.tok)
	require.NoError(t, err)
	require.Len(t, accts, 520)
	require.True(t, strings.HasPrefix(accts[0].ExternalID, "act_"))
	require.Equal(t, platforms.Account{ExternalID: accts[1].ExternalID, Name: "A1", Currency: "JPY", TimeZone: "Asia/Tokyo", Status: "ACTIVE"}, accts[1])
	require.Equal(t, "DISABLED", accts[7].Status)
	require.Equal(t, "A519", accts[519].Name)
	require.Empty(t, b.fake.Errors())
}

func TestStructurePagesInOrderWithExactMoney(t *testing.T) {
	t.Parallel()
	b := setup(t)
	usd := b.fake.AddAccount(metafake.Account{Name: "US", Currency: "USD", TimeZone: "America/Los_Angeles"})
	jpy := b.fake.AddAccount(metafake.Account{Name: "JP", Currency: "JPY", TimeZone: "Asia/Tokyo"})
	for i := range 505 {
		b.fake.AddCampaign(metafake.Campaign{AccountID: usd, Name: fmt.Sprintf("c%d", i), DailyBudget: 1234})
	}
	statuses := []string{"ACTIVE", "PAUSED", "DELETED", "ARCHIVED"}
	var jc []string
	for _, st := range statuses {
		jc = append(jc, b.fake.AddCampaign(metafake.Campaign{AccountID: jpy, Name: st, Status: st, DailyBudget: 5000}))
	}
	cbo := b.fake.AddCampaign(metafake.Campaign{AccountID: jpy, Name: "adset budgets"})
	set := b.fake.AddAdSet(metafake.AdSet{CampaignID: cbo, Name: "s", DailyBudget: 3000, BidAmount: 120})
	ad := b.fake.AddAd(metafake.Ad{AdSetID: set, Name: "ad", Status: "PAUSED"})

	var pages []platforms.StructurePage
	require.NoError(t, b.client.Structure(b.ctx, b.tok, platforms.Account{ExternalID: usd, Currency: "USD"}, func(p platforms.StructurePage) error {
		pages = append(pages, p)
		return nil
	}))
	require.Len(t, pages, 2, "505 campaigns are two pages; no ad sets or ads")
	require.Len(t, pages[0].Campaigns, 500)
	require.Equal(t, int64(12_340_000), pages[0].Campaigns[0].DailyBudgetMicros, "1234 cents = 12.34 USD")

	var got platforms.StructurePage
	var order []string
	require.NoError(t, b.client.Structure(b.ctx, b.tok, platforms.Account{ExternalID: jpy, Currency: "JPY"}, func(p platforms.StructurePage) error {
		switch {
		case len(p.Campaigns) > 0:
			order = append(order, "campaigns")
		case len(p.AdGroups) > 0:
			order = append(order, "adgroups")
		case len(p.Ads) > 0:
			order = append(order, "ads")
		}
		got.Campaigns = append(got.Campaigns, p.Campaigns...)
		got.AdGroups = append(got.AdGroups, p.AdGroups...)
		got.Ads = append(got.Ads, p.Ads...)
		return nil
	}))
	require.Equal(t, []string{"campaigns", "adgroups", "ads"}, order)
	want := []string{platforms.StatusActive, platforms.StatusPaused, platforms.StatusArchived, platforms.StatusArchived, platforms.StatusActive}
	for i, c := range got.Campaigns {
		require.Equal(t, want[i], c.Status, c.Name)
	}
	require.Equal(t, jc[0], got.Campaigns[0].ExternalID)
	require.Equal(t, int64(5_000_000_000), got.Campaigns[0].DailyBudgetMicros, "5000 JPY (offset 1) = 5e9 micros")
	require.Equal(t, "OUTCOME_SALES", got.Campaigns[0].Objective)
	require.Zero(t, got.Campaigns[4].DailyBudgetMicros, "budget on the ad set")
	require.Equal(t, []platforms.RemoteAdGroup{{ExternalID: set, CampaignExternalID: cbo, Name: "s", Status: platforms.StatusActive, DailyBudgetMicros: 3_000_000_000, BidMicros: 120_000_000}}, got.AdGroups)
	require.Equal(t, []platforms.RemoteAd{{ExternalID: ad, AdGroupExternalID: set, Name: "ad", Status: platforms.StatusPaused}}, got.Ads)

	stop := errors.New("stop")
	calls := 0
	err := b.client.Structure(b.ctx, b.tok, platforms.Account{ExternalID: usd, Currency: "USD"}, func(platforms.StructurePage) error { calls++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, calls, "an error from fn stops paging")
	require.Empty(t, b.fake.Errors())
}

// expected sums the fake's rows as the client should report them.
func expected(ids, days []string, currency string) (rows int, spend, value, imps, clicks int64, conv float64) {
	for _, id := range ids {
		for _, d := range days {
			r := metafake.Row(id, d)
			rows++
			spend += money.MinorToMicros(currency, r.SpendMinor)
			value += money.MinorToMicros(currency, r.PurchaseValueMinor)
			imps += r.Impressions
			clicks += r.Clicks
			conv += float64(r.Purchases)
		}
	}
	return
}

func TestInsightsDailyExactInUSDAndJPY(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.fake.Seed(2, 30, 40) // USD then JPY; 30×40 = 1,200 rows = 3 pages each
	days := b.fake.Days()
	for i, cur := range []string{"USD", "JPY"} {
		acct := platforms.Account{ExternalID: ids[i], Currency: cur, TimeZone: "x"}
		var got []platforms.Insight
		pages := 0
		require.NoError(t, b.client.Insights(b.ctx, b.tok, acct, days[0], days[len(days)-1], func(in []platforms.Insight) error {
			pages++
			got = append(got, in...)
			return nil
		}))
		require.Equal(t, 3, pages, cur)
		n, spend, value, imps, clicks, conv := expected(b.fake.CampaignIDs(ids[i]), days, cur)
		require.Len(t, got, n)
		var gs, gv, gi, gc int64
		var gconv float64
		seen := map[string]bool{}
		for _, in := range got {
			gs, gv, gi, gc, gconv = gs+in.SpendMicros, gv+in.ConversionValueMicros, gi+in.Impressions, gc+in.Clicks, gconv+in.Conversions
			k := in.CampaignExternalID + in.Day
			require.False(t, seen[k], "duplicate row %s", k)
			seen[k] = true
		}
		require.Equal(t, spend, gs, cur)
		require.Equal(t, value, gv, "conversion value is omni_purchase, not add_to_cart or a sum of purchase types (%s)", cur)
		require.Equal(t, imps, gi)
		require.Equal(t, clicks, gc)
		require.InDelta(t, conv, gconv, 0)
		r := metafake.Row(got[0].CampaignExternalID, got[0].Day)
		require.Equal(t, money.MinorToMicros(cur, r.SpendMinor), got[0].SpendMicros)
	}

	// A sub-range returns only its days.
	var got []platforms.Insight
	require.NoError(t, b.client.Insights(b.ctx, b.tok, platforms.Account{ExternalID: ids[0], Currency: "USD"}, days[5], days[6], func(in []platforms.Insight) error {
		got = append(got, in...)
		return nil
	}))
	require.Len(t, got, 60)
	for _, in := range got {
		require.Contains(t, []string{days[5], days[6]}, in.Day)
	}

	calls := b.fake.Calls()
	err := b.client.Insights(b.ctx, b.tok, platforms.Account{ExternalID: ids[0], Currency: "USD"}, "2026-11-30", "2026-11-01", func([]platforms.Insight) error { return nil })
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind)
	require.Equal(t, calls, b.fake.Calls(), "a bad range is refused before any call")
	require.Empty(t, b.fake.Errors())
}

func TestMutationsAndReadBack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	usd := b.fake.AddAccount(metafake.Account{Currency: "USD", TimeZone: "UTC"})
	jpy := b.fake.AddAccount(metafake.Account{Currency: "JPY", TimeZone: "Asia/Tokyo"})
	cu := b.fake.AddCampaign(metafake.Campaign{AccountID: usd, DailyBudget: 5000})
	s1 := b.fake.AddAdSet(metafake.AdSet{CampaignID: cu, BidAmount: 100})
	s2 := b.fake.AddAdSet(metafake.AdSet{CampaignID: cu, BidAmount: 200})
	cj := b.fake.AddCampaign(metafake.Campaign{AccountID: jpy, DailyBudget: 10000})
	b.fake.AddAdSet(metafake.AdSet{CampaignID: cj, BidAmount: 300})
	ua := platforms.Account{ExternalID: usd, Currency: "USD"}
	ja := platforms.Account{ExternalID: jpy, Currency: "JPY"}
	rc := platforms.RemoteCampaign{ExternalID: cu}

	st, err := b.client.Campaign(b.ctx, b.tok, ua, rc)
	require.NoError(t, err)
	require.Equal(t, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 50_000_000, BidMicros: 0}, st, "ad sets with different bids share none")

	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutatePause, Campaign: rc}))
	st, err = b.client.Campaign(b.ctx, b.tok, ua, rc)
	require.NoError(t, err)
	require.Equal(t, platforms.StatusPaused, st.Status)
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateResume, Campaign: rc}))

	// 12.345 USD rounds half away from zero to 1235 cents.
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rc, BudgetMicros: 12_345_000}))
	c, _ := b.fake.Campaign(cu)
	require.Equal(t, int64(1235), c.DailyBudget)
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: rc, BidMicros: 2_500_000}))
	for _, id := range []string{s1, s2} {
		a, _ := b.fake.AdSet(id)
		require.Equal(t, int64(250), a.BidAmount, "every ad set of the campaign gets the bid")
	}
	st, err = b.client.Campaign(b.ctx, b.tok, ua, rc)
	require.NoError(t, err)
	require.Equal(t, platforms.CampaignState{Status: platforms.StatusActive, DailyBudgetMicros: 12_350_000, BidMicros: 2_500_000}, st)

	// JPY: 8000 yen = 8e9 micros → daily_budget=8000 (offset 1).
	rj := platforms.RemoteCampaign{ExternalID: cj}
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ja, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rj, BudgetMicros: 8_000_000_000}))
	require.NoError(t, b.client.Mutate(b.ctx, b.tok, ja, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rj, BudgetMicros: 8_000_000_000}))
	c, _ = b.fake.Campaign(cj)
	require.Equal(t, int64(8000), c.DailyBudget, "applying the same update twice leaves the same state")

	muts := b.fake.Mutations()
	require.Len(t, muts, 7)
	require.Equal(t, metafake.Mutation{Object: cu, Kind: "campaign", Params: map[string]string{"status": "PAUSED"}}, muts[0])
	require.Equal(t, metafake.Mutation{Object: cu, Kind: "campaign", Params: map[string]string{"daily_budget": "1235"}}, muts[2])
	require.Equal(t, metafake.Mutation{Object: s1, Kind: "adset", Params: map[string]string{"bid_amount": "250"}}, muts[3])
	require.Equal(t, metafake.Mutation{Object: cj, Kind: "campaign", Params: map[string]string{"daily_budget": "8000"}}, muts[6])

	n := len(b.fake.Mutations())
	err = b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: rc, BudgetMicros: 4_000})
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind, "0.004 USD is no whole cent")
	err = b.client.Mutate(b.ctx, b.tok, ua, platforms.Mutation{Kind: "delete", Campaign: rc})
	require.Equal(t, platforms.ErrorPermanent, apiErr(t, err).Kind)
	require.Len(t, b.fake.Mutations(), n, "refused mutations send nothing")
	require.Empty(t, b.fake.Errors())
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.fake.Seed(1, 3, 2)
	acct := platforms.Account{ExternalID: ids[0], Currency: "USD"}
	days := b.fake.Days()
	insights := func(tok platforms.Token) error {
		return b.client.Insights(b.ctx, tok, acct, days[0], days[1], func([]platforms.Insight) error { return nil })
	}

	b.fake.SetRetryMinutes(7)
	b.fake.RateLimitNext(1)
	err := insights(b.tok)
	ae := apiErr(t, err)
	require.Equal(t, platforms.ErrorRateLimited, ae.Kind)
	require.Equal(t, "80000/2446079", ae.Code)
	require.Equal(t, 7*time.Minute, ae.RetryAfter, "estimated_time_to_regain_access is in minutes")
	require.ErrorIs(t, err, platforms.ErrUnavailable)
	require.NoError(t, insights(b.tok), "positive control: the next call succeeds")

	b.fake.RateLimitNext(1)
	_, err = b.client.Accounts(b.ctx, b.tok)
	require.Equal(t, platforms.ErrorRateLimited, apiErr(t, err).Kind)

	b.fake.FailNext(1, http.StatusInternalServerError)
	err = insights(b.tok)
	ae = apiErr(t, err)
	require.Equal(t, platforms.ErrorTransient, ae.Kind)
	require.Equal(t, http.StatusInternalServerError, ae.HTTPStatus)
	require.Equal(t, "2", ae.Code)

	_, err = b.client.Campaign(b.ctx, b.tok, acct, platforms.RemoteCampaign{ExternalID: "999"})
	ae = apiErr(t, err)
	require.Equal(t, platforms.ErrorPermanent, ae.Kind)
	require.Equal(t, "100/33", ae.Code)
	require.Contains(t, ae.Message, "does not exist")

	expiring := platforms.Token{AccessToken: b.fake.IssueToken(time.Hour)}
	require.NoError(t, insights(expiring))
	b.clock.Add(2 * time.Hour)
	ae = apiErr(t, insights(expiring))
	require.Equal(t, platforms.ErrorAuth, ae.Kind)
	require.Equal(t, "190/463", ae.Code)

	require.NoError(t, insights(b.tok))
	b.fake.Revoke(b.tok.AccessToken)
	ae = apiErr(t, insights(b.tok))
	require.Equal(t, platforms.ErrorAuth, ae.Kind)
	require.Equal(t, "190/458", ae.Code)
	require.NotErrorIs(t, ae, platforms.ErrUnavailable)
	require.NotContains(t, ae.Error(), b.tok.AccessToken)
	require.Empty(t, b.fake.Errors())
}

func TestOAuthRoundTripAndRefresh(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Seed(1, 1, 1)
	redirect := "https://app.example.com/oauth/meta/callback"
	require.False(t, b.client.SupportsPKCE())
	au := b.client.AuthorizeURL(platforms.AuthorizeRequest{State: "st-123", RedirectURI: redirect})
	require.True(t, strings.HasPrefix(au, b.fake.OAuthBase()+"/"+meta.Version+"/dialog/oauth?"), au)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(au)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "st-123", loc.Query().Get("state"))
	code := loc.Query().Get("code")

	tok, err := b.client.Exchange(b.ctx, code, redirect, "")
	require.NoError(t, err)
	require.Equal(t, b.clock.Now().Add(metafake.LongLivedTTL), tok.ExpiresAt, "the long-lived token's ~60 days")
	require.Equal(t, "10001", tok.Subject)
	require.ElementsMatch(t, []string{"ads_read", "ads_management", "public_profile"}, tok.Scopes)
	require.NotContains(t, fmt.Sprint(tok), tok.AccessToken)
	_, err = b.client.Accounts(b.ctx, tok)
	require.NoError(t, err)

	_, err = b.client.Exchange(b.ctx, code, redirect, "")
	ae := apiErr(t, err)
	require.Equal(t, "100/36009", ae.Code, "a code is single-use")

	b.clock.Add(24 * time.Hour)
	nt, err := b.client.Refresh(b.ctx, tok)
	require.NoError(t, err)
	require.NotEqual(t, tok.AccessToken, nt.AccessToken, "refresh rotates the token")
	require.Equal(t, b.clock.Now().Add(metafake.LongLivedTTL), nt.ExpiresAt)
	require.Equal(t, "10001", nt.Subject)
	_, err = b.client.Accounts(b.ctx, nt)
	require.NoError(t, err)

	b.clock.Add(metafake.LongLivedTTL + time.Second)
	calls := b.fake.Calls()
	_, err = b.client.Refresh(b.ctx, nt)
	require.Equal(t, platforms.ErrorAuth, apiErr(t, err).Kind, "an expired token cannot be exchanged")
	require.Equal(t, calls, b.fake.Calls())

	live := platforms.Token{AccessToken: b.fake.IssueToken(time.Hour)}
	b.fake.Revoke(live.AccessToken)
	_, err = b.client.Refresh(b.ctx, live)
	require.Equal(t, platforms.ErrorAuth, apiErr(t, err).Kind, "a revoked token cannot be exchanged")
	require.Empty(t, b.fake.Errors())
}

func TestNotConfiguredAndSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	c := meta.New(platforms.Endpoints{APIBase: "http://127.0.0.1:1"})
	require.False(t, c.Configured())
	_, err := c.Exchange(context.Background(), "code", "https://x/cb", "")
	require.Equal(t, "not_configured", apiErr(t, err).Code)

	// A transport error on the token endpoint names neither secret nor code.
	c = meta.New(platforms.Endpoints{APIBase: "http://127.0.0.1:1", ClientID: "id", ClientSecret: "s3cr3t-value"})
	_, err = c.Exchange(context.Background(), "the-auth-code", "https://x/cb", "")
	require.Error(t, err)
	require.Equal(t, platforms.ErrorTransient, platforms.ErrorKindOf(err))
	require.NotContains(t, err.Error(), "s3cr3t-value")
	require.NotContains(t, err.Error(), "the-auth-code")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Accounts(ctx, platforms.Token{AccessToken: "tok-secret"})
	require.ErrorIs(t, err, context.Canceled)
	require.NotContains(t, err.Error(), "tok-secret")
}

func TestInsightsStopsOnCallbackErrorAndMidListingRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.fake.Seed(1, 50, 40) // 2,000 rows = 4 pages
	days := b.fake.Days()
	acct := platforms.Account{ExternalID: ids[0], Currency: "USD"}

	stop := errors.New("stop")
	calls := b.fake.Calls()
	pages := 0
	err := b.client.Insights(b.ctx, b.tok, acct, days[0], days[39], func([]platforms.Insight) error { pages++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, pages)
	require.LessOrEqual(t, b.fake.Calls()-calls, 3, "the prefetcher runs at most a page or two ahead and stops")

	pages = 0
	err = b.client.Insights(b.ctx, b.tok, acct, days[0], days[39], func([]platforms.Insight) error {
		pages++
		if pages == 1 {
			b.fake.RateLimitNext(10)
		}
		return nil
	})
	require.Equal(t, platforms.ErrorRateLimited, apiErr(t, err).Kind)
	require.Less(t, pages, 4, "the listing ends at the rate limit")
	require.Empty(t, b.fake.Errors())
}

// TestConcurrentUse runs syncs and mutations at once against one client
// and one fake (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ids := b.fake.Seed(2, 20, 10)
	days := b.fake.Days()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i, id := range ids {
		acct := platforms.Account{ExternalID: id, Currency: []string{"USD", "JPY"}[i]}
		camps := b.fake.CampaignIDs(id)
		wg.Add(3)
		go func() {
			defer wg.Done()
			errs <- b.client.Insights(b.ctx, b.tok, acct, days[0], days[9], func([]platforms.Insight) error { return nil })
		}()
		go func() {
			defer wg.Done()
			errs <- b.client.Structure(b.ctx, b.tok, acct, func(platforms.StructurePage) error { return nil })
		}()
		go func() {
			defer wg.Done()
			for _, c := range camps[:5] {
				if err := b.client.Mutate(b.ctx, b.tok, acct, platforms.Mutation{Kind: platforms.MutatePause, Campaign: platforms.RemoteCampaign{ExternalID: c}}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, b.fake.Mutations(), 10)
	require.Empty(t, b.fake.Errors())
}
