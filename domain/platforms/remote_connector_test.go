package platforms_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads"
	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
	"github.com/stratumhq/stratum/domain/platforms/snapchat"
	"github.com/stratumhq/stratum/domain/platforms/snapchat/snapchatfake"
	"github.com/stratumhq/stratum/domain/platforms/tiktok"
	"github.com/stratumhq/stratum/domain/platforms/tiktok/tiktokfake"
	"github.com/stratumhq/stratum/internal/clock"
)

// stubTokens hands out one grant the fake platform accepts (the
// connections' TokenSource is tested with them).
type stubTokens struct{ tok platforms.Token }

func (s stubTokens) Token(_ context.Context, c *platforms.Connection) (platforms.Token, error) {
	if c == nil || c.ID == uuid.Nil {
		return platforms.Token{}, errors.New("no connection")
	}
	return s.tok, nil
}

// gate is an HTTP transport in front of a fake: hold, when set, stops the
// first request it matches until release is closed (entered is closed when
// it arrives); fail answers matching requests with a network error.
type gate struct {
	mu      sync.Mutex
	hold    func(*http.Request) bool
	entered chan struct{}
	release chan struct{}
	fail    func(*http.Request) bool
}

func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	g.mu.Lock()
	hold, fail := g.hold != nil && g.hold(req), g.fail != nil && g.fail(req)
	if hold {
		g.hold = nil
	}
	g.mu.Unlock()
	if hold {
		close(g.entered)
		<-g.release
	}
	if fail {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (g *gate) set(hold, fail func(*http.Request) bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hold, g.fail = hold, fail
	if hold != nil {
		g.entered, g.release = make(chan struct{}), make(chan struct{})
	}
}

// remote is a tenant with one connection, ad account and campaign of a
// real platform, stored as the sync would store them.
type remote struct {
	ps       *platforms.Service
	tenant   uuid.UUID
	campaign platforms.Campaign
	conn     platforms.Connector
}

func setupRemote(t *testing.T, platform string, api platforms.API, tok platforms.Token, acct platforms.Account, c platforms.Campaign) *remote {
	t.Helper()
	ps, _, tenant := setup(t, false)
	ps.APIs = map[string]platforms.API{platform: api}
	ps.Tokens = stubTokens{tok}
	ps.RegisterRemoteConnectors()
	ctx := context.Background()
	conn := platforms.Connection{TenantID: tenant, ID: uuid.New(), Platform: platform, Status: platforms.ConnectionOK,
		ExternalUserID: "user-1", TokenSealed: []byte("sealed elsewhere"), Scopes: []string{}}
	aa := platforms.AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: conn.ID, Platform: platform, ExternalID: acct.ExternalID,
		Name: acct.Name, Currency: acct.Currency, TimeZone: acct.TimeZone, ParentID: acct.ParentID, Selected: true}
	c.TenantID, c.ID, c.Platform, c.AccountID, c.AdAccountID, c.Currency = tenant, uuid.New(), platform, acct.ExternalID, &aa.ID, acct.Currency
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{&conn, &aa, &c} {
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	connector, err := ps.Connector(platform)
	require.NoError(t, err)
	return &remote{ps: ps, tenant: tenant, campaign: c, conn: connector}
}

func (r *remote) stored(t *testing.T) platforms.Campaign {
	t.Helper()
	cs, err := r.ps.Campaigns(context.Background(), r.tenant, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{r.campaign.ID}})
	require.NoError(t, err)
	require.Len(t, cs, 1)
	return cs[0]
}

// reservation is the key's row: its state, or "" when there is none.
func (r *remote) reservation(t *testing.T, key string) string {
	t.Helper()
	var states []string
	require.NoError(t, r.ps.DB.InTenant(context.Background(), r.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT state FROM platform_applied_changes WHERE idempotency_key = ?", key).Scan(ctx, &states)
	}))
	if len(states) == 0 {
		return ""
	}
	return states[0]
}

