package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkTrackingWrk is issue 13's ingestion benchmark as the issue words
// it, in one run: first the baseline, raw COPY of 300,000 of the same rows
// into cdp_events as the table owner (one stream, one transaction); then
// wrk (Debian's package) POSTing /v1/batch bodies of 100 track events with
// ≈ 300 bytes of properties — 200 distinct bodies (each its own user), the
// messageIds made fresh for every request by wrk's Lua script, so every
// event is stored — at concurrency 8, 32 and 64 for STRATUM_BENCH_SECONDS
// (default 30) each, against the whole server running as `stratum api`
// (HTTP, key lookup, validation, group commit with synchronous commit,
// River job per batch). wrk runs on the same two cores.
//
// Per concurrency it reports events/s, wrk's p50 and p99 acknowledgement
// latency, the ratio to raw COPY, and CPU per event: the Go process (the
// server alone: the load generator is wrk) and the database backends of
// the test database (/proc). It fails if wrk saw any non-2xx answer or if
// fewer events were durable (stored, or staged for the batch job: ADR
// 0026) than wrk had acknowledged. After each run the staged batches are
// materialised as the batch jobs would, timed apart (materialise_events/s).
//
//	go test -run '^$' -bench TrackingWrk -benchtime 1x -timeout 30m ./app/
func BenchmarkTrackingWrk(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (Debian: apt-get install wrk)")
	}
	seconds := 30
	if v, err := strconv.Atoi(os.Getenv("STRATUM_BENCH_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	tdb := testdb.New(b)
	cfg := apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "error"})
	url := startTrackingServer(b, cfg, false)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	ctx := context.Background()
	limit := cdp.MaxRateLimit
	svc := benchCDP
	src, key, err := svc.CreateSource(ctx, tenant, cdp.CreateSourceInput{Name: "bench", RateLimit: &limit})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.EnsurePartitions(ctx); err != nil {
		b.Fatal(err)
	}
	props := map[string]any{"product_id": "sku-12345", "category": "shoes", "price": 129.99, "currency": "EUR",
		"coupon": "WINTER", "url": "https://shop.example.test/products/sku-12345?utm_source=newsletter", "note": strings.Repeat("x", 120)}
	propsJSON, _ := json.Marshal(props)

	// The 200 bodies, "@@" in each messageId for wrk's script to replace.
	dir := b.TempDir()
	for k := range 200 {
		evs := make([]any, 100)
		for i := range evs {
			evs[i] = map[string]any{"type": "track", "event": "Product Viewed", "userId": fmt.Sprintf("user-%d", k),
				"messageId": fmt.Sprintf("b%d-e%d-@@", k, i), "timestamp": "2026-12-02T10:00:00.000Z", "properties": props}
		}
		raw, _ := json.Marshal(map[string]any{"batch": evs, "sentAt": "2026-12-02T10:00:01.000Z"})
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("body-%03d.json", k)), raw, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	script := filepath.Join(dir, "batch.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		b.Fatal(err)
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"))

	stored := func() int64 {
		var n int64
		conn, err := pgx.Connect(ctx, tdb.OwnerURL)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		// Stored as rows, or durably staged for the batch job (ADR 0026).
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM cdp_events WHERE tenant_id = $1 AND source_id = $2)
			+ (SELECT coalesce(sum(events), 0) FROM cdp_batches WHERE tenant_id = $1 AND staged IS NOT NULL)`, tenant, src.ID).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}

	// The baseline first, so each concurrency reports its ratio.
	var copyRate float64
	b.Run("raw_copy", func(b *testing.B) {
		b.ResetTimer()
		var pg float64
		copyRate, pg = copyEvents(b, tdb.OwnerURL, tenant, src.ID, 300_000, propsJSON, func(i int) string { return fmt.Sprintf("user-%d", i/100%200) })
		b.StopTimer()
		b.ReportMetric(copyRate, "events/s")
		b.ReportMetric(pg, "pg_cpu_us/event")
	})

	for _, conc := range []int{8, 32, 64} {
		b.Run(fmt.Sprintf("wrk_c%d", conc), func(b *testing.B) {
			before := stored()
			cpu0, pg0, commits0 := processCPU(), backendCPU(b, tdb.OwnerURL, tdb.Name), countBatches(b, tdb.OwnerURL)
			threads := min(conc, 2)
			cmd := exec.Command(wrk, "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conc), "-d", fmt.Sprintf("%ds", seconds),
				"--latency", "--timeout", "30s", "-s", script, url+"/v1/batch", "--", dir, auth, fmt.Sprintf("c%d", conc))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			b.ResetTimer()
			if err := cmd.Run(); err != nil {
				b.Fatalf("wrk: %v\n%s", err, out.String())
			}
			b.StopTimer()
			b.Log(out.String())
			res, err := parseWrk(out.String())
			if err != nil {
				b.Fatalf("%v\n%s", err, out.String())
			}
			if res.non2xx > 0 || res.errors > 0 {
				b.Fatalf("wrk saw %d non-2xx answers and %d socket errors:\n%s", res.non2xx, res.errors, out.String())
			}
			events := float64(res.requests * 100)
			// Every acknowledged event is stored (requests still in flight
			// when wrk stopped may be stored without wrk counting them).
			if got := stored() - before; got < res.requests*100 {
				b.Fatalf("%d requests acknowledged (%d events) but %d events stored", res.requests, res.requests*100, got)
			}
			cpu1, pg1 := processCPU(), backendCPU(b, tdb.OwnerURL, tdb.Name)
			rate := res.rps * 100
			b.ReportMetric(rate, "events/s")
			b.ReportMetric(res.p50.Seconds()*1000, "p50_ms")
			b.ReportMetric(res.p99.Seconds()*1000, "p99_ms")
			b.ReportMetric(rate/copyRate, "ratio")
			b.ReportMetric(float64((cpu1-cpu0).Microseconds())/events, "go_cpu_us/event")
			b.ReportMetric(float64((pg1-pg0).Microseconds())/events, "pg_cpu_us/event")
			if commits := countBatches(b, tdb.OwnerURL) - commits0; commits > 0 {
				b.ReportMetric(events/float64(commits), "events/commit")
			}
			// The per-event rows the batch jobs write (ADR 0026): the run's
			// staged batches materialised, one after another, timed apart —
			// not the acknowledgement's cost, reported beside it.
			began := time.Now()
			if err := svc.MaterialiseStaged(ctx, tenant); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(events/time.Since(began).Seconds(), "materialise_events/s")
		})
	}
}

// wrkScript POSTs the benchmark's bodies in turn, each request's
// messageIds made unique by the run, the wrk thread and a counter.
const wrkScript = `
local bodies = {}
local counter = 0
local run = ""
function setup(thread)
  setup_n = (setup_n or 0) + 1
  thread:set("tid", setup_n)
end
function init(args)
  local dir = args[1]
  run = args[3]
  wrk.method = "POST"
  wrk.headers["Authorization"] = args[2]
  wrk.headers["Content-Type"] = "application/json"
  for i = 0, 199 do
    local f = assert(io.open(string.format("%s/body-%03d.json", dir, i), "rb"))
    bodies[i] = f:read("*a")
    f:close()
  end
end
function request()
  counter = counter + 1
  local body = (bodies[counter % 200]:gsub("@@", run .. "-" .. tid .. "-" .. counter))
  return wrk.format(nil, nil, nil, body)
end
`

type wrkResult struct {
	requests, non2xx, errors int64
	rps                      float64
	p50, p99                 time.Duration
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkErrors   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkPct      = regexp.MustCompile(`^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$`)
)

// parseWrk reads wrk's report (with --latency).
func parseWrk(out string) (r wrkResult, err error) {
	m := wrkRequests.FindStringSubmatch(out)
	n := wrkRPS.FindStringSubmatch(out)
	if m == nil || n == nil {
		return r, fmt.Errorf("no request count or rate in wrk's output")
	}
	r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	r.rps, _ = strconv.ParseFloat(n[1], 64)
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkErrors.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			v, _ := strconv.ParseInt(s, 10, 64)
			r.errors += v
		}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := wrkPct.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.p50 == 0 || r.p99 == 0 {
		return r, fmt.Errorf("no latency distribution in wrk's output (run with --latency)")
	}
	return r, nil
}
