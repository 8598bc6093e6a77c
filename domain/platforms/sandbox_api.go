package platforms

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// SandboxAPI is the SIMULATED platform behind sandbox connections (platform
// SIMULATOR, sandbox = true): an API like the real clients', so a sandbox
// account syncs through exactly the code path of a Meta or Google account
// (StructureSync, InsightsSync, backfills, rate and error handling). Its data
// is made up and labelled so everywhere (the account and campaign names say
// "simulated").
//
// Decisions (docs/adr/0015-platform-connectors.md, "Sandbox"):
//   - Structure and insights are deterministic per tenant and account: the
//     simulator's four demo campaigns (simCampaigns), each with two ad groups
//     of two ads, and daily metrics from the same noise function the
//     simulator uses, for any day range, in micros.
//   - Its "remote" campaign state is the synced rows themselves: Mutate
//     changes the sandbox account's ad_campaigns / ad_groups rows in its own
//     short transaction, and Structure reports status, budget and bid from
//     those rows when they exist, so a sync never reverts a change applied
//     through the sandbox. Mutations are set-to-value, so a retry is harmless.
//   - The simulator's degradations for the tenant (simulator_state, the
//     simulate-degradation controls) apply: FRESHNESS MINOR/MAJOR stops
//     insights 2 days before today (the newest data grows stale), FRESHNESS
//     CRITICAL is an outage: every call fails as a TRANSIENT platform error.
//
// The tenant travels in the sandbox's token (Token.Subject, see
// SandboxToken): the sandbox needs no grant, and the API contract passes no
// tenant. Like every API it is called with no transaction open and runs its
// own.
type SandboxAPI struct {
	Platforms *Service
}

// SandboxAccountID is the external id of the sandbox's one ad account.
const SandboxAccountID = "sandbox-1"

// SandboxToken is the grant a sandbox connection uses: no secret, just the
// tenant the simulated data belongs to.
func SandboxToken(tenant uuid.UUID) Token { return Token{Subject: tenant.String()} }

// Platform implements API.
func (a *SandboxAPI) Platform() string { return Simulator }

// Configured implements API: the sandbox needs no credentials.
func (a *SandboxAPI) Configured() bool { return true }

// SupportsPKCE implements API.
func (a *SandboxAPI) SupportsPKCE() bool { return false }

// AuthorizeURL implements API: the sandbox has no consent page.
func (a *SandboxAPI) AuthorizeURL(AuthorizeRequest) string { return "" }

var errSandboxNoOAuth = &APIError{Platform: Simulator, Kind: ErrorPermanent, Code: "NO_OAUTH", Message: "the sandbox needs no authorization"}

// Exchange implements API: the sandbox has no OAuth.
func (a *SandboxAPI) Exchange(context.Context, string, string, string) (Token, error) {
	return Token{}, errSandboxNoOAuth
}

// Refresh implements API: a sandbox token never expires.
func (a *SandboxAPI) Refresh(_ context.Context, tok Token) (Token, error) { return tok, nil }

func (a *SandboxAPI) tenant(tok Token) (uuid.UUID, error) {
	id, err := uuid.Parse(tok.Subject)
	if err != nil {
		return uuid.Nil, &APIError{Platform: Simulator, Kind: ErrorAuth, Code: "NO_TENANT", Message: "the sandbox token names no workspace"}
	}
	return id, nil
}

// degradations reads the tenant's simulator degradations and refuses every
// call during a simulated outage (FRESHNESS CRITICAL).
func (a *SandboxAPI) degradations(ctx context.Context, tok Token) (uuid.UUID, map[string]string, error) {
	tenant, err := a.tenant(tok)
	if err != nil {
		return tenant, nil, err
	}
	deg, err := a.Platforms.Simulator().Degradations(ctx, tenant)
	if err != nil {
		return tenant, nil, err
	}
	if deg[ComponentFreshness] == Critical {
		return tenant, nil, &APIError{Platform: Simulator, Kind: ErrorTransient, HTTPStatus: 503, Code: "SIMULATED_OUTAGE", Message: "Simulated platform outage"}
	}
	return tenant, deg, nil
}

// Accounts implements API: one simulated account.
func (a *SandboxAPI) Accounts(ctx context.Context, tok Token) ([]Account, error) {
	if _, _, err := a.degradations(ctx, tok); err != nil {
		return nil, err
	}
	return []Account{{ExternalID: SandboxAccountID, Name: "Sandbox account (simulated)", Currency: "USD", TimeZone: "America/New_York", Status: StatusActive}}, nil
}

