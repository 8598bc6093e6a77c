package automation_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// activity returns rule's activity log, oldest first.
func (b *bundle) activity(t *testing.T, tenant, rule uuid.UUID) []automation.RuleActivity {
	t.Helper()
	n := 100
	page, err := b.auto.RuleActivity(context.Background(), tenant, rule, automation.RuleActivityFilter{}, relay.Args{First: &n})
	require.NoError(t, err)
	out := make([]automation.RuleActivity, 0, len(page.Items))
	for i := len(page.Items) - 1; i >= 0; i-- {
		out = append(out, page.Items[i])
	}
	return out
}

func kinds(es []automation.RuleActivity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Kind)
		if e.Status != nil && e.Kind == automation.ActivityOutcome {
			out[i] += " " + string(*e.Status)
		}
	}
	return out
}

func TestRuleActivity(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	trim := func(name string) *automation.Rule {
		in := draft(name, cond(automation.MetricCPA, 3, automation.GT, 50),
			automation.RuleAction{Type: automation.ReduceBudget, Params: automation.ActionParams{Percent: pct(20)}})
		r, err := b.auto.CreateRule(ctx, b.tenant, *in)
		require.NoError(t, err)
		return r
	}
	first, second := trim("Trim"), trim("Trim too")
	grow, err := b.auto.CreateRule(ctx, b.tenant, *draft("Grow brand", cond(automation.MetricCPA, 3, automation.LT, 10),
		automation.RuleAction{Type: automation.IncreaseBudget, Params: automation.ActionParams{Percent: pct(10)}}))
	require.NoError(t, err)
	require.Empty(t, b.activity(t, b.tenant, first.ID), "nothing before the first evaluation")

	_, err = b.auto.EvaluateRules(ctx, b.tenant, true)
	require.NoError(t, err)

	t.Run("an evaluation records the campaigns looked at and the proposals made", func(t *testing.T) {
		es := b.activity(t, b.tenant, first.ID)
		require.Equal(t, []string{"PROPOSED", "EVALUATED"}, kinds(es), "oldest first")
		var ev, prop automation.RuleActivity
		for _, e := range es {
			switch e.Kind {
			case automation.ActivityEvaluated:
				ev = e
			case automation.ActivityProposed:
				prop = e
			}
		}
		require.Equal(t, 4, *ev.CampaignsEvaluated)
		require.Equal(t, 1, *ev.Proposals)
		require.Equal(t, b.campaign("Spring Sale – Lookalike 3%").ID, *prop.CampaignID)
		require.Equal(t, automation.ReduceBudget, *prop.ActionType)
		require.Contains(t, prop.Detail, `rule "Trim": CPA over 3 days = `)
	})

	t.Run("a second rule's same proposal is recorded as joined", func(t *testing.T) {
		es := b.activity(t, b.tenant, second.ID)
		require.Equal(t, []string{"JOINED", "EVALUATED"}, kinds(es))
		require.Equal(t, b.campaign("Spring Sale – Lookalike 3%").ID, *es[0].CampaignID)
		require.Equal(t, 1, *es[1].Proposals)
	})

	t.Run("an outcome is recorded for every rule that proposed the action, once", func(t *testing.T) {
		es := b.activity(t, b.tenant, first.ID)
		var action uuid.UUID
		for _, e := range es {
			if e.Kind == automation.ActivityProposed {
				action = *e.ActionID
			}
		}
		_, err := b.auto.Approve(ctx, b.tenant, action, "user:2")
		require.NoError(t, err)
		a, err := b.auto.Execute(ctx, b.tenant, action)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		_, err = b.auto.Execute(ctx, b.tenant, action) // a repeat changes nothing
		require.NoError(t, err)
		for _, r := range []*automation.Rule{first, second} {
			es := b.activity(t, b.tenant, r.ID)
			last := es[len(es)-1]
			require.Equal(t, "OUTCOME APPLIED", kinds(es)[len(es)-1], r.Name)
			require.Equal(t, action, *last.ActionID)
			require.Equal(t, "applied on the platform", last.Detail)
			n := 0
			for _, k := range kinds(es) {
				if k == "OUTCOME APPLIED" {
					n++
				}
			}
			require.Equal(t, 1, n)
		}
	})

	t.Run("a dismissal is an outcome of the rule that proposed it", func(t *testing.T) {
		es := b.activity(t, b.tenant, grow.ID)
		var action *uuid.UUID
		for _, e := range es {
			if e.Kind == automation.ActivityProposed {
				action = e.ActionID
			}
		}
		require.NotNil(t, action, "Grow brand proposed: %v", kinds(es))
		_, err := b.auto.Dismiss(ctx, b.tenant, *action, "user:2")
		require.NoError(t, err)
		es = b.activity(t, b.tenant, grow.ID)
		require.Equal(t, "OUTCOME DISMISSED", kinds(es)[len(es)-1])
		require.NotContains(t, kinds(b.activity(t, b.tenant, first.ID)), "OUTCOME DISMISSED", "another rule's action is not Trim's")
	})

	t.Run("the kinds filter selects entries and is bounded", func(t *testing.T) {
		page, err := b.auto.RuleActivity(ctx, b.tenant, first.ID, automation.RuleActivityFilter{Kinds: []automation.ActivityKind{automation.ActivityOutcome}}, relay.Args{})
		require.NoError(t, err)
		require.Equal(t, 1, page.TotalCount)
		many := make([]automation.ActivityKind, 5)
		for i := range many {
			many[i] = automation.ActivityOutcome
		}
		_, err = b.auto.RuleActivity(ctx, b.tenant, first.ID, automation.RuleActivityFilter{Kinds: many}, relay.Args{})
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	})

	t.Run("deleting a rule deletes its log", func(t *testing.T) {
		require.NoError(t, b.auto.DeleteRule(ctx, b.tenant, second.ID))
		_, err := b.auto.RuleActivity(ctx, b.tenant, second.ID, automation.RuleActivityFilter{}, relay.Args{})
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})
}

func TestRuleActivityIsTenantScoped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	other := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "B", Simulated: true})
	require.NoError(t, b.ps.SeedSimulator(ctx, other))
	rule, err := b.auto.CreateRule(ctx, b.tenant, *draft("alpha-secret", cond(automation.MetricSpend, 1, automation.GTE, 0),
		automation.RuleAction{Type: automation.ReduceBudget}))
	require.NoError(t, err)
	_, err = b.auto.EvaluateRules(ctx, b.tenant, true)
	require.NoError(t, err)
	_, err = b.auto.EvaluateRules(ctx, other, true)
	require.NoError(t, err)

	require.NotEmpty(t, b.activity(t, b.tenant, rule.ID), "tenant A sees its rule's activity (the control)")
	_, err = b.auto.RuleActivity(ctx, other, rule.ID, automation.RuleActivityFilter{}, relay.Args{})
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "tenant B cannot name A's rule")

	// Row-level security: B's transaction sees none of A's entries, even
	// when asking for them by rule id without the service's checks.
	count := func(tenant uuid.UUID) int64 {
		var n int64
		require.NoError(t, b.tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			c, err := tx.NewSelect().Model((*automation.RuleActivity)(nil)).Where("ra.rule_id = ?", rule.ID).Count(ctx)
			n = int64(c)
			return err
		}))
		return n
	}
	require.Positive(t, count(b.tenant))
	require.Zero(t, count(other))
}
