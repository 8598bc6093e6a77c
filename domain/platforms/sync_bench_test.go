package platforms_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkInsightsWrite writes 1,000 campaigns × 90 days of insights
// (90,000 rows, 13 chunks of 7 days) through the sync's upsert path from an
// in-memory API serving pages of 500 rows, and reports rows written per
// second; fetch_rows/s is the same API read alone (no database), the
// baseline to pair it with (the Meta fake's serving rate replaces it in
// docs/benchmarks.md). Every iteration rewrites the same keys (a backfill
// over existing rows: the upsert's update path).
func BenchmarkInsightsWrite(b *testing.B) {
	tdb := testdb.New(b)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{Name: "Bench"})
	ps := platforms.NewService(tdb.DB, nil)
	ps.DB.Clock = clock.NewManual(syncStart)
	ps.Tokens = stubTokens{platforms.Token{AccessToken: "tok"}}
	fake := newFake(platforms.Meta, 1000)
	fake.pageSize = 500
	ps.APIs[platforms.Meta] = fake
	ctx := context.Background()
	conn, _ := connect(b, ps, tenant, platforms.Meta, "UTC")
	run := request(b, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.NoError(b, ps.RunSync(ctx, tenant, run.ID, time.Time{}))

	var fetched int
	start := time.Now()
	require.NoError(b, fake.Insights(ctx, platforms.Token{}, platforms.Account{}, "2025-12-11", "2026-03-10", func(p []platforms.Insight) error {
		fetched += len(p)
		return nil
	}))
	fetchRate := float64(fetched) / time.Since(start).Seconds()

	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		run := request(b, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncBackfill})
		require.NoError(b, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
		rows += runOf(b, ps, tenant, run.ID).RowsWritten
	}
	b.StopTimer()
	require.EqualValues(b, 90_000*b.N, rows)
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(fetchRate, "fetch_rows/s")
}
