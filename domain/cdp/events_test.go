package cdp

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// EnsurePartitions makes this month's and the next two months' partitions
// once (the periodic job may run any number of times), from the database
// clock.
func TestEnsurePartitionsMakesThreeMonthsOnce(t *testing.T) {
	tdb := testdb.New(t)
	tdb.DB.Clock = clock.NewManual(time.Date(2031, 11, 30, 23, 59, 0, 0, time.UTC))
	s := &Service{DB: tdb.DB}
	ctx := context.Background()
	n, err := s.EnsurePartitions(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	n, err = s.EnsurePartitions(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SET TimeZone = 'UTC'")
	require.NoError(t, err)
	rows, err := conn.Query(ctx, `SELECT c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'cdp_events'::regclass AND c.relname >= 'cdp_events_2031' ORDER BY 1`)
	require.NoError(t, err)
	parts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{
		"cdp_events_2031_11 FOR VALUES FROM ('2031-11-01 00:00:00+00') TO ('2031-12-01 00:00:00+00')",
		"cdp_events_2031_12 FOR VALUES FROM ('2031-12-01 00:00:00+00') TO ('2032-01-01 00:00:00+00')",
		"cdp_events_2032_01 FOR VALUES FROM ('2032-01-01 00:00:00+00') TO ('2032-02-01 00:00:00+00')",
	}, parts)
}
