package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/jobs"
)

// TestTrustJobsThroughRiver runs the real wiring: a degradation's
// measurements enqueue a debounced recompute whose incident and autopilot
// events arrive, and an action the gate passes is executed by its River
// job. (How fast is BenchmarkSubscriptionFanOut's question, not this test's.)
func TestTrustJobsThroughRiver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Work: true, Services: b.svc.Jobs(), Concurrency: 4})
	require.NoError(t, err)
	b.svc.EnqueueWith(client)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		client.Stop(stopCtx)
	})
	_, err = b.svc.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	sub := subscribe(t, b)

	require.NoError(t, b.svc.Platforms.Degrade(ctx, b.tenant, platforms.Simulator, platforms.ComponentEMQ, platforms.Critical))
	await(t, sub, incidents.TopicIncidentOpened)
	await(t, sub, automation.TopicAutopilotModeChanged)

	require.NoError(t, b.svc.Platforms.Recover(ctx, b.tenant, platforms.Simulator))
	await(t, sub, incidents.TopicIncidentClosed)
	await(t, sub, automation.TopicAutopilotModeChanged)

	cs, err := b.svc.Platforms.Campaigns(ctx, b.tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	pct := 10.0
	a, err := b.svc.Automation.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &cs[0].ID,
		Params: automation.ActionParams{Percent: &pct}}, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
	id := a.ID
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := b.svc.Automation.Action(ctx, b.tenant, id)
		if assert.NoError(c, err) {
			assert.Equal(c, automation.Applied, got.Status)
		}
	}, 5*time.Second, 50*time.Millisecond)
	a, err = b.svc.Automation.Action(ctx, b.tenant, id)
	require.NoError(t, err)
	require.Equal(t, 1, a.Attempts)
}
