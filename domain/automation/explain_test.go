package automation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/internal/relay"
)

func ptrStr(s string) *string { return &s }

func cond(m automation.Metric, days int, op automation.Operator, v float64) automation.Condition {
	return automation.Condition{Metric: m, WindowDays: days, Operator: op, Value: v}
}

func draft(name string, c automation.Condition, actions ...automation.RuleAction) *automation.RuleInput {
	return &automation.RuleInput{Name: ptrStr(name), Conditions: &c, Actions: actions}
}

// byName finds a dry run's explanation of the campaign named name.
func byName(t *testing.T, sim *automation.RuleSimulation, name string) automation.CampaignSimulation {
	t.Helper()
	for _, c := range sim.Campaigns {
		if c.Campaign.Name == name {
			return c
		}
	}
	t.Fatalf("campaign %q is not in the dry run", name)
	return automation.CampaignSimulation{}
}

func TestDryRunExplainsEachCampaign(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	t.Run("every campaign with the values read, the first failing condition and the proposal", func(t *testing.T) {
		// Spring Sale runs at CPA ≈ 60; the others far below 50.
		in := draft("Stop-loss", automation.Condition{Op: "AND", Conditions: []automation.Condition{
			cond(automation.MetricCPA, 3, automation.GT, 50), cond(automation.MetricSpend, 3, automation.GTE, 1)}},
			automation.RuleAction{Type: automation.PauseUnderperforming})
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, in, "user:1")
		require.NoError(t, err)
		require.Equal(t, 4, sim.CampaignsEvaluated)
		require.Len(t, sim.Campaigns, 4)
		require.Zero(t, sim.CampaignsNotShown)

		spring := sim.Campaigns[0] // campaigns with a proposal come first
		require.Equal(t, "Spring Sale – Lookalike 3%", spring.Campaign.Name)
		require.True(t, spring.Proposes())
		require.Equal(t, -1, spring.FailedCheck)
		require.Len(t, spring.Proposals, 1)
		require.Equal(t, automation.PauseUnderperforming, spring.Proposals[0].Type)
		require.Contains(t, spring.Outcome, "Would propose: pause underperforming campaign")
		require.Greater(t, *spring.Checks[0].Value, 50.0)

		brand := byName(t, sim, "Brand Search")
		require.True(t, brand.Evaluated)
		require.False(t, brand.Proposes())
		require.Empty(t, brand.Proposals)
		require.Equal(t, 0, brand.FailedCheck, "the CPA comparison kept the rule from proposing")
		require.Len(t, brand.Checks, 2, "every comparison is read, also after the first failed")
		cpa := brand.Checks[0]
		require.Equal(t, "conditions.conditions.0", cpa.Path)
		require.Equal(t, "CPA over 3 days", cpa.Label)
		require.Equal(t, automation.MetricCPA, cpa.Metric)
		require.Equal(t, automation.UnitCurrency, cpa.Unit)
		require.Equal(t, automation.GT, cpa.Operator)
		require.Equal(t, 50.0, cpa.Threshold)
		require.NotNil(t, cpa.Value)
		require.InDelta(t, 8, *cpa.Value, 3, "Brand Search's CPA is about 8")
		require.False(t, cpa.Passed)
		require.True(t, brand.Checks[1].Passed, "spend over 3 days ≥ 1 holds")
		require.Equal(t, "conditions.conditions.1", brand.Checks[1].Path)
		require.True(t, strings.HasPrefix(brand.Outcome, "No proposal: CPA over 3 days is "), brand.Outcome)
		require.Contains(t, brand.Outcome, "not > 50")
	})

	t.Run("a failing OR group names its first member; a later failing AND member is named when the first holds", func(t *testing.T) {
		in := draft("Nested", automation.Condition{Op: "AND", Conditions: []automation.Condition{
			cond(automation.MetricSpend, 3, automation.GTE, 1),
			{Op: "OR", Conditions: []automation.Condition{
				cond(automation.MetricROAS, 7, automation.GT, 1000), cond(automation.MetricCTR, 7, automation.GT, 0.9)}},
		}}, automation.RuleAction{Type: automation.ReduceBudget})
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, in, "user:1")
		require.NoError(t, err)
		brand := byName(t, sim, "Brand Search")
		require.Len(t, brand.Checks, 3)
		require.Equal(t, 1, brand.FailedCheck)
		require.Equal(t, "conditions.conditions.1.conditions.0", brand.Checks[1].Path)
		require.Equal(t, automation.UnitFraction, brand.Checks[2].Unit)
		require.Contains(t, brand.Outcome, "ROAS over 7 days is")
	})

	t.Run("an undefined metric fails with the reason", func(t *testing.T) {
		in := draft("Pace", cond(automation.MetricPacing, 1, automation.LT, 2), automation.RuleAction{Type: automation.IncreaseBudget})
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, in, "user:1")
		require.NoError(t, err)
		retarget := byName(t, sim, "Retargeting – Cart Abandoners")
		require.NotNil(t, retarget.Checks[0].Value, "with a budget, pacing is defined (the control)")

		// Without a daily budget pacing has no value.
		c := b.campaign("Retargeting – Cart Abandoners")
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBudget, CampaignID: &c.ID,
			Params: automation.ActionParams{Amount: pct(0)}}, "user:1")
		require.NoError(t, err)
		_, err = b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "test: no budget")
		require.NoError(t, err)
		sim, err = b.auto.SimulateRule(ctx, b.tenant, nil, in, "user:1")
		require.NoError(t, err)
		retarget = byName(t, sim, "Retargeting – Cart Abandoners")
		require.Nil(t, retarget.Checks[0].Value)
		require.False(t, retarget.Checks[0].Passed)
		require.Equal(t, "the campaign has no daily budget", retarget.Checks[0].Note)
		require.Equal(t, 0, retarget.FailedCheck)
		require.Equal(t, "No proposal: Pacing over 1 day is undefined (the campaign has no daily budget).", retarget.Outcome)
	})

	t.Run("a built-in rule explains its checks from its parameters and the campaign's targets", func(t *testing.T) {
		rules, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{Builtin: ptrBool(true)}, relay.Args{})
		require.NoError(t, err)
		var scaling *automation.Rule
		for i := range rules.Items {
			if *rules.Items[i].Builtin == automation.PerformanceScaling {
				scaling = &rules.Items[i]
			}
		}
		require.NotNil(t, scaling)
		sim, err := b.auto.SimulateRule(ctx, b.tenant, &scaling.ID, nil, "user:1")
		require.NoError(t, err)
		require.Len(t, sim.Campaigns, 4)
		for _, c := range sim.Campaigns {
			require.True(t, c.Evaluated)
			require.Len(t, c.Checks, 3, c.Campaign.Name)
			require.Equal(t, "Conversions over 7 days", c.Checks[0].Label)
			require.Equal(t, automation.UnitRatio, c.Checks[1].Unit)
			require.InDelta(t, 1.2**c.Campaign.TargetROAS, c.Checks[1].Threshold, 1e-9)
			require.Contains(t, c.Checks[1].Note, "120 % of target ROAS")
			require.NotEmpty(t, c.Outcome)
			require.Equal(t, c.Proposes(), c.FailedCheck < 0, c.Outcome)
		}
	})

	t.Run("a paused campaign is listed as not evaluated", func(t *testing.T) {
		brand := b.campaign("Brand Search")
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseUnderperforming, CampaignID: &brand.ID}, "user:1")
		require.NoError(t, err)
		_, err = b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		in := draft("Any", cond(automation.MetricSpend, 1, automation.GTE, 0), automation.RuleAction{Type: automation.ReduceBudget})
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, in, "user:1")
		require.NoError(t, err)
		c := byName(t, sim, "Brand Search")
		require.False(t, c.Evaluated)
		require.Empty(t, c.Checks)
		require.Contains(t, c.Outcome, "Not evaluated: the campaign is paused")
		require.Equal(t, "Brand Search", sim.Campaigns[len(sim.Campaigns)-1].Campaign.Name, "not-evaluated campaigns come last")
		require.True(t, byName(t, sim, "Retargeting – Cart Abandoners").Evaluated)
	})
}

