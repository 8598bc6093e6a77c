package automation_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

type bundle struct {
	tdb       *testdb.DB
	sig       *signals.Service
	ps        *platforms.Service
	auto      *automation.Service
	tenant    uuid.UUID
	campaigns []platforms.Campaign
	executed  []uuid.UUID
}

func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	ctx := context.Background()
	b := &bundle{tdb: tdb, tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "S", Simulated: true})}
	b.sig = &signals.Service{DB: tdb.DB}
	b.ps = platforms.NewService(tdb.DB, b.sig)
	inc := &incidents.Service{DB: tdb.DB}
	b.auto = &automation.Service{DB: tdb.DB, Platforms: b.ps, Incidents: inc}
	b.auto.OnExecutable = func(_ context.Context, _ bun.Tx, _, id uuid.UUID) error {
		b.executed = append(b.executed, id)
		return nil
	}
	b.sig.Listeners = []signals.Listener{inc, b.auto}
	require.NoError(t, b.ps.SeedSimulator(ctx, b.tenant))
	_, err := b.sig.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	b.campaigns, err = b.ps.Campaigns(ctx, b.tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	return b
}

func (b *bundle) campaign(name string) *platforms.Campaign {
	for i := range b.campaigns {
		if b.campaigns[i].Name == name {
			return &b.campaigns[i]
		}
	}
	panic(name)
}

func pct(v float64) *float64 { return &v }

func TestActionQueue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	brand := b.campaign("Brand Search")

	t.Run("a person's increase within guardrails passes and is handed to execution", func(t *testing.T) {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(10)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
		require.Equal(t, []uuid.UUID{a.ID}, b.executed)
		require.Equal(t, 165.0, a.After["dailyBudget"])
		a, err = b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
	})
	t.Run("a +50% change breaks BUDGET_EXCEEDED and, under SOFT_BLOCK, is held", func(t *testing.T) {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(50)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Hold, a.Decision)
		require.NotEmpty(t, a.Warnings)
		require.Contains(t, a.Reasons[len(a.Reasons)-1], "Too many changes", "the last change was moments ago")
		for _, r := range append(a.Reasons, a.Warnings...) {
			require.NotRegexp(t, `[A-Z]{3,}_[A-Z]+`, r, "reasons name guardrails in words, not codes")
		}

		t.Run("dismiss", func(t *testing.T) {
			d, err := b.auto.Dismiss(ctx, b.tenant, a.ID, "user:2")
			require.NoError(t, err)
			require.Equal(t, automation.Dismissed, d.Status)
			_, err = b.auto.Approve(ctx, b.tenant, a.ID, "user:2")
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		})
	})
	t.Run("the kill switch blocks queued actions; a manual override needs a reason", func(t *testing.T) {
		retarget := b.campaign("Retargeting – Cart Abandoners")
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBudget, CampaignID: &retarget.ID, Params: automation.ActionParams{Amount: pct(220)}}, "user:1")
		require.NoError(t, err)
		_, err = b.auto.SetKillSwitch(ctx, b.tenant, true, "user:1")
		require.NoError(t, err)
		a, err = b.auto.Action(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Blocked, a.Status)
		_, err = b.auto.Approve(ctx, b.tenant, a.ID, "user:1")
		require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		_, err = b.auto.Apply(ctx, b.tenant, a.ID, "user:1", " ")
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
		a, err = b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "agency confirmed by phone")
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		require.Equal(t, "agency confirmed by phone", *a.OverrideReason)
		_, err = b.auto.SetKillSwitch(ctx, b.tenant, false, "user:1")
		require.NoError(t, err)
	})
	t.Run("pause_all is always allowed", func(t *testing.T) {
		sim, err := b.auto.SimulateAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseAll, Platform: platforms.Simulator}, "user:1")
		require.NoError(t, err)
		require.True(t, sim.WouldExecute)
		require.Equal(t, 4.0, sim.Before["activeCampaigns"])
	})
	t.Run("every decision is audited, dry runs flagged", func(t *testing.T) {
		dry := true
		page, err := b.auto.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{DryRun: &dry}, relay.Args{})
		require.NoError(t, err)
		require.Equal(t, 1, page.TotalCount)
		all, err := b.auto.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{}, relay.Args{})
		require.NoError(t, err)
		require.Equal(t, 7, all.TotalCount, "queue, execute, queue, queue, re-gate, override, dry run")
		retarget := b.campaign("Retargeting – Cart Abandoners")
		onRetarget, err := b.auto.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{CampaignID: &retarget.ID}, relay.Args{})
		require.NoError(t, err)
		require.Positive(t, onRetarget.TotalCount)
		require.Less(t, onRetarget.TotalCount, all.TotalCount, "decisions on other campaigns and account-wide ones are left out")
		for _, e := range onRetarget.Items {
			require.Equal(t, "campaign", e.EntityType)
			require.Equal(t, retarget.ID.String(), e.EntityID)
		}
		o, err := b.auto.Overview(ctx, b.tenant)
		require.NoError(t, err)
		require.Equal(t, automation.Normal, o.Mode)
		require.Positive(t, o.DecisionCounts[automation.Pass])
	})
}

func TestRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	name := "Cut losers"
	cond := automation.Condition{Op: "AND", Conditions: []automation.Condition{
		{Metric: automation.MetricROAS, WindowDays: 7, Operator: automation.LT, Value: 1},
		{Op: "OR", Conditions: []automation.Condition{
			{Metric: automation.MetricSpend, WindowDays: 3, Operator: automation.GT, Value: 100},
			{Metric: automation.MetricCPA, WindowDays: 3, Operator: automation.GTE, Value: 50},
		}},
	}}
	in := automation.RuleInput{Name: &name, Conditions: &cond, Actions: []automation.RuleAction{{Type: automation.ReduceBudget, Params: automation.ActionParams{Percent: pct(25)}}}}

	t.Run("validation names the field", func(t *testing.T) {
		bad := automation.Condition{Op: "AND", Conditions: []automation.Condition{{Metric: "LTV", WindowDays: 7, Operator: automation.LT}}}
		_, err := b.auto.CreateRule(ctx, b.tenant, automation.RuleInput{Name: &name, Conditions: &bad, Actions: in.Actions})
		e, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, []string{"input", "conditions", "conditions", "0", "metric"}, e.Field)
	})
	t.Run("what-if: the rule matches the losing campaign only", func(t *testing.T) {
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, &in, "user:1")
		require.NoError(t, err)
		require.Equal(t, 4, sim.CampaignsEvaluated)
		require.Len(t, sim.Actions, 1)
		require.Equal(t, "Spring Sale – Lookalike 3%", sim.Actions[0].CampaignName)
		require.Equal(t, automation.ReduceBudget, sim.Actions[0].Type)
		require.Equal(t, 225.0, sim.Actions[0].After["dailyBudget"])
	})
	t.Run("built-ins exist and cannot be deleted", func(t *testing.T) {
		builtin := true
		page, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{Builtin: &builtin}, relay.Args{})
		require.NoError(t, err)
		require.Len(t, page.Items, 3)
		require.Equal(t, apperr.Conflict, apperr.CodeOf(b.auto.DeleteRule(ctx, b.tenant, page.Items[0].ID)))
		r, err := b.auto.SetRuleEnabled(ctx, b.tenant, page.Items[0].ID, false)
		require.NoError(t, err)
		require.False(t, r.Enabled)
	})
	t.Run("create, evaluate, update, delete", func(t *testing.T) {
		r, err := b.auto.CreateRule(ctx, b.tenant, in)
		require.NoError(t, err)
		queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		var mine int
		for _, a := range queued {
			if a.RuleID != nil && *a.RuleID == r.ID {
				mine++
				require.Contains(t, a.Sources[0].Reason, `rule "Cut losers": ROAS over 7 d`)
			}
		}
		require.Equal(t, 1, mine)
		enabled := false
		r, err = b.auto.UpdateRule(ctx, b.tenant, r.ID, automation.RuleInput{Enabled: &enabled})
		require.NoError(t, err)
		require.False(t, r.Enabled)
		require.NoError(t, b.auto.DeleteRule(ctx, b.tenant, r.ID))
		_, err = b.auto.Rule(ctx, b.tenant, r.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})
}

// TestExecuteAfterTheConnectorAppliedIsNotAppliedTwice: the platform has
// the change already (here under the action's own key, without an
// execution in flight — since ADR 0012 only a change made elsewhere looks
// like this; the crash between the call and the outcome is
// TestCrashBetweenConnectorAndOutcome). Re-validation finds the budget at
// the action's target, so the action ends NOT_NEEDED without calling the
// platform, and the campaign changes once.
func TestExecuteAfterTheConnectorAppliedIsNotAppliedTwice(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	brand := b.campaign("Brand Search")
	a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(10)}}, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Queued, a.Status)
	budget := 165.0
	res, err := b.ps.Simulator().Apply(ctx, b.tenant, platforms.Change{IdempotencyKey: a.ID.String(), CampaignID: brand.ID, DailyBudget: &budget})
	require.NoError(t, err)
	require.False(t, res.Replayed)

	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.NotNeeded, a.Status)
	require.Equal(t, "the daily budget is already 165.00", *a.Resolution)
	cs, err := b.ps.Campaigns(ctx, b.tenant, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{brand.ID}})
	require.NoError(t, err)
	require.Equal(t, 165.0, cs[0].DailyBudget(), "150 + 10% once (twice would be 181.5)")
	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.NotNeeded, a.Status, "an action that ended is left alone")
	require.Zero(t, a.Attempts, "the platform was not called")
}

// The gate's tiles count actions, not decisions: an action decided on when
// queued, again when executed and again whenever the score or the kill
// switch re-gates it is one action, counted by its latest decision.
func TestDecisionCountsCountEachActionOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	brand, retarget := b.campaign("Brand Search"), b.campaign("Retargeting – Cart Abandoners")

	applied, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(10)}}, "user:1")
	require.NoError(t, err)
	_, err = b.auto.Execute(ctx, b.tenant, applied.ID)
	require.NoError(t, err)
	regated, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBudget, CampaignID: &retarget.ID, Params: automation.ActionParams{Amount: pct(220)}}, "user:1")
	require.NoError(t, err)
	for _, on := range []bool{true, false, true} {
		_, err = b.auto.SetKillSwitch(ctx, b.tenant, on, "user:1")
		require.NoError(t, err)
	}
	regated, err = b.auto.Action(ctx, b.tenant, regated.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Block, regated.Decision, "the kill switch is on again")

	all, err := b.auto.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{}, relay.Args{})
	require.NoError(t, err)
	require.Greater(t, all.TotalCount, 3, "positive control: more decisions than actions were recorded")

	o, err := b.auto.Overview(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, map[automation.Decision]int{automation.Pass: 1, automation.Hold: 0, automation.Block: 1}, o.DecisionCounts,
		"two actions: the applied one by its passing decision, the re-gated one by its latest (block)")
}
