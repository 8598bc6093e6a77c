package app_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/resolvers"
)

const trivialQuery = `{"query":"{ serverInfo { version } }"}`

func benchPost(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Post(url, "application/json", bytes.NewReader([]byte(trivialQuery)))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

// BenchmarkTrivialQuery compares a trivial query through Stratum's whole
// HTTP stack (request id, logging, metrics, body limit, authentication,
// complexity/depth limits, APQ, error presenter) with the same query on a
// bare gqlgen handler over the same schema, in the same run.
func BenchmarkTrivialQuery(b *testing.B) {
	tdb := testdb.New(b)
	srv := apptest.Start(b, apptest.Config(b, tdb, map[string]string{"STRATUM_LOG_LEVEL": "error"}))

	b.Run("bare_gqlgen", func(b *testing.B) {
		bare := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: resolvers.New(resolvers.Config{DB: tdb.DB, Log: apptest.Logger(), Version: "dev"})}))
		bare.AddTransport(transport.POST{})
		bare.SetQueryCache(lru.New[*ast.QueryDocument](1000)) // as Stratum's, so parsing cost is equal
		ts := httptest.NewServer(bare)
		defer ts.Close()
		benchPost(b, ts.URL)
	})
	b.Run("stratum_full_stack", func(b *testing.B) {
		benchPost(b, srv.URL+"/graphql")
	})
}
