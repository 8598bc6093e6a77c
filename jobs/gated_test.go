package jobs_test

import (
	"context"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/jobs"
)

// A rule-evaluation job of a tenant whose automation_rules flag is off
// completes without evaluating and records why (the tenant sees it on the
// flag); with the flag on again the same job evaluates and the record goes.
func TestRuleEvaluationSkipsWithoutTheFlag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.svc.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	worker := &jobs.AutomationEvaluateWorker{Automation: b.svc.Automation, Billing: b.svc.Billing}
	run := func() error {
		return worker.Work(ctx, &river.Job[jobs.AutomationEvaluateArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1},
			Args: jobs.AutomationEvaluateArgs{TenantID: b.tenant}})
	}
	actions := func() int {
		page, err := b.svc.Automation.Actions(ctx, b.tenant, automation.ActionFilter{}, relay.Args{})
		require.NoError(t, err)
		return page.TotalCount
	}
	off := false
	op := billing.Operator{Email: "ops@example.test"}
	_, err = b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "automation_rules", Enabled: &off, Reason: "test"})
	require.NoError(t, err)

	require.NoError(t, run(), "the skipped job completes")
	require.NoError(t, run())
	require.Zero(t, actions(), "no rule was evaluated")
	skips, err := b.svc.Billing.Skips(ctx, b.tenant)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	require.Equal(t, "automation.evaluate", skips[0].JobKind)
	require.Equal(t, billing.AutomationRules, skips[0].Flag)
	require.EqualValues(t, 2, skips[0].Skips)
	require.Contains(t, skips[0].Reason, "operator")

	// The positive control: the flag back on, the same job evaluates.
	_, err = b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "automation_rules", Reason: "back"})
	require.NoError(t, err)
	require.NoError(t, run())
	require.NotZero(t, actions(), "the rules ran and proposed actions")
	skips, err = b.svc.Billing.Skips(ctx, b.tenant)
	require.NoError(t, err)
	require.Empty(t, skips, "the skip record goes once the job runs")
}

// A gated worker built without the billing service fails instead of
// running ungated or skipping without a record.
func TestGatedWorkerNeedsBilling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	worker := &jobs.AutomationEvaluateWorker{Automation: b.svc.Automation}
	err := worker.Work(context.Background(), &river.Job[jobs.AutomationEvaluateArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1},
		Args: jobs.AutomationEvaluateArgs{TenantID: b.tenant}})
	require.Error(t, err)
}

// Autopilot needs its flag: on GUARDED_AUTO, a Starter tenant's rule
// proposals that the gate would pass are held for a person with the
// reason; a Professional tenant (the control) has none held for it.
func TestAutopilotNeedsItsFlag(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	held := func(plan string) (autopilotOff, total int) {
		b := setup(t)
		if plan != "" {
			_, err := b.svc.Billing.SetPlan(ctx, billing.Operator{Email: "ops@example.test"}, b.tenant, plan)
			require.NoError(t, err)
		}
		_, err := b.svc.Automation.SetAutopilotLevel(ctx, b.tenant, automation.GuardedAuto, "test")
		require.NoError(t, err)
		_, err = b.svc.Signals.Recompute(ctx, b.tenant)
		require.NoError(t, err)
		_, err = b.svc.Automation.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		page, err := b.svc.Automation.Actions(ctx, b.tenant, automation.ActionFilter{}, relay.Args{})
		require.NoError(t, err)
		for _, a := range page.Items {
			for _, r := range a.Reasons {
				if strings.Contains(r, "autopilot is off") {
					autopilotOff++
				}
			}
		}
		return autopilotOff, page.TotalCount
	}
	off, total := held("")
	require.NotZero(t, total)
	require.NotZero(t, off, "Starter has no autopilot: passes are held with the reason")
	off, total = held("professional")
	require.NotZero(t, total)
	require.Zero(t, off, "Professional's autopilot runs them")
}
