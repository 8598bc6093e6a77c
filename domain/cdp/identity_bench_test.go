package cdp_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkIdentity measures identity resolution against a baseline in
// the same run: one tenant transaction reading one profile by primary key
// (the least any resolve does). Custom metrics: p99 latency of a call and
// ops/s (merges/s for the merge runs).
//
//	go test -run '^$' -bench BenchmarkIdentity -benchtime 2000x ./domain/cdp/
func BenchmarkIdentity(b *testing.B) {
	tdb := testdb.New(b)
	idt := cdp.NewIdentity(tdb.DB)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	seed, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{idtEmail("seed@example.com")}, at)
	if err != nil {
		b.Fatal(err)
	}
	var run atomic.Int64 // distinct identifiers per sub-benchmark run

	// timed runs op b.N times and reports its p99 and rate.
	timed := func(b *testing.B, unit string, setup func(i int), op func(i int) error) {
		r := run.Add(1)
		lat := make([]time.Duration, 0, b.N)
		var total time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if setup != nil {
				b.StopTimer()
				setup(int(r)*10_000_000 + i)
				b.StartTimer()
			}
			t0 := time.Now()
			if err := op(int(r)*10_000_000 + i); err != nil {
				b.Fatal(err)
			}
			d := time.Since(t0)
			lat = append(lat, d)
			total += d
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(b.N)/total.Seconds(), unit+"/s")
	}

	b.Run("baseline-read-by-pk", func(b *testing.B) {
		timed(b, "reads", nil, func(int) error {
			return tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
				var id uuid.UUID
				return tx.NewRaw("SELECT id FROM cdp_profiles WHERE tenant_id = ? AND id = ?", tenant, seed).Scan(ctx, &id)
			})
		})
	})
	b.Run("lookup-by-identifier", func(b *testing.B) {
		timed(b, "lookups", nil, func(int) error {
			_, err := idt.Lookup(ctx, tenant, idtEmail("Seed@example.com"))
			return err
		})
	})
	b.Run("resolve-known", func(b *testing.B) {
		timed(b, "resolves", nil, func(int) error {
			_, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{idtEmail("seed@example.com")}, at)
			return err
		})
	})
	b.Run("resolve-new-profile", func(b *testing.B) {
		timed(b, "resolves", nil, func(i int) error {
			_, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{idtAnon(fmt.Sprint("new-", i)), idtDevice(fmt.Sprint("dev-", i))}, at)
			return err
		})
	})
	b.Run("merge-two-profiles", func(b *testing.B) {
		setup := func(i int) {
			for _, id := range []cdp.Identifier{idtAnon(fmt.Sprint("x-", i)), idtEmail(fmt.Sprintf("y-%d@example.com", i))} {
				if _, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{id}, at); err != nil {
					b.Fatal(err)
				}
			}
		}
		timed(b, "merges", setup, func(i int) error {
			_, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{idtAnon(fmt.Sprint("x-", i)), idtEmail(fmt.Sprintf("y-%d@example.com", i))}, at)
			return err
		})
	})
	pairs := func(i int) []cdp.ResolveCall {
		in := make([]cdp.ResolveCall, 100)
		for j := range in {
			in[j] = cdp.ResolveCall{SeenAt: at, Identifiers: []cdp.Identifier{
				idtAnon(fmt.Sprintf("bx-%d-%d", i, j)), idtEmail(fmt.Sprintf("by-%d-%d@example.com", i, j)),
			}}
		}
		return in
	}
	b.Run("batch-100-merges", func(b *testing.B) { // per op: 100 merges of two profiles in one transaction
		setup := func(i int) {
			var singles []cdp.ResolveCall
			for _, c := range pairs(i) {
				for _, id := range c.Identifiers {
					singles = append(singles, cdp.ResolveCall{SeenAt: at, Identifiers: []cdp.Identifier{id}})
				}
			}
			if _, err := idt.ResolveBatch(ctx, tenant, singles); err != nil {
				b.Fatal(err)
			}
		}
		timed(b, "batches", setup, func(i int) error {
			_, err := idt.ResolveBatch(ctx, tenant, pairs(i))
			return err
		})
	})
	b.Run("batch-100-new-profiles", func(b *testing.B) {
		timed(b, "batches", nil, func(i int) error {
			_, err := idt.ResolveBatch(ctx, tenant, pairs(i))
			return err
		})
	})
}

// BenchmarkIdentityParallelMerges merges pairs of profiles from 8
// goroutines at once (each pair once); merges/s over the wall time.
//
//	go test -run '^$' -bench BenchmarkIdentityParallelMerges -benchtime 2000x ./domain/cdp/
func BenchmarkIdentityParallelMerges(b *testing.B) {
	tdb := testdb.New(b)
	idt := cdp.NewIdentity(tdb.DB)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{})
	ctx := context.Background()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		for _, id := range []cdp.Identifier{idtAnon(fmt.Sprint("x-", i)), idtEmail(fmt.Sprintf("y-%d@example.com", i))} {
			if _, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{id}, at); err != nil {
				b.Fatal(err)
			}
		}
	}
	var next atomic.Int64
	b.SetParallelism(4) // 4 × GOMAXPROCS (2 here) = 8 goroutines
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			if _, _, err := idt.Resolve(ctx, tenant, []cdp.Identifier{idtAnon(fmt.Sprint("x-", i)), idtEmail(fmt.Sprintf("y-%d@example.com", i))}, at); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "merges/s")
}