func sandboxCampaignExt(acct Account, i int) string {
	return fmt.Sprintf("%s-c%d", acct.ExternalID, i+1)
}

// sandboxStored is a campaign's state as the sandbox last stored it.
type sandboxStored struct {
	ExternalID        string `bun:"external_id"`
	Status            string `bun:"status"`
	DailyBudgetMicros int64  `bun:"daily_budget_micros"`
	BidMicros         *int64 `bun:"bid_micros"`
}

// stored reads the sandbox account's synced campaigns (its remote state).
func (a *SandboxAPI) stored(ctx context.Context, tenant uuid.UUID, acct Account) (map[string]sandboxStored, error) {
	out := map[string]sandboxStored{}
	err := a.Platforms.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []sandboxStored
		if err := tx.NewSelect().TableExpr("ad_campaigns AS c").Column("c.external_id", "c.status", "c.daily_budget_micros", "c.bid_micros").
			Join("JOIN ad_accounts AS aa ON aa.tenant_id = c.tenant_id AND aa.id = c.ad_account_id").
			Where("aa.sandbox AND aa.external_id = ?", acct.ExternalID).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.ExternalID] = r
		}
		return nil
	})
	return out, err
}

// Structure implements API: one page of four campaigns, eight ad groups and
// sixteen ads.
func (a *SandboxAPI) Structure(ctx context.Context, tok Token, acct Account, fn func(StructurePage) error) (err error) {
	defer derrors.Wrap(&err, "platforms.SandboxAPI.Structure")
	tenant, _, err := a.degradations(ctx, tok)
	if err != nil {
		return err
	}
	stored, err := a.stored(ctx, tenant, acct)
	if err != nil {
		return err
	}
	var page StructurePage
	for i, sc := range simCampaigns {
		ext := sandboxCampaignExt(acct, i)
		c := RemoteCampaign{ExternalID: ext, Name: sc.name + " (simulated)", Status: StatusActive, Objective: "OUTCOME_SALES", DailyBudgetMicros: Micros(sc.budget)}
		var bid int64
		if st, ok := stored[ext]; ok && st.Status != StatusArchived {
			c.Status, c.DailyBudgetMicros = st.Status, st.DailyBudgetMicros
			if st.BidMicros != nil {
				bid = *st.BidMicros
			}
		}
		page.Campaigns = append(page.Campaigns, c)
		for g := 1; g <= 2; g++ {
			gext := fmt.Sprintf("%s-g%d", ext, g)
			page.AdGroups = append(page.AdGroups, RemoteAdGroup{ExternalID: gext, CampaignExternalID: ext,
				Name: fmt.Sprintf("Ad group %d (simulated)", g), Status: StatusActive, BidMicros: bid})
			for n := 1; n <= 2; n++ {
				page.Ads = append(page.Ads, RemoteAd{ExternalID: fmt.Sprintf("%s-a%d", gext, n), AdGroupExternalID: gext,
					Name: fmt.Sprintf("Ad %d (simulated)", n), Status: StatusActive})
			}
		}
	}
	return fn(page)
}

// sandboxStall is how many days before today the insights stop under a
// FRESHNESS degradation (MINOR 30 h, MAJOR 40 h: the last two days missing).
const sandboxStall = 2

