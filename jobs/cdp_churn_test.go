package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/jobs"
)

// The periodic churn fan-out runs a churn job for a tenant with sources,
// on the database clock: a profile inactive for 90 days is CHURNED, a
// recent one is not.
func TestChurnJobMarksInactiveProfiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC))
	b.tdb.Clock = c
	_, _, err := b.svc.CDP.CreateSource(ctx, b.tenant, cdp.CreateSourceInput{Name: "Web"})
	require.NoError(t, err)
	id := b.svc.CDP.Identity
	old, _, err := id.Resolve(ctx, b.tenant, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: "old"}}, c.Now())
	require.NoError(t, err)
	c.Advance(91 * 24 * time.Hour)
	recent, _, err := id.Resolve(ctx, b.tenant, []cdp.Identifier{{Type: cdp.IdentifierUserID, Value: "recent"}}, c.Now().Add(-time.Hour))
	require.NoError(t, err)
	stage := func(p [16]byte) string {
		got, err := id.Profile(ctx, b.tenant, p)
		require.NoError(t, err)
		return got.LifecycleStage
	}
	require.Equal(t, cdp.StageKnown, stage(old), "positive control: not churned before the job ran")

	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: b.svc.Jobs(), Concurrency: 2})
	require.NoError(t, err)
	b.svc.EnqueueWith(client)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx)) // RunOnStart enqueues the fan-outs
	defer client.Stop(context.Background())

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		got, err := id.Profile(ctx, b.tenant, old)
		assert.NoError(ct, err)
		assert.Equal(ct, cdp.StageChurned, got.LifecycleStage)
	}, 20*time.Second, 100*time.Millisecond)
	require.Equal(t, cdp.StageKnown, stage(recent))
}
