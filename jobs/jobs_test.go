package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A bun write and a River job inserted in the same transaction commit or
// roll back together.
func TestJobAndWriteShareTheTransaction(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog()})
	require.NoError(t, err)

	write := func(tenant uuid.UUID, fail bool) error {
		return tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := testdb.InsertTenant(ctx, tx, testdb.Tenant{ID: tenant}); err != nil {
				return err
			}
			if _, err := client.InsertTx(ctx, tx.Tx, jobs.AutomationEvaluateArgs{TenantID: tenant}, nil); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
	}
	committed, rolledBack := uuid.New(), uuid.New()
	require.NoError(t, write(committed, false))
	require.Error(t, write(rolledBack, true))

	count := func(tenant uuid.UUID) (tenants, jobCount int) {
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewSelect().Table("tenants").ColumnExpr("count(*)").Scan(ctx, &tenants); err != nil {
				return err
			}
			return tx.NewSelect().Table("river_job").ColumnExpr("count(*)").
				Where("kind = 'automation.evaluate' AND args->>'tenant_id' = ?", tenant.String()).Scan(ctx, &jobCount)
		}))
		return
	}
	tn, jn := count(committed)
	require.Equal(t, [2]int{1, 1}, [2]int{tn, jn})
	tn, jn = count(rolledBack)
	require.Equal(t, [2]int{0, 0}, [2]int{tn, jn})
}

// The periodic fan-outs enqueue one job per tenant (the simulator tick only
// for simulated tenants) and the workers run them, each in its own tenant.
func TestTrustFanOutRunsOneJobPerTenant(t *testing.T) {
	t.Parallel()
	b := setup(t) // a simulated tenant
	ctx := context.Background()
	sim2 := uuid.New()
	plain := uuid.New()
	for id, simulated := range map[uuid.UUID]bool{sim2: true, plain: false} {
		testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{ID: id, Simulated: simulated})
	}
	require.NoError(t, b.svc.Platforms.Simulator().SeedSimulator(ctx, sim2))
	simulated, all := []uuid.UUID{b.tenant, sim2}, []uuid.UUID{b.tenant, sim2, plain}
	slices.SortFunc(simulated, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	slices.SortFunc(all, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })

	tenantsWithJobs := func(kind string) (ids []uuid.UUID, err error) {
		err = b.tdb.Bun.NewSelect().Table("river_job").ColumnExpr("DISTINCT (args->>'tenant_id')::uuid AS id").
			Where("kind = ?", kind).OrderExpr("id").Scan(ctx, &ids)
		return ids, err
	}
	for _, id := range simulated {
		h, err := b.svc.Signals.Get(ctx, id, "")
		require.NoError(t, err)
		require.Nil(t, h, "positive control: no health before the fan-out ran")
	}
	ids, err := tenantsWithJobs("automation.evaluate")
	require.NoError(t, err)
	require.Empty(t, ids, "positive control: no per-tenant job before the fan-out ran")

	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: b.svc.Jobs(), Concurrency: 2})
	require.NoError(t, err)
	b.svc.EnqueueWith(client)
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx)) // RunOnStart enqueues the fan-outs
	defer client.Stop(context.Background())

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		ids, err := tenantsWithJobs("automation.evaluate")
		assert.NoError(c, err)
		assert.Equal(c, all, ids, "one rule evaluation per tenant")
		ids, err = tenantsWithJobs("platforms.simulator_tick")
		assert.NoError(c, err)
		assert.Equal(c, simulated, ids, "simulator ticks for the simulated tenants only")
		for _, id := range simulated {
			h, err := b.svc.Signals.Get(ctx, id, "")
			assert.NoError(c, err)
			assert.NotNil(c, h, "tenant %s's health was recomputed", id)
		}
	}, 15*time.Second, 100*time.Millisecond)
}
