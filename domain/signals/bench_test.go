package signals_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/testdb"
)

const (
	benchTenants   = 1000
	benchPlatforms = "ARRAY['META','GOOGLE','TIKTOK','SNAPCHAT']"
)

// seedBench creates benchTenants tenants with 4 platforms each: 30 days of
// 8 daily metrics and 24 hourly EMQ values per platform (≈ 1,050
// measurements per tenant, ≈ 1.05 M in all), written as the owner in bulk.
func seedBench(b *testing.B, tdb *testdb.DB) []uuid.UUID {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`INSERT INTO tenants (id, name, slug) SELECT gen_random_uuid(), 'bench ' || i, 'bench-' || i FROM generate_series(1, ` + itoa(benchTenants) + `) i`,
		`INSERT INTO signal_measurements (tenant_id, platform, metric, source, observed_at, value)
		 SELECT t.id, p, m, 'bench', now() - make_interval(days => d) - interval '1 hour', 100 + 10 * random()
		 FROM tenants t, unnest(` + benchPlatforms + `) p,
		      unnest(ARRAY['spend','conversions','cpa','roas','platform_revenue','first_party_revenue','platform_conversions','first_party_conversions']) m,
		      generate_series(0, 29) d`,
		`INSERT INTO signal_measurements (tenant_id, platform, metric, source, observed_at, value)
		 SELECT t.id, p, 'emq', 'bench', now() - make_interval(hours => h), 7 + 2 * random()
		 FROM tenants t, unnest(` + benchPlatforms + `) p, generate_series(0, 23) h`,
		`VACUUM ANALYZE signal_measurements`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT id FROM tenants ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		b.Fatal(err)
	}
	return ids
}

func itoa(n int) string { return strconv.Itoa(n) }

// BenchmarkRecompute measures signal-health recompute for 1,000 tenants × 4
// platforms, with the incident and autopilot listeners wired as in
// production. "one-tenant" is the baseline measured in the same run;
// "all-1000-*" report one full sweep per op and tenants/s.
func BenchmarkRecompute(b *testing.B) {
	tdb := testdb.New(b)
	start := time.Now()
	ids := seedBench(b, tdb)
	b.Logf("seeded %d tenants in %s", len(ids), time.Since(start).Round(time.Millisecond))
	s := &signals.Service{DB: tdb.DB, Config: signals.DefaultConfig()}
	inc := &incidents.Service{DB: tdb.DB}
	s.Listeners = []signals.Listener{inc, &automation.Service{DB: tdb.DB, Incidents: inc}}
	ctx := context.Background()
	// Warm up: first recompute inserts health rows and settings.
	sweep(b, s, ids, 10)

	b.Run("one-tenant", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Recompute(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, workers := range []int{1, 10} {
		b.Run("all-1000-workers-"+itoa(workers), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sweep(b, s, ids, workers)
			}
			b.ReportMetric(float64(len(ids)*b.N)/b.Elapsed().Seconds(), "tenants/s")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(len(ids)*b.N), "µs/tenant")
		})
	}
}

func sweep(b *testing.B, s *signals.Service, ids []uuid.UUID, workers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				if _, err := s.Recompute(ctx, ids[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
