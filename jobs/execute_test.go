package jobs_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/jobs"
)

// unavailablePlatform answers every change as a platform in maintenance
// would (a fake at the process boundary).
type unavailablePlatform struct{ platforms.Connector }

func (unavailablePlatform) Apply(context.Context, uuid.UUID, platforms.Change) (platforms.Result, error) {
	return platforms.Result{}, fmt.Errorf("meta: %w (scheduled maintenance until 02:00 UTC)", platforms.ErrUnavailable)
}

// TestExecuteJobRetriesAnUnavailablePlatformThenGivesUp: while the platform
// is unavailable each attempt fails (River retries it) and the action waits;
// the last attempt records it FAILED with the platform's words and opens an
// incident, instead of leaving it in flight.
func TestExecuteJobRetriesAnUnavailablePlatformThenGivesUp(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.svc.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	b.svc.Platforms.Connectors[platforms.Simulator] = unavailablePlatform{b.svc.Platforms.Connectors[platforms.Simulator]}
	cs, err := b.svc.Platforms.Campaigns(ctx, b.tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	percent := 10.0
	a, err := b.svc.Automation.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &cs[0].ID,
		Params: automation.ActionParams{Percent: &percent}}, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)

	w := &jobs.AutomationExecuteWorker{Automation: b.svc.Automation}
	attempt := func(n int) error {
		return w.Work(ctx, &river.Job[jobs.AutomationExecuteArgs]{JobRow: &rivertype.JobRow{Attempt: n, MaxAttempts: 5},
			Args: jobs.AutomationExecuteArgs{TenantID: b.tenant, ActionID: a.ID}})
	}
	failures := func() int {
		page, err := b.svc.Incidents.List(ctx, b.tenant, incidents.Filter{}, relay.Args{})
		require.NoError(t, err)
		n := 0
		for _, i := range page.Items {
			if i.Cause == incidents.CauseActionFailed {
				n++
			}
		}
		return n
	}

	for n := 1; n < 5; n++ {
		require.ErrorIs(t, attempt(n), platforms.ErrUnavailable, "attempt %d is retried", n)
		got, err := b.svc.Automation.Action(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Queued, got.Status)
		require.Zero(t, failures())
	}
	require.NoError(t, attempt(5), "the last attempt records the failure")
	got, err := b.svc.Automation.Action(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Failed, got.Status)
	require.Equal(t, "meta: platforms: platform unavailable (scheduled maintenance until 02:00 UTC)", *got.Error)
	require.Equal(t, 1, got.Attempts)
	require.Equal(t, 1, failures())
	require.Equal(t, cs[0].DailyBudget(), mustBudget(t, b, cs[0].ID), "nothing applied")
	require.NoError(t, attempt(5), "a later run leaves the failed action alone")
}

func mustBudget(t *testing.T, b *bundle, id uuid.UUID) float64 {
	t.Helper()
	cs, err := b.svc.Platforms.Campaigns(context.Background(), b.tenant, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{id}})
	require.NoError(t, err)
	return cs[0].DailyBudget()
}