// Insights implements API: one page per day, every campaign's metrics.
func (a *SandboxAPI) Insights(ctx context.Context, tok Token, acct Account, from, to string, fn func([]Insight) error) (err error) {
	defer derrors.Wrap(&err, "platforms.SandboxAPI.Insights")
	tenant, deg, err := a.degradations(ctx, tok)
	if err != nil {
		return err
	}
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil || t.Before(f) {
		return &APIError{Platform: Simulator, Kind: ErrorPermanent, HTTPStatus: 400, Code: "BAD_RANGE", Message: "from and to must be YYYY-MM-DD with from ≤ to"}
	}
	loc, err := time.LoadLocation(acct.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	now := a.Platforms.DB.Now(ctx).In(loc)
	last := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if deg[ComponentFreshness] != "" {
		last = last.AddDate(0, 0, -sandboxStall)
	}
	if t.After(last) {
		t = last
	}
	for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
		page := make([]Insight, 0, len(simCampaigns))
		for i := range simCampaigns {
			page = append(page, sandboxDay(tenant, acct, i, d))
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// sandboxDay is campaign i's delivery on day d (deterministic per tenant,
// account and day, like the simulator's).
func sandboxDay(tenant uuid.UUID, acct Account, i int, d time.Time) Insight {
	c := simCampaigns[i]
	day := d.Unix() / 86400
	spend := c.budget * c.pace * (1 + 0.05*noise(tenant, acct.ExternalID, i, day, "spend"))
	conv := spend / c.cpa * (1 + 0.05*noise(tenant, acct.ExternalID, i, day, "conv"))
	imps := spend / c.cpm * 1000
	return Insight{CampaignExternalID: sandboxCampaignExt(acct, i), Day: d.Format(time.DateOnly),
		SpendMicros: Micros(round2(spend)), Impressions: int64(imps), Clicks: int64(imps * c.ctr),
		Conversions: math.Round(conv*100) / 100, ConversionValueMicros: Micros(round2(conv * c.aov))}
}

// Campaign implements API: the stored (synced) state of the campaign.
func (a *SandboxAPI) Campaign(ctx context.Context, tok Token, acct Account, c RemoteCampaign) (CampaignState, error) {
	tenant, _, err := a.degradations(ctx, tok)
	if err != nil {
		return CampaignState{}, err
	}
	stored, err := a.stored(ctx, tenant, acct)
	if err != nil {
		return CampaignState{}, err
	}
	st, ok := stored[c.ExternalID]
	if !ok {
		return CampaignState{}, &APIError{Platform: Simulator, Kind: ErrorPermanent, HTTPStatus: 404, Code: "NOT_FOUND", Message: "no such campaign in the sandbox account"}
	}
	out := CampaignState{Status: st.Status, DailyBudgetMicros: st.DailyBudgetMicros}
	if st.BidMicros != nil {
		out.BidMicros = *st.BidMicros
	}
	return out, nil
}

// Mutate implements API: it sets the stored campaign's (and, for bids, its
// ad groups') fields in its own transaction.
func (a *SandboxAPI) Mutate(ctx context.Context, tok Token, acct Account, m Mutation) (err error) {
	defer derrors.Wrap(&err, "platforms.SandboxAPI.Mutate(%s)", m.Kind)
	tenant, _, err := a.degradations(ctx, tok)
	if err != nil {
		return err
	}
	refuse := func(msg string) error {
		return &APIError{Platform: Simulator, Kind: ErrorPermanent, HTTPStatus: 400, Code: "INVALID", Message: msg}
	}
	return a.Platforms.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var ids []uuid.UUID
		if err := tx.NewSelect().TableExpr("ad_campaigns AS c").Column("c.id").
			Join("JOIN ad_accounts AS aa ON aa.tenant_id = c.tenant_id AND aa.id = c.ad_account_id").
			Where("aa.sandbox AND aa.external_id = ? AND c.external_id = ? AND c.status <> ?", acct.ExternalID, m.Campaign.ExternalID, StatusArchived).
			For("NO KEY UPDATE OF c").Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return &APIError{Platform: Simulator, Kind: ErrorPermanent, HTTPStatus: 404, Code: "NOT_FOUND", Message: "no such campaign in the sandbox account"}
		}
		now := a.Platforms.DB.Now(ctx)
		q := tx.NewUpdate().Table("ad_campaigns").Where("id IN (?)", bun.List(ids)).Set("updated_at = ?", now)
		switch m.Kind {
		case MutatePause:
			q = q.Set("status = ?", StatusPaused)
		case MutateResume:
			q = q.Set("status = ?", StatusActive)
		case MutateUpdateBudget:
			if m.BudgetMicros <= 0 {
				return refuse("the daily budget must be positive")
			}
			q = q.Set("daily_budget_micros = ?", m.BudgetMicros)
		case MutateUpdateBid:
			if m.BidMicros <= 0 {
				return refuse("the bid must be positive")
			}
			q = q.Set("bid_micros = ?", m.BidMicros)
			if _, err := tx.NewUpdate().Table("ad_groups").Where("campaign_id IN (?)", bun.List(ids)).
				Set("bid_micros = ?, updated_at = ?", m.BidMicros, now).Exec(ctx); err != nil {
				return err
			}
		default:
			return refuse(fmt.Sprintf("unknown mutation %q", m.Kind))
		}
		_, err := q.Exec(ctx)
		return err
	})
}

var _ API = (*SandboxAPI)(nil)