// metaFixture is a Meta account with one active campaign (budget 50.00 USD)
// and one ad set bidding 1.50 USD, reached through g.
func metaFixture(t *testing.T) (*remote, *metafake.Server, string, *gate) {
	f := metafake.New(t)
	act := f.AddAccount(metafake.Account{Name: "Shop", Currency: "USD", TimeZone: "America/New_York"})
	cid := f.AddCampaign(metafake.Campaign{AccountID: act, Name: "Prospecting", DailyBudget: 5000})
	f.AddAdSet(metafake.AdSet{CampaignID: cid, Name: "Broad", BidAmount: 150})
	g := &gate{}
	ep := f.Endpoints()
	ep.HTTP = &http.Client{Transport: g}
	bid := int64(1_500_000)
	r := setupRemote(t, platforms.Meta, meta.New(ep), platforms.Token{AccessToken: f.IssueToken(metafake.LongLivedTTL)},
		platforms.Account{ExternalID: act, Name: "Shop", Currency: "USD", TimeZone: "America/New_York"},
		platforms.Campaign{ExternalID: cid, Name: "Prospecting", Status: platforms.CampaignActive, DailyBudgetMicros: 50_000_000, BidMicros: &bid})
	return r, f, cid, g
}

func googleFixture(t *testing.T, status string) (*remote, *googleadsfake.Server) {
	f := googleadsfake.New(t)
	f.AddCustomer(googleadsfake.Customer{ID: "1111111111", Name: "US shop", Currency: "USD", TimeZone: "America/New_York"})
	f.AddCampaign(googleadsfake.Campaign{CustomerID: "1111111111", ID: "101", Name: "Search", Status: status, Channel: "SEARCH", BudgetMicros: 25_000_000})
	f.AddAdGroup(googleadsfake.AdGroup{CustomerID: "1111111111", ID: "1011", CampaignID: "101", Name: "g1", Status: "ENABLED", CpcBidMicros: 1_500_000})
	api := googleads.New(platforms.Endpoints{APIBase: f.APIBase(), OAuthBase: f.OAuthBase(),
		ClientID: googleadsfake.ClientID, ClientSecret: googleadsfake.ClientSecret, DeveloperToken: googleadsfake.DeveloperToken})
	r := setupRemote(t, platforms.Google, api, f.Grant("1111111111"),
		platforms.Account{ExternalID: "1111111111", Name: "US shop", Currency: "USD", TimeZone: "America/New_York"},
		platforms.Campaign{ExternalID: "101", Name: "Search", Status: platforms.CampaignActive, DailyBudgetMicros: 25_000_000, BudgetID: "1010"})
	return r, f
}

func pause() *string { s := platforms.CampaignPaused; return &s }

func TestRemotePauseIsAppliedOnceAndReplayed(t *testing.T) {
	t.Parallel()
	r, f, cid, _ := metaFixture(t)
	ctx := context.Background()
	ch := platforms.Change{IdempotencyKey: "action-1", CampaignID: r.campaign.ID, Status: pause()}

	res, err := r.conn.Apply(ctx, r.tenant, ch)
	require.NoError(t, err)
	require.False(t, res.Replayed)
	require.Equal(t, platforms.CampaignActive, res.Before.Status)
	require.Equal(t, 50.0, res.Before.DailyBudget)
	require.Equal(t, platforms.CampaignPaused, res.After.Status)
	require.Equal(t, []metafake.Mutation{{Object: cid, Kind: "campaign", Params: map[string]string{"status": "PAUSED"}}}, f.Mutations())
	got, _ := f.Campaign(cid)
	require.Equal(t, "PAUSED", got.Status)
	require.Equal(t, platforms.CampaignPaused, r.stored(t).Status, "the stored campaign has the verified status")
	require.Equal(t, "APPLIED", r.reservation(t, "action-1"))

	again, err := r.conn.Apply(ctx, r.tenant, ch)
	require.NoError(t, err)
	require.True(t, again.Replayed)
	require.Equal(t, res.Before, again.Before)
	require.Equal(t, res.After, again.After)
	require.Len(t, f.Mutations(), 1, "a retried key is not sent again")

	// Positive control: another key with a change is sent.
	budget := 62.5
	res, err = r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "action-2", CampaignID: r.campaign.ID, DailyBudget: &budget})
	require.NoError(t, err)
	require.Equal(t, 62.5, res.After.DailyBudget)
	require.Equal(t, map[string]string{"daily_budget": "6250"}, f.Mutations()[1].Params, "Meta takes the minor unit")
	require.Equal(t, int64(62_500_000), r.stored(t).DailyBudgetMicros)
	require.Empty(t, f.Errors())
}

