package platforms_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

func setup(t *testing.T, simulated bool) (*platforms.Service, *signals.Service, uuid.UUID) {
	t.Helper()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "S", Simulated: simulated})
	sig := &signals.Service{DB: tdb.DB}
	return platforms.NewService(tdb.DB, sig), sig, tenant
}

func TestSimulator(t *testing.T) {
	t.Parallel()
	ps, sig, tenant := setup(t, true)
	ctx := context.Background()
	require.NoError(t, ps.SeedSimulator(ctx, tenant))
	require.NoError(t, ps.SeedSimulator(ctx, tenant), "seeding is idempotent")

	cs, err := ps.Simulator().Campaigns(ctx, tenant)
	require.NoError(t, err)
	require.Len(t, cs, 4)
	_, err = sig.Recompute(ctx, tenant)
	require.NoError(t, err)
	h, err := sig.Get(ctx, tenant, platforms.Simulator)
	require.NoError(t, err)
	require.Equal(t, signals.Healthy, h.Status)
	require.Greater(t, h.Score, 90.0, "issues: %+v", h.Issues)

	t.Run("each component degrades and recovers", func(t *testing.T) {
		for _, c := range []struct{ component, want string }{
			{platforms.ComponentEMQ, signals.ComponentEMQ}, {platforms.ComponentFreshness, signals.ComponentFreshness},
			{platforms.ComponentVariance, signals.ComponentVariance}, {platforms.ComponentAnomaly, signals.ComponentAnomaly},
			{platforms.ComponentCDP, signals.ComponentCDP},
		} {
			require.NoError(t, ps.Degrade(ctx, tenant, platforms.Simulator, c.component, platforms.Major))
			_, err := sig.Recompute(ctx, tenant)
			require.NoError(t, err)
			h, err := sig.Get(ctx, tenant, platforms.Simulator)
			require.NoError(t, err)
			require.NotEmpty(t, h.Issues)
			require.Equal(t, c.want, h.Issues[0].Component, "degrading %s: %+v", c.component, h.Issues)
			require.NoError(t, ps.Recover(ctx, tenant, platforms.Simulator))
		}
		_, err := sig.Recompute(ctx, tenant)
		require.NoError(t, err)
	})

	t.Run("critical freshness is an outage and refuses changes", func(t *testing.T) {
		require.NoError(t, ps.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentFreshness, platforms.Critical))
		st, err := ps.Simulator().Status(ctx, tenant)
		require.NoError(t, err)
		require.Equal(t, platforms.Outage, st.Status)
		budget := 999.0
		_, err = ps.Simulator().Apply(ctx, tenant, platforms.Change{IdempotencyKey: "k0", CampaignID: cs[0].ID, DailyBudget: &budget})
		require.ErrorIs(t, err, platforms.ErrUnavailable)
		require.NoError(t, ps.Recover(ctx, tenant, platforms.Simulator))
	})

	t.Run("a change is applied once per idempotency key", func(t *testing.T) {
		budget := 123.456
		res, err := ps.Simulator().Apply(ctx, tenant, platforms.Change{IdempotencyKey: "k1", CampaignID: cs[0].ID, DailyBudget: &budget})
		require.NoError(t, err)
		require.Equal(t, cs[0].DailyBudget(), res.Before.DailyBudget)
		require.Equal(t, 123.46, res.After.DailyBudget)
		other := 1.0
		again, err := ps.Simulator().Apply(ctx, tenant, platforms.Change{IdempotencyKey: "k1", CampaignID: cs[0].ID, DailyBudget: &other})
		require.NoError(t, err)
		require.True(t, again.Replayed)
		require.Equal(t, 123.46, again.After.DailyBudget)
	})

	t.Run("bad input", func(t *testing.T) {
		err := ps.Degrade(ctx, tenant, platforms.Simulator, "LATENCY", platforms.Major)
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
		err = ps.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentEMQ, "SEVERE")
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
		err = ps.Degrade(ctx, tenant, platforms.Meta, platforms.ComponentEMQ, platforms.Minor)
		require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
	})
}

func TestSimulatorRefusesRealTenants(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, false)
	err := ps.SeedSimulator(context.Background(), tenant)
	require.Equal(t, apperr.BadUserInput, apperr.CodeOf(err))
}

// Applying a change does not wait for a sync in flight: the first tick of
// a day inserts that day's metric rows, whose foreign keys hold KEY SHARE
// locks on their campaigns until the tick commits (and the tick may itself
// wait for a recompute that waits for the action being executed). Apply
// therefore locks the campaign FOR NO KEY UPDATE, which does not conflict
// with them; FOR UPDATE made a three-way deadlock possible.
func TestApplyDoesNotWaitForASyncInFlight(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, true)
	ctx := context.Background()
	require.NoError(t, ps.SeedSimulator(ctx, tenant))
	cs, err := ps.Simulator().Campaigns(ctx, tenant)
	require.NoError(t, err)

	syncing, release := make(chan struct{}), make(chan struct{})
	syncDone := make(chan error, 1)
	go func() {
		syncDone <- ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			tomorrow := platforms.DailyMetrics{TenantID: tenant, CampaignID: cs[0].ID, Day: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)}
			if _, err := tx.NewInsert().Model(&tomorrow).Exec(ctx); err != nil {
				return err
			}
			close(syncing)
			<-release // keep the new row's locks
			return nil
		})
	}()
	<-syncing
	applyCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	budget := cs[0].DailyBudget() + 1
	_, err = ps.Simulator().Apply(applyCtx, tenant, platforms.Change{IdempotencyKey: "no-wait", CampaignID: cs[0].ID, DailyBudget: &budget})
	close(release)
	require.NoError(t, err, "Apply waited for the open sync")
	require.NoError(t, <-syncDone)
}

// Two calls with one idempotency key at once — a retried job overlapping
// the attempt it retries — apply the change once and both succeed: the
// second waits for the first and replays its result. Both calls are made
// to wait on a campaign lock the test holds, so they overlap.
func TestApplyWithOneKeyConcurrentlyAppliesOnce(t *testing.T) {
	t.Parallel()
	ps, _, tenant := setup(t, true)
	ctx := context.Background()
	require.NoError(t, ps.SeedSimulator(ctx, tenant))
	cs, err := ps.Simulator().Campaigns(ctx, tenant)
	require.NoError(t, err)

	locked, release := make(chan struct{}), make(chan struct{})
	holdDone := make(chan error, 1)
	go func() {
		holdDone <- ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM ad_campaigns WHERE id = ? FOR NO KEY UPDATE", cs[0].ID); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	budget := cs[0].DailyBudget() + 10
	type answer struct {
		res platforms.Result
		err error
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			res, err := ps.Simulator().Apply(ctx, tenant, platforms.Change{IdempotencyKey: "once", CampaignID: cs[0].ID, DailyBudget: &budget})
			answers <- answer{res, err}
		}()
	}
	require.Eventually(t, func() bool {
		var waiting int
		err := ps.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND usename = current_user AND wait_event_type = 'Lock'`).Scan(&waiting)
		return err == nil && waiting == 2
	}, 10*time.Second, 10*time.Millisecond, "both calls are waiting")
	close(release)
	require.NoError(t, <-holdDone)
	replayed := 0
	for range 2 {
		a := <-answers
		require.NoError(t, a.err)
		require.Equal(t, budget, a.res.After.DailyBudget)
		if a.res.Replayed {
			replayed++
		}
	}
	require.Equal(t, 1, replayed, "one call applied the change, the other replayed it")
}
