package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
)

// newDB is a test database with a tenant table of its own, items, made a
// tenant table by the foundation's stratum_tenant_table as every
// migration's tables are, so these tests do not depend on a domain's table.
func newDB(t testing.TB) *testdb.DB {
	t.Helper()
	tdb := testdb.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE items (
		tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
		id        uuid NOT NULL,
		body      text NOT NULL,
		PRIMARY KEY (tenant_id, id));
		SELECT stratum_tenant_table('items')`)
	require.NoError(t, err)
	return tdb
}

// insertTenant adds a tenant and one item, "item of <name>".
func insertTenant(t testing.TB, tdb *testdb.DB, name string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := tdb.InTenant(context.Background(), id, func(ctx context.Context, tx bun.Tx) error {
		if _, err := testdb.InsertTenant(ctx, tx, testdb.Tenant{ID: id, Name: name}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, ?)", id, uuid.New(), "item of "+name)
		return err
	})
	require.NoError(t, err)
	return id
}

func TestRowLevelSecurity(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	ctx := context.Background()
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")

	t.Run("a tenant transaction sees only its rows without WHERE tenant_id", func(t *testing.T) {
		var bodies []string
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
		}))
		require.Equal(t, []string{"item of A"}, bodies)
		var tenants []string
		require.NoError(t, tdb.InTenant(ctx, b, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("tenants").Column("name").Scan(ctx, &tenants)
		}))
		require.Equal(t, []string{"B"}, tenants)
	})

	t.Run("no tenant set sees nothing", func(t *testing.T) {
		var n int
		require.NoError(t, tdb.Bun.NewSelect().Table("items").ColumnExpr("count(*)").Scan(ctx, &n))
		require.Zero(t, n)
		require.NoError(t, tdb.Bun.NewSelect().Table("tenants").ColumnExpr("count(*)").Scan(ctx, &n))
		require.Zero(t, n)
	})

	t.Run("writing another tenant's row is refused", func(t *testing.T) {
		err := tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'x')", b, uuid.New())
			return err
		})
		require.ErrorContains(t, err, "row-level security")
		var res int64
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			r, err := tx.ExecContext(ctx, "UPDATE items SET body = 'hacked' WHERE tenant_id = ?", b)
			if err == nil {
				res, _ = r.RowsAffected()
			}
			return err
		}))
		require.Zero(t, res)
	})

	t.Run("the app role cannot bypass RLS or own tables", func(t *testing.T) {
		var super, bypass bool
		require.NoError(t, tdb.Pool.QueryRow(ctx, "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").Scan(&super, &bypass))
		require.False(t, super)
		require.False(t, bypass)
		var owned int
		require.NoError(t, tdb.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
			WHERE pg_has_role(current_user, r.oid, 'MEMBER') AND c.relkind IN ('r','p')`).Scan(&owned))
		require.Zero(t, owned)
		_, err := tdb.Pool.Exec(ctx, "ALTER TABLE items DISABLE ROW LEVEL SECURITY")
		require.Error(t, err)
	})
}

// TestEveryTenantTableIsGuarded fails when a migration adds a table with a
// tenant_id column that lacks forced RLS, a policy, or a primary key starting
// with tenant_id, or when a policy of such a table checks anything but
// tenant_id against the current tenant (directly or once per statement, as
// migration 0068 has ad_campaign_metrics do) for reads and writes alike.
func TestEveryTenantTableIsGuarded(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	rows, err := tdb.Pool.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid),
		       (SELECT array_agg(coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' / ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))
		        FROM pg_policy p WHERE p.polrelid = c.oid),
		       COALESCE((SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		                 WHERE i.indrelid = c.oid AND i.indisprimary), '')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r','p') AND NOT c.relispartition
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`)
	require.NoError(t, err)
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, pk string
		var rls, force, policy bool
		var exprs []string
		require.NoError(t, rows.Scan(&name, &rls, &force, &policy, &exprs, &pk))
		n++
		require.True(t, rls && force && policy, "table %s: RLS enabled=%v forced=%v policy=%v", name, rls, force, policy)
		for _, e := range exprs {
			require.Contains(t, []string{
				"(tenant_id = stratum_current_tenant()) / (tenant_id = stratum_current_tenant())",
				"(tenant_id = ( SELECT stratum_current_tenant() AS stratum_current_tenant)) / (tenant_id = ( SELECT stratum_current_tenant() AS stratum_current_tenant))",
			}, e, "table %s: a policy (USING / WITH CHECK)", name)
		}
		require.Equal(t, "tenant_id", pk, "table %s: primary key must start with tenant_id", name)
	}
	require.NoError(t, rows.Err())
	require.NotZero(t, n)
}

// TestEveryTenantViewRunsAsItsReader fails when a migration adds a view
// with a tenant_id column that runs as its owner (who is not subject to the
// tables' row-level security) instead of as the role reading it. The
// positive control: the application role in tenant A reads A's rows
// through conversion_delivery_log, and in tenant B none of them.
func TestEveryTenantViewRunsAsItsReader(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	ctx := context.Background()
	rows, err := tdb.Pool.Query(ctx, `
		SELECT c.relname, coalesce('security_invoker=true' = ANY(c.reloptions) OR 'security_invoker=on' = ANY(c.reloptions), false)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`)
	require.NoError(t, err)
	defer rows.Close()
	var views []string
	for rows.Next() {
		var name string
		var invoker bool
		require.NoError(t, rows.Scan(&name, &invoker))
		require.True(t, invoker, "view %s must be created WITH (security_invoker = true)", name)
		views = append(views, name)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, views, "conversion_delivery_log")

	a, b := insertTenant(t, tdb, "A"), insertTenant(t, tdb, "B")
	dest := uuid.New()
	require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO conversion_sent_requests (tenant_id, destination_id, id, created_at, sent_at, events,
				message_ids, batch_ids, source_ids, received_at, profile_ids, source_events, event_names, event_times, attempts, legal_bases)
			VALUES (?, ?, ?, now(), now(), 1, '{a-marker}', ARRAY[gen_random_uuid()], ARRAY[gen_random_uuid()], ARRAY[now()],
				ARRAY[gen_random_uuid()], '{Order Completed}', '{Purchase}', ARRAY[now()], '{1}', '{CONSENT}')`, a, dest, uuid.New())
		return err
	}))
	seen := func(tenant uuid.UUID) (out []string) {
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT message_id FROM conversion_delivery_log`).Scan(ctx, &out)
		}))
		return out
	}
	require.Equal(t, []string{"a-marker"}, seen(a))
	require.Empty(t, seen(b))
}
