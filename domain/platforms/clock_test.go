package platforms_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/clock"
)

var start = time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)

// setupClock is a seeded simulator whose database clock is a Manual one
// at start, and its first campaign.
func setupClock(t *testing.T) (*platforms.Service, *clock.Manual, uuid.UUID, platforms.Campaign) {
	t.Helper()
	ps, _, tenant := setup(t, true)
	c := clock.NewManual(start)
	ps.DB.Clock = c
	ctx := context.Background()
	require.NoError(t, ps.SeedSimulator(ctx, tenant))
	cs, err := ps.Simulator().Campaigns(ctx, tenant)
	require.NoError(t, err)
	return ps, c, tenant, cs[0]
}

// The ROAS window ("the last n days, today included") ends on the clock's
// day: moving the clock moves which days ReturnTx sums.
func TestROASWindowFollowsTheClock(t *testing.T) {
	t.Parallel()
	ps, c, tenant, campaign := setupClock(t)
	ctx := context.Background()
	ret := func() (spend, revenue float64) {
		t.Helper()
		require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
			spend, revenue, err = platforms.ReturnTx(ctx, tx, campaign.ID, 7)
			return err
		}))
		return spend, revenue
	}
	// sum adds the campaign's stored days from first to last, read back.
	sum := func(first, last time.Time) (spend, revenue float64) {
		t.Helper()
		var ms []platforms.DailyMetrics
		require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
			ms, err = platforms.MetricsTx(ctx, tx, []uuid.UUID{campaign.ID}, first, last)
			return err
		}))
		for _, m := range ms {
			spend += m.Spend()
			revenue += m.Revenue()
		}
		return spend, revenue
	}
	today := start.Truncate(24 * time.Hour)

	spend, revenue := ret()
	wantSpend, wantRevenue := sum(today.AddDate(0, 0, -6), today)
	require.Positive(t, wantSpend)
	require.InDelta(t, wantSpend, spend, 0.001, "seven days up to the clock's day")
	require.InDelta(t, wantRevenue, revenue, 0.001)
	week := spend

	c.Advance(3 * 24 * time.Hour)
	spend, revenue = ret()
	wantSpend, wantRevenue = sum(today.AddDate(0, 0, -3), today) // the three days after today have no data yet
	require.InDelta(t, wantSpend, spend, 0.001, "three days later the window lost three days")
	require.InDelta(t, wantRevenue, revenue, 0.001)
	require.Less(t, spend, week)

	c.Advance(7 * 24 * time.Hour)
	spend, _ = ret()
	require.Zero(t, spend, "ten days later no stored day is in the window")
}

// Platform statuses and the simulator's changes carry the clock's times.
func TestTimesFollowTheClock(t *testing.T) {
	t.Parallel()
	ps, c, tenant, campaign := setupClock(t)
	ctx := context.Background()
	status := func() platforms.PlatformStatus {
		t.Helper()
		st, err := ps.Simulator().Status(ctx, tenant)
		require.NoError(t, err)
		return st
	}

	st := status()
	require.Equal(t, start, st.ChangedAt.UTC(), "seeding set the status")
	require.Equal(t, start, st.CheckedAt.UTC())

	c.Advance(time.Hour)
	require.NoError(t, ps.Simulator().Tick(ctx, tenant))
	st = status()
	require.Equal(t, start, st.ChangedAt.UTC(), "the same status keeps its change time")
	require.Equal(t, start.Add(time.Hour), st.CheckedAt.UTC(), "and is checked at the clock's time")

	c.Advance(time.Hour)
	budget := campaign.DailyBudget() + 1
	_, err := ps.Simulator().Apply(ctx, tenant, platforms.Change{IdempotencyKey: "clock", CampaignID: campaign.ID, DailyBudget: &budget})
	require.NoError(t, err)
	cs, err := ps.Campaigns(ctx, tenant, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{campaign.ID}})
	require.NoError(t, err)
	require.Equal(t, start.Add(2*time.Hour), cs[0].UpdatedAt.UTC())
	require.Equal(t, start.Add(-30*24*time.Hour), cs[0].CreatedAt.UTC(), "seeded campaigns are 30 days old by the clock")
	var applied time.Time
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT applied_at FROM simulator_applied_changes WHERE idempotency_key = 'clock'").Scan(ctx, &applied)
	}))
	require.Equal(t, start.Add(2*time.Hour), applied.UTC())
}