// Two calls with one key at once: the second waits for the first (which is
// held inside its first platform call) and replays its result; the
// platform sees one mutation.
func TestRemoteApplyWithOneKeyConcurrentlyAppliesOnce(t *testing.T) {
	t.Parallel()
	r, f, _, g := metaFixture(t)
	ctx := context.Background()
	var once sync.Once
	waiting := make(chan struct{})
	platforms.SetRemoteHooks(r.conn, func() { once.Do(func() { close(waiting) }) }, nil)
	g.set(func(*http.Request) bool { return true }, nil)
	ch := platforms.Change{IdempotencyKey: "together", CampaignID: r.campaign.ID, Status: pause()}
	type answer struct {
		res platforms.Result
		err error
	}
	answers := make(chan answer, 2)
	call := func() {
		res, err := r.conn.Apply(ctx, r.tenant, ch)
		answers <- answer{res, err}
	}
	go call()
	<-g.entered // the first holds the key, inside its read of the campaign
	go call()
	<-waiting // the second found the key held and waits
	close(g.release)
	replayed := 0
	for range 2 {
		a := <-answers
		require.NoError(t, a.err)
		require.Equal(t, platforms.CampaignActive, a.res.Before.Status)
		require.Equal(t, platforms.CampaignPaused, a.res.After.Status)
		if a.res.Replayed {
			replayed++
		}
	}
	require.Equal(t, 1, replayed)
	require.Len(t, f.Mutations(), 1)
}

