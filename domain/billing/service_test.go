package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*billing.Service, *clock.Manual, *testdb.DB) {
	t.Helper()
	tdb := testdb.New(t)
	clk := clock.NewManual(t0)
	tdb.DB.Clock = clk
	return &billing.Service{DB: tdb.DB}, clk, tdb
}

// Every tenant has a billing row from its first moment, on the plan it was
// created with.
func TestANewTenantHasItsBillingRow(t *testing.T) {
	s, _, tdb := setup(t)
	ctx := context.Background()
	pro := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	e, err := s.Entitlements(ctx, pro)
	require.NoError(t, err)
	require.Equal(t, billing.Professional, e.Plan)
	require.Equal(t, billing.Active, e.State.Status)
	require.True(t, e.Enabled(billing.Autopilot))
	require.False(t, e.Enabled(billing.CompetitorIntel))

	starter := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	e, err = s.Entitlements(ctx, starter)
	require.NoError(t, err)
	require.Equal(t, billing.Starter, e.Plan)
	require.False(t, e.Enabled(billing.Autopilot))
	require.EqualValues(t, 3, e.Limit(billing.Members))
}

// A trial gives the trial plan until it ends, then Starter's flags.
func TestATrialLapsesToStarter(t *testing.T) {
	s, clk, tdb := setup(t)
	ctx := context.Background()
	tn := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, tdb.DB.InTenant(ctx, tn, func(ctx context.Context, tx bun.Tx) error {
		return s.StartTrialTx(ctx, tx, tn)
	}))
	e, err := s.Entitlements(ctx, tn)
	require.NoError(t, err)
	require.Equal(t, billing.Trialing, e.State.Status)
	require.Equal(t, t0.Add(billing.DefaultTrial), e.State.TrialEndsAt.UTC())
	require.True(t, e.Enabled(billing.CDP), "a trial has Professional's flags")

	clk.Advance(billing.DefaultTrial)
	e, err = s.Entitlements(ctx, tn)
	require.NoError(t, err)
	require.Equal(t, billing.Starter, e.Plan)
	require.False(t, e.Enabled(billing.CDP), "the lapsed trial falls back to Starter")
	require.True(t, e.Enabled(billing.AutomationRules))
}

// Overrides beat the global force, which beats the plan; an expired
// override no longer counts; one tenant's override is not another's.
func TestResolutionOrder(t *testing.T) {
	s, clk, tdb := setup(t)
	ctx := context.Background()
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	s.Config.Force = map[billing.Flag]bool{billing.AutomationRules: false, billing.CDP: true}
	until := t0.Add(time.Hour)
	require.NoError(t, tdb.DB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&billing.Override{TenantID: a, Flag: billing.CDP, Enabled: false,
			ExpiresAt: &until, SetBy: "operator@example.test", CreatedAt: t0}).Exec(ctx)
		return err
	}))

	ea, err := s.Entitlements(ctx, a)
	require.NoError(t, err)
	cdp := ea.Feature(billing.CDP)
	require.False(t, cdp.Enabled)
	require.Equal(t, billing.FromOverride, cdp.Source)
	require.Equal(t, billing.FromGlobal, ea.Feature(billing.AutomationRules).Source)
	require.False(t, ea.Enabled(billing.AutomationRules))
	require.Equal(t, billing.FromPlan, ea.Feature(billing.Autopilot).Source)

	eb, err := s.Entitlements(ctx, b)
	require.NoError(t, err)
	require.True(t, eb.Enabled(billing.CDP), "A's override does not reach B")
	require.Equal(t, billing.FromGlobal, eb.Feature(billing.CDP).Source)

	clk.Advance(time.Hour)
	ea, err = s.Entitlements(ctx, a)
	require.NoError(t, err)
	require.True(t, ea.Enabled(billing.CDP), "the expired override is ignored")
	require.Equal(t, billing.FromGlobal, ea.Feature(billing.CDP).Source)
	require.Len(t, ea.Features(), len(billing.Flags()))
}

// Past due keeps the paid plan until the grace period ends.
func TestPastDueWithinGrace(t *testing.T) {
	end := t0.Add(7 * 24 * time.Hour)
	st := billing.State{TenantID: uuid.New(), Plan: billing.Professional, Status: billing.PastDue, GraceEndsAt: &end}
	require.Equal(t, billing.Professional, st.EffectivePlan(t0))
	require.Equal(t, billing.Starter, st.EffectivePlan(end))
	st.Status = billing.Canceled
	require.Equal(t, billing.Starter, st.EffectivePlan(t0))
	st.Status = billing.Active
	require.Equal(t, billing.Professional, st.EffectivePlan(end))
}

// The SQL rule that log-in, refresh and API keys read the plan through
// (stratum_effective_plan, migration 0034) is State.EffectivePlan.
func TestSQLEffectivePlanIsGo(t *testing.T) {
	t.Parallel()
	_, _, tdb := setup(t)
	ctx := context.Background()
	before, after := t0.Add(-time.Hour), t0.Add(time.Hour)
	for _, st := range []billing.State{
		{Plan: billing.Enterprise, Status: billing.Active},
		{Plan: billing.Professional, Status: billing.Trialing, TrialEndsAt: &after},
		{Plan: billing.Professional, Status: billing.Trialing, TrialEndsAt: &before},
		{Plan: billing.Professional, Status: billing.Trialing},
		{Plan: billing.Professional, Status: billing.PastDue, GraceEndsAt: &after},
		{Plan: billing.Professional, Status: billing.PastDue, GraceEndsAt: &before},
		{Plan: billing.Professional, Status: billing.PastDue},
		{Plan: billing.Enterprise, Status: billing.Canceled},
	} {
		var got string
		require.NoError(t, tdb.DB.Bun.NewRaw("SELECT stratum_effective_plan(?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz)",
			st.Plan, st.Status, st.TrialEndsAt, st.GraceEndsAt, t0).Scan(ctx, &got))
		require.Equal(t, string(st.EffectivePlan(t0)), got, "%+v", st)
	}
}

// A read of the entitlements leaves its plan as the process's hint; an
// operator's plan change here forgets it, and the next read hints the new
// plan.
func TestEntitlementsReadsHintThePlan(t *testing.T) {
	s, _, tdb := setup(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	_, ok := s.PlanHint(tenant)
	require.False(t, ok, "nothing read yet")
	_, err := s.Entitlements(ctx, tenant)
	require.NoError(t, err)
	p, ok := s.PlanHint(tenant)
	require.True(t, ok)
	require.Equal(t, billing.Starter, p)

	_, err = s.SetPlan(ctx, billing.Operator{ID: uuid.New(), Email: "ops@stratum.test"}, tenant, "ENTERPRISE")
	require.NoError(t, err)
	_, ok = s.PlanHint(tenant)
	require.False(t, ok, "the change forgot the hint")
	_, err = s.Entitlements(ctx, tenant)
	require.NoError(t, err)
	p, ok = s.PlanHint(tenant)
	require.True(t, ok)
	require.Equal(t, billing.Enterprise, p)
}
