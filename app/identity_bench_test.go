package app_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

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
// Run: go test -run '^$' -bench AuthOverhead -benchtime 3000x ./app/
func BenchmarkAuthOverhead(b *testing.B) {
	tdb := testdb.New(b)
	env := map[string]string{"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000"}
	for k, v := range identityEnv {
		env[k] = v
	}
	cfg := apptest.Config(b, tdb, env)
	ib := &idBundle{srv: apptest.StartLogged(b, cfg, serveLogger(b, cfg)), tdb: tdb}
	s := ib.signUp(b, "bench@acme.test", "Bench")
	res := ib.srv.Query(b, `mutation { createApiKey(input: {name: "bench", scopes: [READ]}) { secret } }`, nil, s.H())
	key := str(field(b, res.Data, "createApiKey", "secret"))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	const q = `{"query":"{ serverInfo { version } }"}`
	const qTenant = `{"query":"{ viewer { tenant { name } } }"}`
	do := func(body, token string) time.Duration {
		req, _ := http.NewRequest(http.MethodPost, ib.srv.URL+"/graphql", bytes.NewReader([]byte(body)))
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
	var anon, bearer, tenant, apikey time.Duration
	b.ResetTimer()
	for b.Loop() {
		anon += do(q, "")
		bearer += do(q, s.Access)
		tenant += do(qTenant, s.Access)
		apikey += do(q, key)
	}
	n := float64(b.N)
	b.ReportMetric(float64(anon.Microseconds())/n, "anon-µs/op")
	b.ReportMetric(float64(bearer.Microseconds())/n, "bearer-µs/op")
	b.ReportMetric(float64(tenant.Microseconds())/n, "tenanttx-µs/op")
	b.ReportMetric(float64(apikey.Microseconds())/n, "apikey-µs/op")
	b.ReportMetric(float64(bearer)/float64(anon), "bearer/anon")
	b.ReportMetric(float64(tenant)/float64(anon), "tenanttx/anon")
	b.ReportMetric(float64(apikey)/float64(anon), "apikey/anon")
}