func ptrBool(v bool) *bool { return &v }

func TestRuleLogicInWords(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	in := draft("Stop-loss", automation.Condition{Op: "AND", Conditions: []automation.Condition{
		cond(automation.MetricCPA, 3, automation.GT, 50),
		{Op: "OR", Conditions: []automation.Condition{cond(automation.MetricCTR, 1, automation.LT, 0.005), cond(automation.MetricConversions, 7, automation.EQ, 0)}},
	}}, automation.RuleAction{Type: automation.ReduceBudget, Params: automation.ActionParams{Percent: pct(30)}})
	r, err := b.auto.CreateRule(ctx, b.tenant, *in)
	require.NoError(t, err)
	require.Equal(t, "CPA over 3 days > 50 and (CTR over 1 day < 0.5 % or Conversions over 7 days = 0) → reduce budget by 30 %", r.Logic())

	rules, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{Builtin: ptrBool(true)}, relay.Args{})
	require.NoError(t, err)
	for _, r := range rules.Items {
		if *r.Builtin != automation.BudgetPacing {
			continue
		}
		require.Equal(t, "Pacing over 3 days < 70 % → increase budget by 20 %; > 130 % → reduce budget by 20 % (every day of the window needs data)", r.Logic())
		under := 0.5
		u, err := b.auto.UpdateRule(ctx, b.tenant, r.ID, automation.RuleInput{Params: map[string]float64{"under": under}})
		require.NoError(t, err)
		require.Contains(t, u.Logic(), "Pacing over 3 days < 50 %", "a built-in's words follow its parameters")
	}
}

