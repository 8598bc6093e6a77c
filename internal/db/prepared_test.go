package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
)

// sharedRead runs q (bun formats no arguments into it) as one request's
// shared read of tenant and returns its rows' first column.
func sharedRead(t *testing.T, d *db.DB, tenant uuid.UUID, q string) []string {
	t.Helper()
	ctx, end := d.WithSharedTx(context.Background(), tenant)
	defer end()
	var out []string
	require.NoError(t, d.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(q).Scan(ctx, &out)
	}))
	return out
}

// preparedTexts is what the connection has prepared under the implicit
// path's names (read on the same connection, as a query of its own).
func preparedTexts(t *testing.T, d *db.DB, tenant uuid.UUID) []string {
	t.Helper()
	return sharedRead(t, d, tenant, `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'stratum\_r%' ORDER BY statement`)
}

// An implicit read's text is prepared the second time the connection runs
// it and goes by name after that; the tenant is still the request's, read
// when the statement runs, never the one it was prepared under.
func TestImplicitReadsArePreparedOnTheirSecondRun(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	b := insertTenant(t, tdb, "B")
	d, _ := oneConnDB(t, tdb)
	const q = `SELECT body FROM items ORDER BY body`

	require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))
	require.NotContains(t, preparedTexts(t, d, a), q, "run once: not prepared")
	require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))
	require.Contains(t, preparedTexts(t, d, a), q, "run twice: prepared")
	n := len(preparedTexts(t, d, a))

	// Prepared under A, run for B: B's rows only, and A's again for A.
	require.Equal(t, []string{"item of B"}, sharedRead(t, d, b, q))
	require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))
	require.Len(t, preparedTexts(t, d, a), n, "by name: not prepared again")

	// A failing statement prepares nothing and leaves the connection usable.
	const bad = `SELECT body FROM no_such_table`
	for range 3 {
		ctx, end := d.WithSharedTx(context.Background(), a)
		err := d.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			var out []string
			return tx.NewRaw(bad).Scan(ctx, &out)
		})
		end()
		require.ErrorContains(t, err, "no_such_table")
	}
	require.NotContains(t, preparedTexts(t, d, a), bad)
	require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))

	// A statement the session lost (DISCARD ALL, DEALLOCATE) is sent again
	// unnamed, and the connection prepares nothing more.
	require.NoError(t, d.InTenant(context.Background(), a, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DEALLOCATE ALL")
		return err
	}))
	for range 3 {
		require.Equal(t, []string{"item of B"}, sharedRead(t, d, b, q))
		require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))
	}
	require.Empty(t, preparedTexts(t, d, a))
}

// A table changed under a prepared read (a migration adds a column: the
// prepared statement "must not change result type", 0A000) does not fail
// the read, nor any read after it on that connection.
func TestImplicitReadsSurviveATableChange(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	d, _ := oneConnDB(t, tdb)
	const q = `SELECT * FROM items ORDER BY body`
	read := func() []map[string]any {
		ctx, end := d.WithSharedTx(context.Background(), a)
		defer end()
		var rows []map[string]any
		require.NoError(t, d.InTenant(ctx, a, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(q).Scan(ctx, &rows)
		}))
		return rows
	}
	read()
	read()
	require.Contains(t, preparedTexts(t, d, a), q, "positive control: the read is prepared")

	owner, err := pgx.Connect(context.Background(), tdb.OwnerURL)
	require.NoError(t, err)
	_, err = owner.Exec(context.Background(), `ALTER TABLE items ADD COLUMN extra text NOT NULL DEFAULT 'added'`)
	owner.Close(context.Background())
	require.NoError(t, err)

	for range 3 {
		rows := read()
		require.Len(t, rows, 1)
		require.Equal(t, "item of A", rows[0]["body"])
		require.Equal(t, "added", rows[0]["extra"])
		require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, `SELECT body FROM items`))
	}
}

// The statements prepared on a connection are bounded (least recently used
// deallocated first), and a long text is never prepared.
func TestImplicitPreparedStatementsAreBounded(t *testing.T) {
	t.Parallel()
	tdb := newDB(t)
	a := insertTenant(t, tdb, "A")
	d, _ := oneConnDB(t, tdb)
	const keep = `SELECT body FROM items WHERE body <> 'kept'`
	sharedRead(t, d, a, keep)
	sharedRead(t, d, a, keep)
	for i := range 300 {
		q := fmt.Sprintf(`SELECT body FROM items WHERE body <> 'x%d'`, i)
		sharedRead(t, d, a, q)
		require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, q))
		if i%50 == 0 {
			sharedRead(t, d, a, keep) // recently used: kept
		}
	}
	texts := preparedTexts(t, d, a)
	require.LessOrEqual(t, len(texts), 128)
	require.GreaterOrEqual(t, len(texts), 100, "positive control: the cache holds what was used recently")
	require.Contains(t, texts, `SELECT body FROM items WHERE body <> 'x299'`)
	require.Contains(t, texts, keep, "used again lately: kept")
	require.NotContains(t, texts, `SELECT body FROM items WHERE body <> 'x0'`, "the least recently used went first")

	long := `SELECT body FROM items WHERE body <> '` + strings.Repeat("y", 5000) + `'`
	for range 3 {
		require.Equal(t, []string{"item of A"}, sharedRead(t, d, a, long))
	}
	require.NotContains(t, preparedTexts(t, d, a), long)
}
