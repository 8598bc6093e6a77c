package automation_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/googleads"
	"github.com/stratumhq/stratum/domain/platforms/googleads/googleadsfake"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
)

// grant is a TokenSource handing out one grant the fake platform accepts.
type grant platforms.Token

func (g grant) Token(context.Context, *platforms.Connection) (platforms.Token, error) {
	return platforms.Token(g), nil
}

// lostAnswer applies a change and then loses the platform's answer.
type lostAnswer struct{ platforms.Connector }

func (l lostAnswer) Apply(ctx context.Context, tenant uuid.UUID, ch platforms.Change) (platforms.Result, error) {
	if _, err := l.Connector.Apply(ctx, tenant, ch); err != nil {
		return platforms.Result{}, err
	}
	return platforms.Result{}, context.DeadlineExceeded
}

// remoteCampaign stores a connection, ad account and active campaign of
// platform for b's tenant, as a sync would, and registers the platform's
// connection-backed connector with api and tok.
func (b *bundle) remoteCampaign(t *testing.T, platform string, api platforms.API, tok platforms.Token, acct platforms.Account, c platforms.Campaign) *platforms.Campaign {
	t.Helper()
	b.ps.APIs = map[string]platforms.API{platform: api}
	b.ps.Tokens = grant(tok)
	b.ps.RegisterRemoteConnectors()
	conn := platforms.Connection{TenantID: b.tenant, ID: uuid.New(), Platform: platform, Status: platforms.ConnectionOK,
		ExternalUserID: "u1", TokenSealed: []byte("sealed"), Scopes: []string{}}
	aa := platforms.AdAccount{TenantID: b.tenant, ID: uuid.New(), ConnectionID: conn.ID, Platform: platform, ExternalID: acct.ExternalID,
		Name: acct.Name, Currency: acct.Currency, TimeZone: acct.TimeZone, Selected: true}
	c.TenantID, c.ID, c.Platform, c.AccountID, c.AdAccountID, c.Currency, c.Status = b.tenant, uuid.New(), platform, acct.ExternalID, &aa.ID, acct.Currency, platforms.CampaignActive
	require.NoError(t, b.tdb.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		for _, m := range []any{&conn, &aa, &c} {
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	return &c
}

// approvedPause queues a pause of c, approves it and returns it.
func (b *bundle) approvedPause(t *testing.T, c *platforms.Campaign) *automation.Action {
	t.Helper()
	ctx := context.Background()
	a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseUnderperforming, CampaignID: &c.ID}, "user:1")
	require.NoError(t, err)
	if a.Status == automation.Queued {
		a, err = b.auto.Approve(ctx, b.tenant, a.ID, "user:2")
		require.NoError(t, err)
	}
	require.Equal(t, automation.Approved, a.Status, "%v", a.Reasons)
	return a
}

// An approved pause reaches Meta exactly once, also when its job runs
// again, with before and after recorded on the action.
func TestApprovedPauseReachesMetaOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	f := metafake.New(t)
	act := f.AddAccount(metafake.Account{Name: "Shop", Currency: "EUR", TimeZone: "Europe/Berlin"})
	cid := f.AddCampaign(metafake.Campaign{AccountID: act, Name: "Prospecting EU", DailyBudget: 8000})
	c := b.remoteCampaign(t, platforms.Meta, meta.New(f.Endpoints()), platforms.Token{AccessToken: f.IssueToken(metafake.LongLivedTTL)},
		platforms.Account{ExternalID: act, Name: "Shop", Currency: "EUR", TimeZone: "Europe/Berlin"},
		platforms.Campaign{ExternalID: cid, Name: "Prospecting EU", DailyBudgetMicros: 80_000_000})

	// The first attempt's answer is lost after Meta applied the pause (the
	// worker died, or its deadline passed): the action stays in flight.
	remote := b.ps.Connectors[platforms.Meta]
	b.ps.Connectors[platforms.Meta] = lostAnswer{remote}
	a := b.approvedPause(t, c)
	_, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the job retries")
	require.Len(t, f.Mutations(), 1)

	b.ps.Connectors[platforms.Meta] = remote
	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status, "%v", a.Error)
	require.Equal(t, 1, a.Attempts)
	require.Equal(t, platforms.CampaignActive, a.Before["status"])
	require.Equal(t, platforms.CampaignPaused, a.After["status"])
	require.Equal(t, []metafake.Mutation{{Object: cid, Kind: "campaign", Params: map[string]string{"status": "PAUSED"}}}, f.Mutations(),
		"the retried job did not pause it again")

	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err, "the job runs once more")
	require.Equal(t, automation.Applied, a.Status)
	require.Len(t, f.Mutations(), 1)
	require.Empty(t, b.failureIncidents(t))
	require.Empty(t, f.Errors())
}

// Google refusing the pause fails the action with Google's words and opens
// an ACTION_FAILED incident.
func TestGoogleRefusalFailsTheActionWithItsWords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	f := googleadsfake.New(t)
	f.AddCustomer(googleadsfake.Customer{ID: "1111111111", Name: "US shop", Currency: "USD", TimeZone: "America/New_York"})
	f.AddCampaign(googleadsfake.Campaign{CustomerID: "1111111111", ID: "101", Name: "Search", Status: "REMOVED", Channel: "SEARCH", BudgetMicros: 25_000_000})
	api := googleads.New(platforms.Endpoints{APIBase: f.APIBase(), OAuthBase: f.OAuthBase(),
		ClientID: googleadsfake.ClientID, ClientSecret: googleadsfake.ClientSecret, DeveloperToken: googleadsfake.DeveloperToken})
	c := b.remoteCampaign(t, platforms.Google, api, f.Grant("1111111111"),
		platforms.Account{ExternalID: "1111111111", Name: "US shop", Currency: "USD", TimeZone: "America/New_York"},
		platforms.Campaign{ExternalID: "101", Name: "Search", DailyBudgetMicros: 25_000_000, BudgetID: "1010"})

	a := b.approvedPause(t, c)
	a, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err, "a refusal is an outcome")
	require.Equal(t, automation.Failed, a.Status)
	const words = "This operation is not allowed because the resource is removed."
	require.Equal(t, words, *a.Error)
	inc := b.failureIncidents(t)
	require.Len(t, inc, 1)
	require.Equal(t, words, inc[0].Details["error"])
	require.Empty(t, f.Mutations())
}