func TestRuleTemplates(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	templates := automation.RuleTemplates()
	require.Len(t, templates, 5)
	keys := map[string]bool{}
	for _, tp := range templates {
		keys[tp.Key] = true
	}
	require.Equal(t, map[string]bool{"cpa-stop-loss": true, "roas-scale-winners": true, "zero-conversions-after-spend": true,
		"dayparting-pause-off-hours": true, "dayparting-resume-business-hours": true}, keys)

	proposes := map[string][]string{
		"cpa-stop-loss":                {"Spring Sale – Lookalike 3%"},
		"roas-scale-winners":           {"Brand Search", "Retargeting – Cart Abandoners", "Prospecting – Broad Audience"},
		"zero-conversions-after-spend": nil,
	}
	for _, tp := range templates {
		if _, metric := proposes[tp.Key]; !metric {
			continue // the dayparting pair reads the clock: daypart_test.go
		}
		t.Run(tp.Key, func(t *testing.T) {
			for _, code := range []string{"GT", "GTE", "LT", "EQ", "SPEND", "CONVERSIONS", "_"} {
				require.NotContains(t, tp.Logic(), code, "the words use no enum codes")
			}
			rule, err := b.auto.CreateRule(ctx, b.tenant, tp.Input())
			require.NoError(t, err, "the template is a valid rule")
			require.Equal(t, tp.Logic(), rule.Logic())
			sim, err := b.auto.SimulateRule(ctx, b.tenant, &rule.ID, nil, "user:1")
			require.NoError(t, err)
			require.Equal(t, 4, sim.CampaignsEvaluated)
			var got []string
			for _, c := range sim.Campaigns {
				require.True(t, c.Evaluated)
				require.Len(t, c.Checks, len(tp.Conditions.Conditions), "every condition of the template is read")
				for _, ck := range c.Checks {
					require.NotNil(t, ck.Value, "%s: %s", c.Campaign.Name, ck.Label)
				}
				if c.Proposes() {
					got = append(got, c.Campaign.Name)
				}
			}
			require.ElementsMatch(t, proposes[tp.Key], got)
		})
	}
}
