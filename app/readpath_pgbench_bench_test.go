package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/testdb"
)

// tenantReadQuery is issue 16's small signed-in tenant read.
const tenantReadQuery = `{ signalHealth { score status } }`

// BenchmarkTenantReadVsPgbench is issue 16's read-path ratio: the demo
// owner's `{ signalHealth { score status } }` against the full server with
// wrk, and pgbench running the very SQL the server sends for it — its
// statements captured from one request (bun's query hook), framed as the
// server frames them (each read in one pipeline with the tenant setting,
// both prepared once per connection: internal/db/implicit.go and
// prepared.go) — through the same application role,
// under the same row-level security. Both with 8 connections on 2 threads,
// in ABBA rounds (wrk, pgbench, pgbench, wrk) so a drift in the machine's
// load falls on both. ratio is wrk's requests per second over pgbench's
// transactions per second, summed over the rounds (target ≥ 0.8). The
// server writes its JSON access log to a file, as `stratum serve` does.
//
// The same rounds run wrk against the read path's floor (startFloor: a bare
// net/http handler running the same SQL through pgx, 8 connections, nothing
// of Stratum's around it): floor_ratio is the most any HTTP server in Go
// could reach on this machine with this SQL, and server/floor how much of
// it Stratum reaches (docs/adr/0029). Rounds: server, floor, pgbench,
// pgbench, floor, server.
//
// Run: go test -run '^$' -bench TenantReadVsPgbench -benchtime 1x ./app/
// (STRATUM_BENCH_SECONDS per run, default 5; STRATUM_BENCH_ROUNDS, default 3).
func BenchmarkTenantReadVsPgbench(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk is not installed (Debian: apt-get install wrk)")
	}
	pgbench, err := exec.LookPath("pgbench")
	if err != nil {
		b.Skip("pgbench is not installed (Debian: postgresql-contrib or postgresql-client)")
	}
	seconds, rounds := envInt("STRATUM_BENCH_SECONDS", 5), envInt("STRATUM_BENCH_ROUNDS", 3)
	tdb := testdb.New(b)
	cfg := apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "info",
		"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000000"})
	capture := &statementCapture{}
	srv := apptest.StartLogged(b, cfg, serveLogger(b, cfg), func(a *app.App) { a.DB.Bun.AddQueryHook(capture) })
	ctx := context.Background()
	a := srv.App
	if err := app.Seed(ctx, a, apptest.Logger()); err != nil {
		b.Fatal(err)
	}
	if _, err := a.Services.Signals.Recompute(ctx, app.DemoTenantID); err != nil {
		b.Fatal(err)
	}
	res := srv.Query(b, `mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }`,
		map[string]any{"i": map[string]any{"email": a.Cfg.DemoEmail, "password": a.Cfg.DemoPassword}}, nil)
	token, _ := field(b, res.Data, "logIn", "accessToken").(string)
	if token == "" {
		b.Fatalf("log in: %+v", res.Errors)
	}

	// The server's SQL for one request (after a warm-up: the revocation
	// view and the entitlements are then as in steady state).
	for range 3 {
		if r := srv.Query(b, tenantReadQuery, nil, bearer(token)); len(r.Errors) > 0 || r.Data["signalHealth"] == nil {
			b.Fatalf("tenant read: %+v %+v", r.Errors, r.Data)
		}
	}
	h := bearer(token)
	h.Set("X-Request-Id", "pgbench-capture")
	capture.on.Store(true)
	srv.Query(b, tenantReadQuery, nil, h)
	capture.on.Store(false)
	reads := capture.statements("pgbench-capture")
	if len(reads) == 0 || !strings.Contains(strings.Join(reads, "\n"), "signal_health") {
		b.Fatalf("captured no read of signal_health: %q", reads)
	}
	dir := b.TempDir()
	var script strings.Builder
	// internal/db/implicit.go (ADR 0028): each read in one message with the
	// tenant setting, as the server sends it; no BEGIN, no COMMIT. The
	// entitlements are not read: the cost limit's plan is the process's read
	// of less than a second ago (billing.PlanHint), and this query selects
	// no gated field; once a second one request reads them (not counted).
	// Each statement is prepared once per connection, as the server's
	// implicit reads are (internal/db/prepared.go), and the two go in one
	// pipeline ending in one Sync (pgbench's \startpipeline), as the server
	// sends them.
	for _, q := range reads {
		fmt.Fprintf(&script, "\\startpipeline\n%s;\n%s;\n\\endpipeline\n", db.TenantImplicit(app.DemoTenantID), strings.Join(strings.Fields(q), " "))
	}
	sqlFile := filepath.Join(dir, "tenant_read.sql")
	luaFile := filepath.Join(dir, "tenant_read.lua")
	body, _ := json.Marshal(map[string]any{"query": tenantReadQuery})
	lua := fmt.Sprintf(tenantReadLua, strconv.Quote(string(body)), strconv.Quote("Bearer "+token))
	if err := os.WriteFile(sqlFile, []byte(script.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(luaFile, []byte(lua), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("pgbench script (%d statements in the transaction):\n%s", len(reads), script.String())

	floor := startFloor(b, tdb.AppURL, app.DemoTenantID, reads, 8)
	runWrk := func(url string) wrkResult {
		cmd := exec.Command(wrk, "-t", "2", "-c", "8", "-d", fmt.Sprintf("%ds", seconds), "--latency", "-s", luaFile, url)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.Fatalf("wrk: %v\n%s", err, out.String())
		}
		r, err := parseWrk(out.String())
		if err != nil {
			b.Fatalf("%v\n%s", err, out.String())
		}
		if r.non2xx > 0 || r.errors > 0 || !strings.Contains(out.String(), "graphql errors: 0\n") {
			b.Fatalf("wrk saw failed requests (non-2xx %d, socket errors %d, or GraphQL errors):\n%s", r.non2xx, r.errors, out.String())
		}
		return r
	}
	runPgbench := func() float64 {
		cmd := exec.Command(pgbench, "-n", "-M", "prepared", "-c", "8", "-j", "2", "-T", strconv.Itoa(seconds), "-f", sqlFile, tdb.AppURL)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.Fatalf("pgbench: %v\n%s", err, out.String())
		}
		m := pgbenchTPS.FindStringSubmatch(out.String())
		if m == nil || !strings.Contains(out.String(), "failed transactions: 0 (0.000%)") {
			b.Fatalf("pgbench: no tps, or failed transactions:\n%s", out.String())
		}
		tps, _ := strconv.ParseFloat(m[1], 64)
		return tps
	}

	var wrkSum, floorSum, pgSum float64
	var p50s, p99s []float64
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		for _, step := range []string{"server", "floor", "pgbench", "pgbench", "floor", "server"} {
			switch step {
			case "server":
				w := runWrk(srv.URL + "/graphql")
				wrkSum += w.rps
				p50s, p99s = append(p50s, w.p50.Seconds()*1000), append(p99s, w.p99.Seconds()*1000)
				b.Logf("round %d wrk: %.0f req/s, p50 %.2f ms, p99 %.2f ms", r+1, w.rps, w.p50.Seconds()*1000, w.p99.Seconds()*1000)
			case "floor":
				w := runWrk(floor.URL + "/read")
				floorSum += w.rps
				b.Logf("round %d wrk, floor: %.0f req/s, p50 %.2f ms", r+1, w.rps, w.p50.Seconds()*1000)
			default:
				tps := runPgbench()
				pgSum += tps
				b.Logf("round %d pgbench: %.0f tps", r+1, tps)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(wrkSum/pgSum, "ratio")
	b.ReportMetric(floorSum/pgSum, "floor_ratio")
	b.ReportMetric(wrkSum/floorSum, "server/floor")
	b.ReportMetric(wrkSum/float64(2*rounds), "wrk_req/s")
	b.ReportMetric(floorSum/float64(2*rounds), "floor_req/s")
	b.ReportMetric(pgSum/float64(2*rounds), "pgbench_tps")
	b.ReportMetric(float64(len(reads)), "round_trips") // one message per read
	b.ReportMetric(median(p50s), "p50_ms")
	b.ReportMetric(median(p99s), "p99_ms")
}

var pgbenchTPS = regexp.MustCompile(`tps = ([\d.]+) \(without initial connection time\)`)

// tenantReadLua POSTs the query with the bearer token and counts answers
// that carry GraphQL errors (a refused request is HTTP 200 too).
const tenantReadLua = `
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  errs = 0
  wrk.method = "POST"
  wrk.body = %s
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = %s
end
function response(status, headers, body)
  if string.find(body, '"errors"', 1, true) then
    errs = errs + 1
  end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do
    n = n + t:get("errs")
  end
  io.write(string.format("graphql errors: %%d\n", n))
end
`

// statementCapture records, while on, the bun statements of each request
// (by X-Request-Id).
type statementCapture struct {
	on atomic.Bool
	mu sync.Mutex
	by map[string][]string
}

func (c *statementCapture) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if !c.on.Load() {
		return ctx
	}
	id := observability.RequestID(ctx)
	q := strings.TrimSpace(e.Query)
	switch strings.ToUpper(q) {
	case "BEGIN", "COMMIT", "ROLLBACK":
		return ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.by == nil {
		c.by = map[string][]string{}
	}
	c.by[id] = append(c.by[id], q)
	return ctx
}

func (c *statementCapture) AfterQuery(context.Context, *bun.QueryEvent) {}

func (c *statementCapture) statements(id string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.by[id]
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// median of xs (0 for none); xs is reordered.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[len(xs)/2]
}
