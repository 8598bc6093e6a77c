package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
)

// InTenantConn's pgx connection is the transaction's own: it sees the
// tenant setting and the transaction's uncommitted rows, RLS applies to
// it, and its work rolls back with the transaction.
func TestInTenantConnSharesTheTransaction(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	ctx := context.Background()
	a := insertTenant(t, tdb, "A")
	insertTenant(t, tdb, "B")
	errRollback := errors.New("roll back")
	err := tdb.InTenantConn(ctx, a, func(ctx context.Context, tx bun.Tx, raw db.PgxConn) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, gen_random_uuid(), 'uncommitted')", a); err != nil {
			return err
		}
		return raw(ctx, func(c *pgx.Conn) error {
			var setting string
			var bodies []string
			require.NoError(t, c.QueryRow(ctx, "SELECT current_setting('app.tenant_id')").Scan(&setting))
			require.Equal(t, a.String(), setting)
			rows, err := c.Query(ctx, "SELECT body FROM items ORDER BY body")
			require.NoError(t, err)
			bodies, err = pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"item of A", "uncommitted"}, bodies) // B's row is invisible
			return errRollback
		})
	})
	require.ErrorIs(t, err, errRollback)
	var n int
	require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM items").Scan(ctx, &n)
	}))
	require.Equal(t, 1, n, "the uncommitted row rolled back")
}