// A process killed between the mutation and the record leaves the key
// APPLYING with its lease; once the lease has run out the retry reads the
// campaign back, finds the change there and records it without a second
// mutation, with the settings from before the first attempt.
func TestRemoteCrashAfterMutateIsRecoveredWithoutASecondMutation(t *testing.T) {
	t.Parallel()
	r, f, _, _ := metaFixture(t)
	clk := clock.NewManual(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	r.ps.DB.Clock = clk
	ctx := context.Background()
	crash := true
	platforms.SetRemoteHooks(r.conn, nil, func() bool { return crash })
	ch := platforms.Change{IdempotencyKey: "crash", CampaignID: r.campaign.ID, Status: pause()}
	_, err := r.conn.Apply(ctx, r.tenant, ch)
	require.Error(t, err)
	require.Len(t, f.Mutations(), 1, "the platform has the change")
	require.Equal(t, "APPLYING", r.reservation(t, "crash"))
	require.Equal(t, platforms.CampaignActive, r.stored(t).Status, "nothing recorded")
	crash = false

	// While the lease runs, a retry waits (here: gives up when it would).
	waitCtx, cancel := context.WithCancel(ctx)
	platforms.SetRemoteHooks(r.conn, cancel, nil)
	_, err = r.conn.Apply(waitCtx, r.tenant, ch)
	require.True(t, platforms.Transient(err), "%v", err)
	require.Len(t, f.Mutations(), 1)

	clk.Advance(3 * time.Minute)
	platforms.SetRemoteHooks(r.conn, func() { t.Error("waited for an expired lease") }, nil)
	res, err := r.conn.Apply(ctx, r.tenant, ch)
	require.NoError(t, err)
	require.False(t, res.Replayed)
	require.Equal(t, platforms.CampaignActive, res.Before.Status, "before is what the first attempt read")
	require.Equal(t, platforms.CampaignPaused, res.After.Status)
	require.Len(t, f.Mutations(), 1, "no second mutation")
	require.Equal(t, platforms.CampaignPaused, r.stored(t).Status)
	require.Equal(t, "APPLIED", r.reservation(t, "crash"))
}

// A network error on the read-back after the mutation is "try later": the
// reservation is released, not deleted, and the retry reads back and
// records without sending the mutation again.
func TestRemoteLostReadBackIsRetriedWithoutASecondMutation(t *testing.T) {
	t.Parallel()
	r, f, cid, g := metaFixture(t)
	ctx := context.Background()
	g.set(nil, func(req *http.Request) bool { return req.Method == http.MethodGet && len(f.Mutations()) == 1 })
	budget := 75.0
	ch := platforms.Change{IdempotencyKey: "lost", CampaignID: r.campaign.ID, DailyBudget: &budget}
	_, err := r.conn.Apply(ctx, r.tenant, ch)
	require.True(t, platforms.Transient(err), "%v", err)
	require.ErrorIs(t, err, platforms.ErrUnavailable)
	require.Equal(t, "APPLYING", r.reservation(t, "lost"))
	got, _ := f.Campaign(cid)
	require.Equal(t, int64(7500), got.DailyBudget)

	g.set(nil, nil)
	res, err := r.conn.Apply(ctx, r.tenant, ch)
	require.NoError(t, err)
	require.Equal(t, 50.0, res.Before.DailyBudget)
	require.Equal(t, 75.0, res.After.DailyBudget)
	require.Len(t, f.Mutations(), 1)
	require.Equal(t, int64(75_000_000), r.stored(t).DailyBudgetMicros)
}

func TestRemoteRateLimitIsTransient(t *testing.T) {
	t.Parallel()
	r, f, _, _ := metaFixture(t)
	ctx := context.Background()
	f.RateLimitNext(1)
	ch := platforms.Change{IdempotencyKey: "limited", CampaignID: r.campaign.ID, Status: pause()}
	_, err := r.conn.Apply(ctx, r.tenant, ch)
	require.Error(t, err)
	require.True(t, platforms.Transient(err), "%v", err)
	require.Equal(t, platforms.ErrorRateLimited, platforms.ErrorKindOf(err))
	require.Empty(t, f.Mutations())
	require.Equal(t, platforms.CampaignActive, r.stored(t).Status)

	res, err := r.conn.Apply(ctx, r.tenant, ch)
	require.NoError(t, err, "the same key goes through later")
	require.False(t, res.Replayed)
	require.Len(t, f.Mutations(), 1)
}

// Google Ads refuses to pause a removed campaign: the error is Google's
// words, nothing is stored, and the key is not kept (a retry asks Google
// again instead of replaying).
func TestRemoteRefusalCarriesThePlatformsWords(t *testing.T) {
	t.Parallel()
	r, f := googleFixture(t, "REMOVED")
	ctx := context.Background()
	ch := platforms.Change{IdempotencyKey: "refused", CampaignID: r.campaign.ID, Status: pause()}
	for range 2 {
		_, err := r.conn.Apply(ctx, r.tenant, ch)
		require.Error(t, err)
		require.False(t, platforms.Transient(err))
		require.Equal(t, "This operation is not allowed because the resource is removed.", err.Error())
		require.Equal(t, platforms.ErrorPermanent, platforms.ErrorKindOf(err))
		require.Empty(t, r.reservation(t, "refused"))
		require.Equal(t, platforms.CampaignActive, r.stored(t).Status)
	}
	require.Empty(t, f.Mutations())
}

func TestRemoteGoogleBudgetAndBid(t *testing.T) {
	t.Parallel()
	r, f := googleFixture(t, "ENABLED")
	ctx := context.Background()
	budget, bid := 40.004, 2.25
	res, err := r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "b", CampaignID: r.campaign.ID, DailyBudget: &budget, Bid: &bid})
	require.NoError(t, err)
	require.Equal(t, 25.0, res.Before.DailyBudget)
	require.Equal(t, 40.0, res.After.DailyBudget, "rounded to the cent, as Google takes it")
	require.Equal(t, 2.25, *res.After.Bid)
	require.Equal(t, []googleadsfake.Mutation{
		{CustomerID: "1111111111", Resource: "customers/1111111111/campaignBudgets/1010", Field: "amountMicros", Value: "40000000"},
		{CustomerID: "1111111111", Resource: "customers/1111111111/adGroups/1011", Field: "cpcBidMicros", Value: "2250000"},
	}, f.Mutations())
	st := r.stored(t)
	require.Equal(t, int64(40_000_000), st.DailyBudgetMicros)
	require.Equal(t, int64(2_250_000), *st.BidMicros)

	// The platform already at the target: nothing is sent, before = after.
	res, err = r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "b2", CampaignID: r.campaign.ID, DailyBudget: &budget})
	require.NoError(t, err)
	require.Equal(t, res.Before, res.After)
	require.Len(t, f.Mutations(), 2)
	require.Empty(t, f.Errors())
}

