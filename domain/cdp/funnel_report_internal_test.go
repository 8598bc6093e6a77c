package cdp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/testdb"
)

// The report reads only the partitions received from a day before its
// range on (PostgreSQL prunes the older ones at plan time).
func TestFunnelReportPrunesOlderPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, tdb.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT stratum_cdp_ensure_partitions(?, 12)", start)
		return err
	}))
	f := &Funnel{ID: uuid.New(), WindowSeconds: 3600, Steps: []FunnelStep{{Event: "A"}, {Event: "B",
		Filter: &PropertyFilter{Path: []string{"x"}, Operator: FilterGreaterThan, Value: "1"}}}}
	from := time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	q, args := funnelSQL(tenant, f, from, from.AddDate(0, 0, 7), &Breakdown{Source: BreakdownEventProperty, Path: []string{"p"}})
	var plan []string
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("EXPLAIN "+q, args...).Scan(ctx, &plan)
	}))
	text := strings.Join(plan, "\n")
	require.Contains(t, text, "cdp_events_2026_06", "the range's partition is read (positive control)")
	require.Contains(t, text, "cdp_events_2026_09", "later partitions are read: events arrive late")
	for _, old := range []string{"cdp_events_2026_01", "cdp_events_2026_03", "cdp_events_2026_05"} {
		require.NotContains(t, text, old)
	}
}

// A statement stopped by its statement_timeout becomes THROTTLED saying
// what took too long; other errors pass unchanged.
func TestMapTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	err := tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL statement_timeout = 20"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "SELECT pg_sleep(10)")
		return mapTimeout(err, "the funnel report")
	})
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.Throttled, e.Code)
	require.Contains(t, e.Message, "the funnel report took too long")
	err = tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT 1/0")
		return mapTimeout(err, "the funnel report")
	})
	require.Error(t, err)
	require.NotEqual(t, apperr.Throttled, apperr.CodeOf(err), "a division by zero is no timeout")
}

// The analytical statements run without JIT compilation and under their
// statement timeout (setStatementTimeout): with a large tenant's costs
// PostgreSQL would spend seconds compiling them.
func TestAnalyticalStatementsRunWithoutJIT(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
	require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var jit, timeout string
		if _, err := tx.ExecContext(ctx, "SET LOCAL jit = on"); err != nil {
			return err
		}
		require.NoError(t, tx.NewRaw("SELECT current_setting('jit')").Scan(ctx, &jit))
		require.Equal(t, "on", jit, "positive control")
		require.NoError(t, setStatementTimeout(ctx, tx, 1500*time.Millisecond))
		require.NoError(t, tx.NewRaw("SELECT current_setting('jit'), current_setting('statement_timeout')").Scan(ctx, &jit, &timeout))
		require.Equal(t, "off", jit)
		require.Equal(t, "1500ms", timeout)
		return nil
	}))
}
