package billing_test

import (
	"context"
	"sync/atomic"
	"testing"

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
