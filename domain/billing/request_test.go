package billing_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Within one request (a context with the request cache) a tenant's
// entitlements are read once: a change made meanwhile shows in the next
// request, and at once without the cache (the control).
func TestEntitlementsAreReadOncePerRequest(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	ctx := context.Background()
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	req := billing.WithRequestCache(ctx)
	e, err := s.For(req, a)
	require.NoError(t, err)
	require.False(t, e.Enabled(billing.CDP))
	eb, err := s.For(req, b)
	require.NoError(t, err)
	require.True(t, eb.Enabled(billing.CompetitorIntel), "each tenant has its own entry")

	on := true
	_, err = s.SetFlag(ctx, billing.Operator{Email: "ops@example.test"}, billing.FlagChange{Tenant: a, Flag: "cdp", Enabled: &on})
	require.NoError(t, err)
	e, err = s.For(req, a)
	require.NoError(t, err)
	require.False(t, e.Enabled(billing.CDP), "the same request keeps its first read")
	e, err = s.For(billing.WithRequestCache(ctx), a)
	require.NoError(t, err)
	require.True(t, e.Enabled(billing.CDP), "the next request reads again")
	e, err = s.For(ctx, a)
	require.NoError(t, err)
	require.True(t, e.Enabled(billing.CDP), "without a cache every call reads")
}

// statements counts the statements bun sends, not its BEGIN and COMMIT.
type statements struct{ n atomic.Int64 }

func (s *statements) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if op := e.Operation(); op != "BEGIN" && op != "COMMIT" && op != "ROLLBACK" {
		s.n.Add(1)
	}
	return ctx
}
func (s *statements) AfterQuery(context.Context, *bun.QueryEvent) {}

// Every signed-in GraphQL operation reads its tenant's entitlements, so the
// read is one statement (one round trip): the billing row with its
// overrides, which still apply (TestResolutionOrder checks their order).
func TestEntitlementsAreOneStatement(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	ctx := context.Background()
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	on := true
	_, err := s.SetFlag(ctx, billing.Operator{Email: "ops@example.test"}, billing.FlagChange{Tenant: a, Flag: "cdp", Enabled: &on})
	require.NoError(t, err)
	n := &statements{}
	tdb.DB.Bun.AddQueryHook(n)
	var e billing.Entitlements
	require.NoError(t, tdb.DB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) (err error) {
		e, err = s.EntitlementsTx(ctx, tx, a)
		return err
	}))
	require.Equal(t, int64(1), n.n.Load())
	require.True(t, e.Enabled(billing.CDP), "the override is read")
	require.Equal(t, billing.FromOverride, e.Feature(billing.CDP).Source)
}

// Entitlements reads the billing row and overrides in its transaction's
// begin message (one round trip fewer, as JSON); what it resolves equals
// EntitlementsTx's bun read of the same rows, field by field — times,
// nullable ids, overrides and their expiry included — and it sends no
// statement of its own (the positive control: EntitlementsTx sends one).
func TestEntitlementsInTheBeginMessageEqualTheStatement(t *testing.T) {
	t.Parallel()
	s, _, tdb := setup(t)
	ctx := context.Background()
	a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	until := t0.Add(90 * time.Minute)
	require.NoError(t, tdb.DB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tenant_billing SET status = 'PAST_DUE', grace_ends_at = ?, stripe_customer_id = 'cus_1',
			current_period_end = ?, cancel_at_period_end = true WHERE tenant_id = ?`, t0.Add(time.Hour), t0.Add(48*time.Hour), a); err != nil {
			return err
		}
		for _, o := range []billing.Override{{TenantID: a, Flag: billing.CDP, Enabled: true, ExpiresAt: &until, SetBy: "ops@example.test", Reason: "pilot", CreatedAt: t0},
			{TenantID: a, Flag: billing.CompetitorIntel, Enabled: false, SetBy: "ops@example.test", CreatedAt: t0}} {
			if _, err := tx.NewInsert().Model(&o).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	n := &statements{}
	tdb.DB.Bun.AddQueryHook(n)
	got, err := s.Entitlements(ctx, a)
	require.NoError(t, err)
	require.Zero(t, n.n.Load(), "read in the begin message")
	var want billing.Entitlements
	require.NoError(t, tdb.DB.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) (err error) {
		want, err = s.EntitlementsTx(ctx, tx, a)
		return err
	}))
	require.Equal(t, int64(1), n.n.Load(), "EntitlementsTx: one statement")

	require.Equal(t, want.Plan, got.Plan)
	require.Equal(t, billing.Professional, got.Plan, "past due within grace keeps the plan")
	require.Equal(t, want.Features(), got.Features())
	require.True(t, got.Enabled(billing.CDP))
	require.Equal(t, billing.FromOverride, got.Feature(billing.CDP).Source)
	require.False(t, got.Enabled(billing.CompetitorIntel))
	ws, gs := want.State, got.State
	require.True(t, ws.GraceEndsAt.Equal(*gs.GraceEndsAt))
	require.True(t, ws.CurrentPeriodEnd.Equal(*gs.CurrentPeriodEnd))
	require.True(t, ws.CreatedAt.Equal(gs.CreatedAt) && ws.UpdatedAt.Equal(gs.UpdatedAt))
	require.Nil(t, gs.TrialEndsAt)
	require.Nil(t, gs.StripeSubscriptionID)
	require.Equal(t, "cus_1", *gs.StripeCustomerID)
	ws.GraceEndsAt, ws.CurrentPeriodEnd, gs.GraceEndsAt, gs.CurrentPeriodEnd = nil, nil, nil, nil
	ws.CreatedAt, ws.UpdatedAt, gs.CreatedAt, gs.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, ws, gs)
}
