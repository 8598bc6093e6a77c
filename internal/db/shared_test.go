package db_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
)

// readTx returns the id of the transaction InTenant runs fn in, and the items it sees.
func readTx(ctx context.Context, tdb *testdb.DB, tenant uuid.UUID) (id int64, bodies []string, err error) {
	err = tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT txid_current()").Scan(ctx, &id); err != nil {
			return err
		}
		return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
	})
	return id, bodies, err
}

func txID(t *testing.T, tdb *testdb.DB, ctx context.Context, tenant uuid.UUID) (int64, []string) {
	t.Helper()
	id, bodies, err := readTx(ctx, tdb, tenant)
	require.NoError(t, err)
	return id, bodies
}

func TestSharedTxRunsARequestsReadsInOneTransaction(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")

	t.Run("without it, each call has its own transaction", func(t *testing.T) {
		x, _ := txID(t, tdb, context.Background(), a)
		y, _ := txID(t, tdb, context.Background(), a)
		require.NotEqual(t, x, y)
	})
	t.Run("concurrent calls of one request share one transaction and one connection", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		before := tdb.Pool.Stat().AcquireCount()
		ids := make([]int64, 8)
		bodies := make([][]string, len(ids))
		errs := make([]error, len(ids))
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], bodies[i], errs[i] = readTx(ctx, tdb, a)
			}()
		}
		wg.Wait()
		require.Equal(t, int64(1), tdb.Pool.Stat().AcquireCount()-before)
		for i, id := range ids {
			require.NoError(t, errs[i])
			require.Equal(t, []string{"item of A"}, bodies[i])
			require.Equal(t, ids[0], id)
		}
		other, theirs := txID(t, tdb, ctx, b)
		require.NotEqual(t, ids[0], other, "another tenant's call takes its own transaction")
		require.Equal(t, []string{"item of B"}, theirs)
		end()
		after, _ := txID(t, tdb, ctx, a)
		require.NotEqual(t, ids[0], after, "after end, calls take their own transactions")
	})
	t.Run("a failed call rolls back and the next call starts afresh", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		defer end()
		first, _ := txID(t, tdb, ctx, a)
		err := tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "SELECT 1/0")
			return err
		})
		require.Error(t, err)
		second, bodies := txID(t, tdb, ctx, a)
		require.NotEqual(t, first, second)
		require.Equal(t, []string{"item of A"}, bodies)
	})
	t.Run("a nested call takes its own transaction instead of waiting for the shared one", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		defer end()
		var outer, inner int64
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw("SELECT txid_current()").Scan(ctx, &outer); err != nil {
				return err
			}
			inner, _ = txID(t, tdb, ctx, a)
			return nil
		}))
		require.NotEqual(t, outer, inner)
	})
	t.Run("the shared transaction is read-only: a write fails loudly and changes nothing", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		_, bodies := txID(t, tdb, ctx, a) // a read in it works (the shared transaction is open)
		require.Equal(t, []string{"item of A"}, bodies)
		err := tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'written in a read')", a, uuid.New())
			return err
		})
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		require.Equal(t, "25006", pgErr.Code, "read_only_sql_transaction: %v", err)
		end()
		_, bodies = txID(t, tdb, context.Background(), a)
		require.Equal(t, []string{"item of A"}, bodies)
	})
	t.Run("control: the same write in InTenantRW, inside the shared context, commits", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		shared, _ := txID(t, tdb, ctx, a)
		var own int64
		require.NoError(t, tdb.InTenantRW(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw("SELECT txid_current()").Scan(ctx, &own); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'second of A')", a, uuid.New())
			return err
		}))
		require.NotEqual(t, shared, own, "its own transaction")
		end()
		_, bodies := txID(t, tdb, context.Background(), a)
		require.ElementsMatch(t, []string{"item of A", "second of A"}, bodies)
	})
	t.Run("control: outside a shared context InTenant writes", func(t *testing.T) {
		require.NoError(t, tdb.InTenant(context.Background(), b, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'second of B')", b, uuid.New())
			return err
		}))
		_, bodies := txID(t, tdb, context.Background(), b)
		require.ElementsMatch(t, []string{"item of B", "second of B"}, bodies)
	})
}
