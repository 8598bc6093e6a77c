package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/testdb"
)

// heavyTrustQuery is the dashboard's heavier authenticated read: the trust
// gate, the action queue with each action's campaign and rule, and the
// incidents with their timelines, in one operation.
const heavyTrustQuery = `query Heavy {
  trustGate { autopilotMode autopilotLevel enforcementMode killSwitch score status verdict
    decisionCounts { pass hold block } enforcementRules { violationType mode threshold enabled } }
  actions(first: 20) { totalCount edges { node { id type status decision reasons score
    campaign { id name status dailyBudget } rule { id name } } } }
  incidents(first: 20) { totalCount edges { node { id title severity state openedAt
    timeline { at kind message actor } } } }
}`

// BenchmarkTrustReadUnderLoad sends heavyTrustQuery as the signed-in demo
// owner from C concurrent clients to one server (in-process, production
// settings: the 20-connection pool, 1 s revocation refresh, workers running) and reports per-request latency p50
// and p99 with the pool's figures per request: connections acquired, acquires
// that found the pool empty, and time spent waiting for a connection. C=1 is
// the baseline of the same run.
//
// Run: go test -run '^$' -bench TrustReadUnderLoad -benchtime 3000x ./app/
func BenchmarkTrustReadUnderLoad(b *testing.B) {
	tdb := testdb.New(b)
	// Production settings except the cost budget (64 clients of one user would be throttled).
	env := map[string]string{"STRATUM_LOG_LEVEL": "error",
		"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000000"}
	// STRATUM_BENCH_MAX_QUERIES sweeps the admission limit (default: the server's, 2 × GOMAXPROCS).
	if v := os.Getenv("STRATUM_BENCH_MAX_QUERIES"); v != "" {
		env["STRATUM_MAX_CONCURRENT_QUERIES"] = v
	}
	srv := apptest.Start(b, apptest.Config(b, tdb, env))
	token := seedTrustReads(b, srv)
	for _, clients := range []int{1, 64} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			runHeavyReads(b, srv, token, clients)
		})
	}
}

// seedTrustReads seeds the demo tenant, gives it actions (some applied,
// some held) and incidents, and returns the demo owner's access token.
func seedTrustReads(b *testing.B, srv *apptest.Server) string {
	ctx := context.Background()
	a := srv.App
	if err := app.Seed(ctx, a, apptest.Logger()); err != nil {
		b.Fatal(err)
	}
	cs, err := a.Services.Platforms.Campaigns(ctx, app.DemoTenantID, platforms.CampaignFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		c := cs[i%len(cs)]
		// A distinct percentage each time: a campaign's newer proposal supersedes its open one (the
		// same change would only join it), so the page holds open and superseded actions.
		pct := float64(5 + i)
		if _, err := a.Services.Automation.QueueAction(ctx, app.DemoTenantID, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &c.ID,
			Params: automation.ActionParams{Percent: &pct}}, "user:bench"); err != nil {
			b.Fatal(err)
		}
	}
	for _, comp := range []string{platforms.ComponentEMQ, platforms.ComponentVariance, platforms.ComponentAnomaly} {
		if err := a.Services.Platforms.Degrade(ctx, app.DemoTenantID, platforms.Simulator, comp, platforms.Critical); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Services.Signals.Recompute(ctx, app.DemoTenantID); err != nil {
			b.Fatal(err)
		}
	}
	res := srv.Query(b, `mutation($i: LogInInput!) { logIn(input: $i) { accessToken userErrors { message } } }`,
		map[string]any{"i": map[string]any{"email": a.Cfg.DemoEmail, "password": a.Cfg.DemoPassword}}, nil)
	token, _ := field(b, res.Data, "logIn", "accessToken").(string)
	if token == "" {
		b.Fatalf("log in: %+v %+v", res.Errors, res.Data)
	}
	check := srv.Query(b, heavyTrustQuery, nil, bearer(token))
	if len(check.Errors) > 0 {
		b.Fatalf("heavy query: %+v", check.Errors)
	}
	if n, _ := field(b, check.Data, "actions", "totalCount").(float64); n < 20 {
		b.Fatalf("expected ≥ 20 actions, got %v", n)
	}
	if n, _ := field(b, check.Data, "incidents", "totalCount").(float64); n < 1 {
		b.Fatalf("expected incidents, got %v", n)
	}
	return token
}

func runHeavyReads(b *testing.B, srv *apptest.Server, token string, clients int) {
	runReads(b, srv, token, clients, heavyTrustQuery)
}

// runReads is runHeavyReads for any query.
func runReads(b *testing.B, srv *apptest.Server, token string, clients int, query string) {
	body, _ := json.Marshal(map[string]any{"query": query})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	pool := srv.App.DB.Pool
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	before := pool.Stat()
	b.ResetTimer()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
					b.Errorf("status %d: %.300s", res.StatusCode, out)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	after := pool.Stat()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	n := float64(b.N)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(after.AcquireCount()-before.AcquireCount())/n, "acquires/op")
	b.ReportMetric(float64(after.EmptyAcquireCount()-before.EmptyAcquireCount())/n, "empty_acquires/op")
	b.ReportMetric(float64((after.AcquireDuration()-before.AcquireDuration()).Microseconds())/1000/n, "acquire_wait_ms/op")
}

// overviewActionsQuery is the overview's list of recent actions
// (frontend/src/trust/operations.ts, RecentActions): each action's deciding
// trust-gate decision and campaign.
const overviewActionsQuery = `query RecentActions {
  actions(first: 10) { edges { node { id type status phase decision createdBy
    decidingGate { id at decision score cause allowedRun actor actorEmail }
    params { percent amount status } campaign { id name currency } updatedAt } } }
}`

// BenchmarkOverviewActions times the overview's recent-actions query from
// one client (the seeded demo tenant of BenchmarkTrustReadUnderLoad): what
// a page's loaders cost when nothing else runs.
//
// Run: go test -run '^$' -bench OverviewActions -benchtime 500x ./app/
func BenchmarkOverviewActions(b *testing.B) {
	tdb := testdb.New(b)
	srv := apptest.Start(b, apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "error",
		"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000000"}))
	token := seedTrustReads(b, srv)
	runReads(b, srv, token, 1, overviewActionsQuery)
}
