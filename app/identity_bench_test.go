package app_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkAuthOverhead interleaves an anonymous request with
// authenticated ones through the full HTTP stack (middleware, CSRF guard,
// cost limit with its PostgreSQL bucket, error presenter) and reports each
// one's mean time and its ratio to the anonymous request measured in the
// same loop (the server writes its JSON access log to a file, as
// `stratum serve` does):
//
//	bearer:   the same query with an access token (JWT verify + denylist check)
//	tenanttx: a query that also opens a tenant transaction (viewer.tenant)
//	apikey:   the same query as bearer, with a partner API key
//
// and, for the target (tenant read ≤ 2× anonymous), the floor a
// tenant read has on this machine (docs/adr/0029): the same loop times a
// bare net/http server's constant answer (plain) and the same server
// running the tenant read's own SQL through pgx directly (floorread, one
// pipelined round trip: startFloor). floor/anon is (anon + floorread −
// plain) ÷ anon — the ratio a tenant read would have if Stratum added
// nothing to that round trip but what the machine charges for it inside an
// HTTP request — and tenanttx/floor how far the real tenant read is above it.
//
// Run: go test -run '^$' -bench AuthOverhead -benchtime 3000x ./app/
func BenchmarkAuthOverhead(b *testing.B) {
	tdb := testdb.New(b)
	env := map[string]string{"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000"}
	for k, v := range identityEnv {
		env[k] = v
	}
	cfg := apptest.Config(b, tdb, env)
	capture := &statementCapture{}
	ib := &idBundle{srv: apptest.StartLogged(b, cfg, serveLogger(b, cfg), func(a *app.App) { a.DB.Bun.AddQueryHook(capture) }), tdb: tdb}
	s := ib.signUp(b, "bench@acme.test", "Bench")
	res := ib.srv.Query(b, `mutation { createApiKey(input: {name: "bench", scopes: [READ]}) { secret } }`, nil, s.H())
	key := str(field(b, res.Data, "createApiKey", "secret"))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	var post func(url, body, token string) time.Duration
	const q = `{"query":"{ serverInfo { version } }"}`
	const qTenant = `{"query":"{ viewer { tenant { name } } }"}`
	do := func(body, token string) time.Duration { return post(ib.srv.URL+"/graphql", body, token) }
	post = func(url, body, token string) time.Duration {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("status %d", res.StatusCode)
		}
		return time.Since(start)
	}
	for range 50 { // warm up connections, caches and the statement path
		do(q, "")
		do(q, s.Access)
		do(qTenant, s.Access)
		do(q, key)
	}
	// The tenant read's statements, for the floor.
	h := s.H()
	h.Set("X-Request-Id", "floor-capture")
	capture.on.Store(true)
	if r := ib.srv.Query(b, `{ viewer { tenant { name } } }`, nil, h); len(r.Errors) > 0 {
		b.Fatal(r.Errors)
	}
	capture.on.Store(false)
	reads := capture.statements("floor-capture")
	if len(reads) != 1 || !strings.Contains(reads[0], `"tenants"`) {
		b.Fatalf("the tenant read sent %q, not one read of tenants", reads)
	}
	var tenantID uuid.UUID
	owner, err := pgx.Connect(context.Background(), tdb.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	err = owner.QueryRow(context.Background(), "SELECT id FROM tenants").Scan(&tenantID)
	owner.Close(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	floor := startFloor(b, tdb.AppURL, tenantID, reads, 1)
	for range 50 {
		post(floor.URL+"/plain", "{}", "")
		post(floor.URL+"/read", "{}", "")
	}
	var anon, bearer, tenant, apikey, plain, floorRead time.Duration
	b.ResetTimer()
	for b.Loop() {
		anon += do(q, "")
		bearer += do(q, s.Access)
		tenant += do(qTenant, s.Access)
		apikey += do(q, key)
		plain += post(floor.URL+"/plain", "{}", "")
		floorRead += post(floor.URL+"/read", "{}", "")
	}
	n := float64(b.N)
	b.ReportMetric(float64(anon.Microseconds())/n, "anon-µs/op")
	b.ReportMetric(float64(bearer.Microseconds())/n, "bearer-µs/op")
	b.ReportMetric(float64(tenant.Microseconds())/n, "tenanttx-µs/op")
	b.ReportMetric(float64(apikey.Microseconds())/n, "apikey-µs/op")
	b.ReportMetric(float64(bearer)/float64(anon), "bearer/anon")
	b.ReportMetric(float64(tenant)/float64(anon), "tenanttx/anon")
	b.ReportMetric(float64(apikey)/float64(anon), "apikey/anon")
	b.ReportMetric(float64(plain.Microseconds())/n, "plain-µs/op")
	b.ReportMetric(float64(floorRead.Microseconds())/n, "floorread-µs/op")
	floorTenant := anon + floorRead - plain
	b.ReportMetric(float64(floorTenant)/float64(anon), "floor/anon")
	b.ReportMetric(float64(tenant)/float64(floorTenant), "tenanttx/floor")
}