func TestRemoteConnectorWithoutCredentialsRefuses(t *testing.T) {
	t.Parallel()
	r, _, _, _ := metaFixture(t)
	r.ps.APIs[platforms.Meta] = meta.New(platforms.Endpoints{})
	_, err := r.conn.Apply(context.Background(), r.tenant, platforms.Change{IdempotencyKey: "x", CampaignID: r.campaign.ID, Status: pause()})
	require.EqualError(t, err, "Meta is not configured on this Stratum installation (no app credentials)")
	require.False(t, platforms.Transient(err))
	require.Empty(t, r.reservation(t, "x"))
}

// The same connector drives TikTok and Snapchat: a pause and a budget,
// each sent once and read back, a repeat replayed.
func TestRemoteTikTokAndSnapchat(t *testing.T) {
	t.Parallel()
	acct := platforms.Account{Name: "Shop", Currency: "USD", TimeZone: "America/Los_Angeles"}
	// Each setup returns the remote and the number of mutations its fake applied.
	cases := []struct {
		name  string
		setup func(t *testing.T) (*remote, func() int)
	}{
		{platforms.TikTok, func(t *testing.T) (*remote, func() int) {
			f := tiktokfake.New(t)
			f.AddAdvertiser(tiktokfake.Advertiser{ID: "7000000000000000001", Name: "Shop", Currency: "USD", TimeZone: "America/Los_Angeles"})
			f.AddCampaign(tiktokfake.Campaign{ID: "1800000000000000001", AdvertiserID: "7000000000000000001", Name: "Spark", Objective: "CONVERSIONS",
				BudgetMode: "BUDGET_MODE_DAY", Budget: "50.00", Enabled: true})
			f.AddAdGroup(tiktokfake.AdGroup{ID: "1810000000000000001", CampaignID: "1800000000000000001", Name: "g", BudgetMode: "BUDGET_MODE_INFINITE",
				BidType: "BID_TYPE_CUSTOM", BidPrice: "1.50", Enabled: true})
			a := acct
			a.ExternalID = "7000000000000000001"
			return setupRemote(t, platforms.TikTok, tiktok.New(f.Endpoints()), platforms.Token{AccessToken: f.IssueToken("7000000000000000001")}, a,
					platforms.Campaign{ExternalID: "1800000000000000001", Name: "Spark", Status: platforms.CampaignActive, DailyBudgetMicros: 50_000_000}),
				func() int { require.Empty(t, f.Errors()); return len(f.Mutations()) }
		}},
		{platforms.Snapchat, func(t *testing.T) (*remote, func() int) {
			f := snapchatfake.New(t)
			sa := f.AddAccount(snapchatfake.Account{Name: "Shop", Currency: "USD", TimeZone: "America/Los_Angeles"})
			budget := int64(50_000_000)
			cid, _ := f.AddCampaign(sa.ID, snapchatfake.Campaign{Name: "Stories", DailyBudgetMicro: &budget}, 1_500_000, 0)
			access, refresh := f.IssueToken()
			a := acct
			a.ExternalID, a.ParentID = sa.ID, sa.OrganizationID
			api := snapchat.New(platforms.Endpoints{APIBase: f.APIBase(), OAuthBase: f.OAuthBase(),
				ClientID: snapchatfake.ClientID, ClientSecret: snapchatfake.ClientSecret, HTTP: f.Client()})
			return setupRemote(t, platforms.Snapchat, api, platforms.Token{AccessToken: access, RefreshToken: refresh}, a,
					platforms.Campaign{ExternalID: cid, Name: "Stories", Status: platforms.CampaignActive, DailyBudgetMicros: 50_000_000}),
				func() int { require.Empty(t, f.Errors()); return len(f.Mutations()) }
		}},
	}
	for _, p := range cases {
		t.Run(p.name, func(t *testing.T) {
			r, mutations := p.setup(t)
			ctx := context.Background()
			res, err := r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "p", CampaignID: r.campaign.ID, Status: pause()})
			require.NoError(t, err)
			require.Equal(t, platforms.CampaignActive, res.Before.Status)
			require.Equal(t, platforms.CampaignPaused, res.After.Status)
			require.Equal(t, 1, mutations())
			budget := 80.0
			res, err = r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "b", CampaignID: r.campaign.ID, DailyBudget: &budget})
			require.NoError(t, err)
			require.Equal(t, 50.0, res.Before.DailyBudget)
			require.Equal(t, 80.0, res.After.DailyBudget)
			require.Equal(t, 2, mutations())
			again, err := r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "b", CampaignID: r.campaign.ID, DailyBudget: &budget})
			require.NoError(t, err)
			require.True(t, again.Replayed)
			require.Equal(t, 2, mutations())
			st := r.stored(t)
			require.Equal(t, platforms.CampaignPaused, st.Status)
			require.Equal(t, int64(80_000_000), st.DailyBudgetMicros)
		})
	}
}

