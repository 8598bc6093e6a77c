package testdb_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
)

func TestFixtures(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()

	tenant := func(id uuid.UUID) (name, plan string, simulated bool, err error) {
		err = tdb.InTenant(ctx, id, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT t.name, b.plan, t.simulated FROM tenants t JOIN tenant_billing b ON b.tenant_id = t.id").Scan(ctx, &name, &plan, &simulated)
		})
		return
	}

	t.Run("a tenant with defaults is visible in its own transaction only", func(t *testing.T) {
		t.Parallel()
		a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "B", Plan: "enterprise", Simulated: true})
		name, plan, sim, err := tenant(a)
		require.NoError(t, err)
		require.Equal(t, []any{"T", "starter", false}, []any{name, plan, sim})
		name, plan, sim, err = tenant(b)
		require.NoError(t, err)
		require.Equal(t, []any{"B", "enterprise", true}, []any{name, plan, sim})
		var n int
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM tenants").Scan(ctx, &n)
		}))
		require.Equal(t, 1, n, "RLS applies to fixture rows")
	})

	t.Run("a member belongs to its tenant", func(t *testing.T) {
		t.Parallel()
		a := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		b := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
		u := testdb.MustInsertUser(t, tdb.DB, testdb.User{})
		mid := testdb.MustInsertMember(t, tdb.DB, a, u, "ADMIN")
		count := func(tenant uuid.UUID) (n int) {
			require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("SELECT count(*) FROM memberships WHERE id = ? AND user_id = ? AND role = 'ADMIN'", mid, u).Scan(ctx, &n)
			}))
			return n
		}
		require.Equal(t, 1, count(a))
		require.Zero(t, count(b))
	})
}
