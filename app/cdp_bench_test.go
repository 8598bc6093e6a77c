package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkTrackingBatch is issue 13's ingestion benchmark: /v1/batch
// requests of 100 track events with ≈ 300 bytes of properties each, 200
// distinct bodies (fresh messageIds every request, so nothing is a
// duplicate), at concurrency 8, 32 and 64 through the whole server (HTTP,
// key lookup, validation, group commit with synchronous commit, River job
// per batch) and, as the baseline in the same run, raw COPY of the same
// rows into cdp_events as the table owner (one stream, one transaction).
//
// The server runs as `stratum api` does — without River workers — because
// the figure asked for is the gateway's (RudderStack's gateway is measured
// the same way); with STRATUM_BENCH_WORKERS=1 the batch jobs (identity resolution)
// run in the same process and compete for the two cores.
//
// Per run it reports events/s, the p99 of the acknowledgement, and CPU per
// event: the Go process (server and load generator together, from
// getrusage) and the database's backends serving the test database (from
// /proc; PostgreSQL's background writers are not counted).
//
//	go test -run '^$' -bench TrackingBatch -benchtime 1000x ./app/
func BenchmarkTrackingBatch(b *testing.B) {
	tdb := testdb.New(b)
	cfg := apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "error"})
	url := startTrackingServer(b, cfg, os.Getenv("STRATUM_BENCH_WORKERS") != "")
	srv := struct{ URL string }{url}
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	ctx := context.Background()
	limit := cdp.MaxRateLimit
	svc := benchCDP
	src, key, err := svc.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "bench", RateLimit: &limit})
	if err != nil {
		b.Fatal(err)
	}
	props := map[string]any{"product_id": "sku-12345", "category": "shoes", "price": 129.99, "currency": "EUR",
		"coupon": "WINTER", "url": "https://shop.example.test/products/sku-12345?utm_source=newsletter", "note": strings.Repeat("x", 120)}
	var seq atomic.Int64
	body := func() []byte {
		evs := make([]any, 100)
		for i := range evs {
			evs[i] = map[string]any{"type": "track", "event": "Product Viewed", "userId": "user-42", "messageId": fmt.Sprintf("m-%d", seq.Add(1)),
				"timestamp": "2026-12-02T10:00:00.000Z", "properties": props}
		}
		raw, _ := json.Marshal(map[string]any{"batch": evs, "sentAt": "2026-12-02T10:00:01.000Z"})
		return raw
	}
	dbName := tdb.Name

	for _, conc := range []int{8, 32, 64} {
		b.Run(fmt.Sprintf("server_c%d", conc), func(b *testing.B) {
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = body()
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			cpu0, pg0, commits0 := processCPU(), backendCPU(b, tdb.OwnerURL, dbName), countBatches(b, tdb.OwnerURL)
			b.ResetTimer()
			start := time.Now()
			for range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/batch", bytes.NewReader(bodies[i]))
						req.SetBasicAuth(key, "")
						t0 := time.Now()
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						lat[i] = time.Since(t0)
						if res.StatusCode != http.StatusOK {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			events := float64(b.N * 100)
			cpu1, pg1 := processCPU(), backendCPU(b, tdb.OwnerURL, dbName)
			slices.Sort(lat)
			b.ReportMetric(events/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/events, "go_cpu_us/event")
			b.ReportMetric(float64((pg1-pg0).Microseconds())/events, "pg_cpu_us/event")
			if commits := countBatches(b, tdb.OwnerURL) - commits0; commits > 0 {
				b.ReportMetric(events/float64(commits), "events/commit")
			}
		})
	}

	b.Run("raw_copy", func(b *testing.B) {
		if _, err := svc.EnsurePartitions(ctx); err != nil {
			b.Fatal(err)
		}
		propsJSON, _ := json.Marshal(props)
		b.ResetTimer()
		rate, pg := copyEvents(b, tdb.OwnerURL, tenant, src.ID, b.N*100, propsJSON, func(int) string { return "user-42" })
		b.StopTimer()
		b.ReportMetric(rate, "events/s")
		b.ReportMetric(pg, "pg_cpu_us/event")
	})
}

// copyEvents is the ingestion benchmarks' baseline: n track events of
// source (properties props, user userOf(i)) COPYed into cdp_events as the
// table owner in one stream and one transaction (COPY FROM is refused
// under row-level security). It returns the rate in events/s (the rows
// are built before the clock starts) and the COPY backend's CPU per event.
func copyEvents(b *testing.B, ownerURL string, tenant, source uuid.UUID, n int, props []byte, userOf func(i int) string) (rate, pgCPUPerEvent float64) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	batch := uuid.New() // keeps message ids unique across runs
	rows := make([][]any, 0, n)
	for i := range n {
		rows = append(rows, []any{tenant, source, fmt.Sprintf("raw-%s-%d", batch, i), now, batch, "track", "Product Viewed", userOf(i),
			now, now, now, string(props), int32(len(props) + 150)})
	}
	pg0 := pidCPU(conn.PgConn().PID())
	start := time.Now()
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"cdp_events"}, []string{"tenant_id", "source_id", "message_id", "received_at",
		"batch_id", "type", "event", "user_id", "original_timestamp", "sent_at", "timestamp", "properties", "payload_size"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	rate = float64(n) / time.Since(start).Seconds()
	return rate, float64((pidCPU(conn.PgConn().PID()) - pg0).Microseconds()) / float64(n)
}

// benchCDP is the CDP service of the benchmark's server.
var benchCDP *cdp.Service

// startTrackingServer serves cfg as `stratum api` (workers too when asked)
// until the benchmark ends and returns its URL.
func startTrackingServer(b *testing.B, cfg config.Config, workers bool) string {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, apptest.Logger(), app.Mode{API: true, Worker: workers})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		cancel()
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Serve(ctx, l)
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	benchCDP = a.Services.CDP
	return "http://" + l.Addr().String()
}

// countBatches is how many batches (group commits that stored events) the
// test database holds.
func countBatches(b *testing.B, url string) int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM cdp_batches").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU is the CPU time used so far by the PostgreSQL backends
// connected to database name (read from /proc, so only on the same
// machine; 0 when unreadable).
func backendCPU(b *testing.B, url, name string) time.Duration {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		total += pidCPU(uint32(pid))
	}
	return total
}

// pidCPU is the CPU time (user and system) process pid has used, from
// /proc (zero when it is gone).
func pidCPU(pid uint32) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces): utime and stime
	// are the 14th and 15th of the line, in clock ticks (100 a second).
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}
