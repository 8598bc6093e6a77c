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

// readTx returns the backend (connection) InTenant runs fn on, and the
// items it sees.
func readTx(ctx context.Context, tdb *testdb.DB, tenant uuid.UUID) (pid int, bodies []string, err error) {
	err = tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &pid); err != nil {
			return err
		}
		return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
	})
	return pid, bodies, err
}

// txID returns the id of the transaction InTenant runs fn in (a real
// transaction: txid_current assigns one), and the items it sees.
func txID(t *testing.T, tdb *testdb.DB, ctx context.Context, tenant uuid.UUID) (int64, []string) {
	t.Helper()
	var id int64
	var bodies []string
	require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("SELECT txid_current()").Scan(ctx, &id); err != nil {
			return err
		}
		return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
	}))
	return id, bodies
}

func TestSharedTxRunsARequestsReadsOnOneConnection(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")

	t.Run("without it, each call has its own transaction", func(t *testing.T) {
		x, _ := txID(t, tdb, context.Background(), a)
		y, _ := txID(t, tdb, context.Background(), a)
		require.NotEqual(t, x, y)
	})
	t.Run("concurrent calls of one request share one connection", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		defer end()
		before := tdb.Pool.Stat().AcquireCount()
		pids := make([]int, 8)
		bodies := make([][]string, len(pids))
		errs := make([]error, len(pids))
		var wg sync.WaitGroup
		for i := range pids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pids[i], bodies[i], errs[i] = readTx(ctx, tdb, a)
			}()
		}
		wg.Wait()
		require.Equal(t, int64(1), tdb.Pool.Stat().AcquireCount()-before, "one acquisition")
		for i, pid := range pids {
			require.NoError(t, errs[i])
			require.Equal(t, []string{"item of A"}, bodies[i])
			require.Equal(t, pids[0], pid)
		}
		other, theirs, err := readTx(ctx, tdb, b)
		require.NoError(t, err)
		require.NotEqual(t, pids[0], other, "another tenant's call takes its own connection")
		require.Equal(t, []string{"item of B"}, theirs)
		end()
		before = tdb.Pool.Stat().AcquireCount()
		_, _, err = readTx(ctx, tdb, a)
		require.NoError(t, err)
		require.Equal(t, int64(1), tdb.Pool.Stat().AcquireCount()-before, "after end, calls take their own")
	})
	t.Run("a failed call rolls back and the next call starts afresh", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		defer end()
		for _, fail := range []func(ctx context.Context, tx bun.Tx) error{
			func(ctx context.Context, tx bun.Tx) error { // a query: its own implicit transaction
				var n int
				return tx.NewRaw("SELECT 1/0").Scan(ctx, &n)
			},
			func(ctx context.Context, tx bun.Tx) error { // a statement: in a real transaction
				_, err := tx.ExecContext(ctx, "SELECT 1/0")
				return err
			},
		} {
			_, _, err := readTx(ctx, tdb, a)
			require.NoError(t, err)
			require.Error(t, tdb.InTenant(ctx, a, fail))
			_, bodies, err := readTx(ctx, tdb, a)
			require.NoError(t, err)
			require.Equal(t, []string{"item of A"}, bodies)
		}
	})
	t.Run("a nested call takes its own transaction instead of waiting for the shared one", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		defer end()
		var outer, inner int
		require.NoError(t, tdb.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &outer); err != nil {
				return err
			}
			var err error
			inner, _, err = readTx(ctx, tdb, a)
			return err
		}))
		require.NotEqual(t, outer, inner)
	})
	t.Run("the shared transaction is read-only: a write fails loudly and changes nothing", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		_, bodies, err := readTx(ctx, tdb, a) // a read in it works (the shared transaction is open)
		require.NoError(t, err)
		require.Equal(t, []string{"item of A"}, bodies)
		for _, write := range []func(ctx context.Context, tx bun.Tx) error{
			func(ctx context.Context, tx bun.Tx) error { // a query: its own implicit transaction
				var id uuid.UUID
				return tx.NewRaw("INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'written in a read') RETURNING id", a, uuid.New()).
					Scan(ctx, &id)
			},
			func(ctx context.Context, tx bun.Tx) error { // a statement: in a real transaction
				_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'written in a read')", a, uuid.New())
				return err
			},
		} {
			err := tdb.InTenant(ctx, a, write)
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr)
			require.Equal(t, "25006", pgErr.Code, "read_only_sql_transaction: %v", err)
		}
		end()
		_, bodies = txID(t, tdb, context.Background(), a)
		require.Equal(t, []string{"item of A"}, bodies)
	})
	t.Run("control: the same write in InTenantRW, inside the shared context, commits", func(t *testing.T) {
		ctx, end := tdb.WithSharedTx(context.Background(), a)
		shared, _, err := readTx(ctx, tdb, a)
		require.NoError(t, err)
		var own int
		require.NoError(t, tdb.InTenantRW(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw("SELECT pg_backend_pid()").Scan(ctx, &own); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO items (tenant_id, id, body) VALUES (?, ?, 'second of A')", a, uuid.New())
			return err
		}))
		require.NotEqual(t, shared, own, "its own transaction, on its own connection")
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
