package platforms

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// insightColumns.exec encodes PostgreSQL's binary arrays itself: every
// column round-trips, extreme values and dates on both sides of 2000-01-01
// and 1970-01-01 included, and the upsert changes only what differs.
func TestInsightColumnsBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Encode"})
	ctx := context.Background()
	day := func(s string) int32 {
		d, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return pgDate(d)
	}
	a, b := uuid.New(), uuid.New()
	var cols insightColumns
	cols.add(a, day("1999-12-31"), insightValues{spend: math.MaxInt64, imps: 0, clicks: 1, conv: 0.25, rev: 7})
	cols.add(a, day("2000-01-01"), insightValues{spend: 1, imps: 2, clicks: 3, conv: 1e-9, rev: 4})
	cols.add(b, day("1969-12-31"), insightValues{spend: 5, imps: 6, clicks: 7, conv: 12345.678, rev: 8})
	cols.add(b, day("2026-12-04"), insightValues{spend: 9, imps: math.MaxInt64, clicks: 10, conv: 0, rev: math.MaxInt64})
	write := func(c *insightColumns, sql string) {
		require.NoError(t, tdb.DB.InTenantConn(ctx, tenant, func(ctx context.Context, _ bun.Tx, raw db.PgxConn) error {
			return raw(ctx, func(conn *pgx.Conn) error { return c.exec(ctx, conn, sql, tenant) })
		}))
	}
	type row struct {
		Campaign uuid.UUID `bun:"campaign_id"`
		Day      string    `bun:"day"`
		Spend    int64     `bun:"spend_micros"`
		Imps     int64     `bun:"impressions"`
		Clicks   int64     `bun:"clicks"`
		Conv     float64   `bun:"conversions"`
		Rev      int64     `bun:"revenue_micros"`
	}
	read := func() []row {
		var rows []row
		require.NoError(t, tdb.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT campaign_id, day::text AS day, spend_micros, impressions, clicks, conversions, revenue_micros
				FROM ad_campaign_metrics ORDER BY day`).Scan(ctx, &rows)
		}))
		return rows
	}
	write(&cols, insertInsights)
	require.Equal(t, []row{
		{b, "1969-12-31", 5, 6, 7, 12345.678, 8},
		{a, "1999-12-31", math.MaxInt64, 0, 1, 0.25, 7},
		{a, "2000-01-01", 1, 2, 3, 1e-9, 4},
		{b, "2026-12-04", 9, math.MaxInt64, 10, 0, math.MaxInt64},
	}, read())

	var changed insightColumns
	changed.add(a, day("2000-01-01"), insightValues{spend: 11, imps: 2, clicks: 3, conv: 1e-9, rev: 4})
	changed.add(b, day("2026-12-05"), insightValues{spend: 1})
	write(&changed, upsertInsights)
	got := read()
	require.Len(t, got, 5)
	require.Equal(t, row{a, "2000-01-01", 11, 2, 3, 1e-9, 4}, got[2], "the restated row is updated")
	require.Equal(t, row{b, "2026-12-05", 1, 0, 0, 0, 0}, got[4], "the new row is inserted")
}