// Campaigns, Metrics and Status answer from the stored tables, for the
// connector's platform only.
func TestRemoteConnectorReadsTheStoredTables(t *testing.T) {
	t.Parallel()
	r, _, _, _ := metaFixture(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	require.NoError(t, r.ps.DB.InTenant(ctx, r.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&platforms.DailyMetrics{TenantID: r.tenant, CampaignID: r.campaign.ID, Day: day, SpendMicros: 12_340_000, Clicks: 7}).Exec(ctx)
		return err
	}))
	cs, err := r.conn.Campaigns(ctx, r.tenant)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, r.campaign.ID, cs[0].ID)
	ms, err := r.conn.Metrics(ctx, r.tenant, day.AddDate(0, 0, -1), day)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, int64(12_340_000), ms[0].SpendMicros)
	ms, err = r.conn.Metrics(ctx, r.tenant, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Empty(t, ms)
	st, err := r.conn.Status(ctx, r.tenant)
	require.NoError(t, err)
	require.Equal(t, platforms.Operational, st.Status)
	require.Equal(t, platforms.Meta, st.Platform)

	google, err := r.ps.Connector(platforms.Google)
	require.NoError(t, err)
	cs, err = google.Campaigns(ctx, r.tenant)
	require.NoError(t, err)
	require.Empty(t, cs, "another platform's connector sees none of Meta's")
}

// A token source failing for its own reasons (not the platform's answer)
// fails the change with a message naming the connection, not the detail.
func TestRemoteTokenSourceFailure(t *testing.T) {
	t.Parallel()
	r, f, _, _ := metaFixture(t)
	r.ps.Tokens = failingTokens{}
	_, err := r.conn.Apply(context.Background(), r.tenant, platforms.Change{IdempotencyKey: "t", CampaignID: r.campaign.ID, Status: pause()})
	require.EqualError(t, err, "the Meta connection's grant could not be opened")
	require.False(t, platforms.Transient(err))
	require.Empty(t, r.reservation(t, "t"))
	require.Empty(t, f.Mutations())
}

type failingTokens struct{}

func (failingTokens) Token(context.Context, *platforms.Connection) (platforms.Token, error) {
	return platforms.Token{}, errors.New("cipher: message authentication failed")
}

// Meta refusing the grant during a change (a revoked token) fails the
// change with Meta's words and hands the connection to the connections
// service (NEEDS_REAUTH and its incident); a refusal of another kind does
// not (the control).
func TestRemoteRevokedGrantMarksTheConnection(t *testing.T) {
	t.Parallel()
	r, f, _, _ := metaFixture(t)
	marker := &reauthMarker{stubTokens: r.ps.Tokens.(stubTokens)}
	r.ps.Tokens = marker
	ctx := context.Background()

	budget := -1.0 // refused by Meta as an invalid parameter, not an auth error
	_, err := r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "bad-budget", CampaignID: r.campaign.ID, DailyBudget: &budget})
	require.Error(t, err)
	require.NotEqual(t, platforms.ErrorAuth, platforms.ErrorKindOf(err))
	require.Empty(t, marker.marked, "only a refused grant marks the connection")

	f.Revoke(marker.tok.AccessToken)
	_, err = r.conn.Apply(ctx, r.tenant, platforms.Change{IdempotencyKey: "revoked", CampaignID: r.campaign.ID, Status: pause()})
	require.Error(t, err)
	require.Equal(t, platforms.ErrorAuth, platforms.ErrorKindOf(err))
	require.Len(t, marker.marked, 1)
	require.Contains(t, marker.marked[0], r.connID(t).String()+": ")
	require.Empty(t, f.Mutations())
}

func (r *remote) connID(t *testing.T) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, r.ps.DB.InTenant(context.Background(), r.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT id FROM platform_connections").Scan(ctx, &id)
	}))
	return id
}
