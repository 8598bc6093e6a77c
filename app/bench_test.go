package app_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/resolvers"
)

const (
	trivialQuery = `{"query":"{ serverInfo { version } }"}`
	// tenantQuery reads one row of tenant data: a signed-in query's shared
	// tenant transaction (BEGIN, set_config, SELECT, COMMIT before issue 16).
	tenantQuery = `{"query":"{ viewer { tenant { name } } }"}`
)

// serveLogger is the logger `stratum serve` builds (cmd/stratum:
// observability.NewLogger at cfg.LogLevel, JSON, one access-log line per
// request), writing to a real file in the test's temporary directory rather
// than io.Discard, so the full-stack side of a benchmark pays for its logs.
// At the end the benchmark fails if the file holds no access-log line.
func serveLogger(b *testing.B, cfg config.Config) *slog.Logger {
	path := filepath.Join(b.TempDir(), "stratum.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		f.Close()
		if raw, err := os.ReadFile(path); err != nil || !bytes.Contains(raw, []byte(`"msg":"request"`)) {
			b.Errorf("the server wrote no access log to %s (%v)", path, err)
		}
	})
	return observability.NewLogger(f, cfg.LogLevel)
}

// benchClient sends one GraphQL POST and returns its duration; a non-200
// answer or a GraphQL error fails the benchmark (a throttled or failed
// request would be cheaper than a served one and flatter the figures).
type benchClient struct {
	b *testing.B
	c *http.Client
}

func (c benchClient) post(url, body, token string) time.Duration {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := c.c.Do(req)
	if err != nil {
		c.b.Error(err)
		return 0
	}
	var buf bytes.Buffer
	io.Copy(&buf, res.Body)
	res.Body.Close()
	d := time.Since(start)
	if res.StatusCode != http.StatusOK || bytes.Contains(buf.Bytes(), []byte(`"errors"`)) {
		c.b.Errorf("status %d: %s", res.StatusCode, buf.Bytes())
	}
	return d
}

// BenchmarkTrivialQuery compares, interleaved in one loop so that every
// side shares the machine's noise:
//
//	bare:   a trivial query ({ serverInfo { version } }) on a bare gqlgen
//	        handler over the same schema (POST transport, the same LRU
//	        query cache), the baseline;
//	anon:   the same query anonymously through Stratum's whole HTTP stack
//	        (request id, JSON access log to a file as `stratum serve`
//	        writes it, metrics, body limit, authentication, cost and
//	        depth limits, APQ, error presenter);
//	tenant: a signed-in query that reads tenant data
//	        ({ viewer { tenant { name } } }) through the same stack.
//
// Each of GOMAXPROCS clients sends the three in turn (rotating which goes
// first) and times each; the benchmark reports the mean of each and the
// ratios full/bare (anon/bare time; its inverse is the throughput ratio)
// and tenant/anon (issue 16's target ≤ 2).
//
// Run: go test -run '^$' -bench TrivialQuery -benchtime 3000x -count 3 ./app/
func BenchmarkTrivialQuery(b *testing.B) {
	tdb := testdb.New(b)
	env := map[string]string{"STRATUM_RATE_LIMIT_POINTS": "1000000000", "STRATUM_RATE_LIMIT_RESTORE": "1000000"}
	for k, v := range identityEnv {
		env[k] = v
	}
	delete(env, "STRATUM_REVOCATION_INTERVAL") // the production refresh
	cfg := apptest.Config(b, tdb, env)
	srv := apptest.StartLogged(b, cfg, serveLogger(b, cfg))
	s := (&idBundle{srv: srv, tdb: tdb}).signUp(b, "bench@acme.test", "Bench")

	bare := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: resolvers.New(resolvers.Config{DB: tdb.DB, Log: apptest.Logger(), Version: "dev"})}))
	bare.AddTransport(transport.POST{})
	bare.SetQueryCache(lru.New[*ast.QueryDocument](1000)) // as Stratum's, so parsing cost is equal
	ts := httptest.NewServer(bare)
	defer ts.Close()

	c := benchClient{b: b, c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	full := srv.URL + "/graphql"
	samples := []func() time.Duration{
		func() time.Duration { return c.post(ts.URL, trivialQuery, "") },
		func() time.Duration { return c.post(full, trivialQuery, "") },
		func() time.Duration { return c.post(full, tenantQuery, s.Access) },
	}
	for range 50 { // warm up connections, caches and the statement path
		for _, f := range samples {
			f()
		}
	}
	var sums [3]atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var local [3]time.Duration
		for i := 0; pb.Next(); i++ {
			for j := range samples {
				k := (i + j) % len(samples)
				local[k] += samples[k]()
			}
		}
		for k := range local {
			sums[k].Add(int64(local[k]))
		}
	})
	b.StopTimer()
	n := float64(b.N)
	bareT, anonT, tenantT := float64(sums[0].Load()), float64(sums[1].Load()), float64(sums[2].Load())
	b.ReportMetric(bareT/n/1e3, "bare-µs/op")
	b.ReportMetric(anonT/n/1e3, "anon-µs/op")
	b.ReportMetric(tenantT/n/1e3, "tenant-µs/op")
	b.ReportMetric(anonT/bareT, "full/bare")
	b.ReportMetric(tenantT/anonT, "tenant/anon")
}
