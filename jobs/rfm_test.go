package jobs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// The RFM refresh of a tenant without the cdp flag completes without
// computing and records the skip; with the flag back it computes.
func TestRFMRefreshSkipsWithoutTheFlag(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	require.NotNil(t, b.svc.CDP.RFM, "the services carry the RFM")
	worker := &jobs.RFMRefreshWorker{RFM: b.svc.CDP.RFM, Billing: b.svc.Billing}
	run := func() error {
		return worker.Work(ctx, &river.Job[jobs.RFMRefreshArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1},
			Args: jobs.RFMRefreshArgs{TenantID: b.tenant}})
	}
	op := billing.Operator{Email: "ops@example.test"}
	off := false
	_, err := b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "cdp", Enabled: &off, Reason: "test"})
	require.NoError(t, err)
	require.NoError(t, run())
	rep, err := b.svc.CDP.RFM.Report(ctx, b.tenant)
	require.NoError(t, err)
	require.Nil(t, rep.ComputedAt, "nothing computed")
	skips, err := b.svc.Billing.Skips(ctx, b.tenant)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	require.Equal(t, "cdp.rfm_refresh", skips[0].JobKind)

	on := true
	_, err = b.svc.Billing.SetFlag(ctx, op, billing.FlagChange{Tenant: b.tenant, Flag: "cdp", Enabled: &on, Reason: "back"})
	require.NoError(t, err)
	require.NoError(t, run())
	rep, err = b.svc.CDP.RFM.Report(ctx, b.tenant)
	require.NoError(t, err)
	require.NotNil(t, rep.ComputedAt, "the positive control computed")
}

// The periodic fan-out enqueues a refresh for each tenant with CDP
// sources; the one with the cdp flag is computed, the one without is
// skipped (recorded), a tenant without sources gets no job.
func TestRFMFanOutRefreshesTheCDPTenants(t *testing.T) {
	t.Parallel()
	b := setup(t) // a tenant without sources
	ctx := context.Background()
	pro := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "professional"})
	starter := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Plan: "starter"})
	for _, id := range []uuid.UUID{pro, starter} {
		require.NoError(t, b.tdb.DB.InTenant(ctx, id, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO cdp_sources (tenant_id, id, name, write_key_hash, write_key_prefix, created_at, updated_at)
				VALUES (?, gen_random_uuid(), 'Website', sha256(random()::text::bytea), 'stw_test', ?, ?)`, id, time.Now(), time.Now())
			return err
		}))
	}
	rep, err := b.svc.CDP.RFM.Report(ctx, pro)
	require.NoError(t, err)
	require.Nil(t, rep.ComputedAt, "positive control: nothing computed before the fan-out")

	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: b.svc.Jobs(), Concurrency: 2})
	require.NoError(t, err)
	b.svc.EnqueueWith(client)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx)) // RunOnStart enqueues the fan-outs
	defer client.Stop(context.Background())

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		rep, err := b.svc.CDP.RFM.Report(ctx, pro)
		assert.NoError(c, err)
		assert.NotNil(c, rep.ComputedAt, "the professional tenant's scores were computed")
		skips, err := b.svc.Billing.Skips(ctx, starter)
		assert.NoError(c, err)
		assert.True(c, slices.ContainsFunc(skips, func(s billing.Skip) bool { return s.JobKind == "cdp.rfm_refresh" }), "the starter tenant's refresh was skipped")
	}, 15*time.Second, 100*time.Millisecond)
	var n int
	require.NoError(t, b.tdb.Bun.NewSelect().Table("river_job").ColumnExpr("count(*)").
		Where("kind = 'cdp.rfm_refresh' AND args->>'tenant_id' = ?", b.tenant.String()).Scan(ctx, &n))
	require.Zero(t, n, "no refresh for a tenant without sources")
}
