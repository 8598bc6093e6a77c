package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// BenchmarkTenantRead interleaves, on one pool, a one-statement tenant read
// as InTenant sent it before issue 16 (BEGIN, set_config, SELECT, COMMIT:
// four round trips) with InTenant now (BEGIN and set_config in one message:
// three), and the shared read transaction's READ ONLY begin, and reports
// each one's mean time and its ratio to the old sequence.
//
// Run: go test -run '^$' -bench TenantRead -benchtime 5000x ./internal/db/
func BenchmarkTenantRead(b *testing.B) {
	tdb := newDB(b)
	a := insertTenant(b, tdb, "A")
	ctx := context.Background()
	read := func(ctx context.Context, tx bun.Tx) error {
		var bodies []string
		return tx.NewSelect().Table("items").Column("body").Scan(ctx, &bodies)
	}
	old := func() error {
		return tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", a.String()); err != nil {
				return err
			}
			return read(ctx, tx)
		})
	}
	now := func() error { return tdb.InTenant(ctx, a, read) }
	shared := func() error {
		sctx, end := tdb.WithSharedTx(ctx, a)
		defer end()
		return tdb.InTenant(sctx, a, read)
	}
	samples := []func() error{old, now, shared}
	for range 100 {
		for _, f := range samples {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	}
	var sums [3]time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range samples {
			k := (i + j) % len(samples)
			start := time.Now()
			if err := samples[k](); err != nil {
				b.Fatal(err)
			}
			sums[k] += time.Since(start)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(sums[0].Microseconds())/n, "old-µs/op")
	b.ReportMetric(float64(sums[1].Microseconds())/n, "intenant-µs/op")
	b.ReportMetric(float64(sums[2].Microseconds())/n, "shared-ro-µs/op")
	b.ReportMetric(float64(sums[1])/float64(sums[0]), "intenant/old")
	b.ReportMetric(float64(sums[2])/float64(sums[0]), "shared-ro/old")
}
