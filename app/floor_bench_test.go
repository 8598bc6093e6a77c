package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stratumhq/stratum/internal/db"
)

// startFloor starts the read path's floor, the baseline issue 16's read
// targets are measured against in the same run (docs/adr/0029): a bare
// net/http server with nothing of Stratum's around the database work — no
// GraphQL, no authentication, no cost limit, no access log, no
// database/sql or bun. POST /read runs reads, the statements the server sent
// for one request, the way internal/db/implicit.go sends them: each in one
// pipeline after the tenant setting, both prepared once per connection, on a
// pgx pool of conns connections as the application role (url, under the same
// row-level security); it answers the rows' values as a JSON array. POST
// /plain answers a constant without touching the database. The difference
// between the two is what the machine charges one round trip of that SQL
// inside an HTTP request.
func startFloor(b *testing.B, url string, tenant uuid.UUID, reads []string, conns int32) *httptest.Server {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = conns, conns
	setting := db.TenantImplicit(tenant)
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if _, err := c.PgConn().Prepare(ctx, "floor_setting", setting, nil); err != nil {
			return err
		}
		for i, q := range reads {
			if _, err := c.PgConn().Prepare(ctx, fmt.Sprintf("floor_read_%d", i), q, nil); err != nil {
				return err
			}
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /plain", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{}}`))
	})
	mux.HandleFunc("POST /read", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, err := pool.Acquire(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer c.Release()
		var values []string
		for i := range reads {
			if values, err = floorRead(r.Context(), c.Conn().PgConn(), fmt.Sprintf("floor_read_%d", i), values); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		out, _ := json.Marshal(map[string]any{"data": values})
		w.Header().Set("Content-Type", "application/json")
		w.Write(out)
	})
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	// Every read must work before it is timed (a failing one would be
	// cheaper than the server's).
	res, err := http.Post(srv.URL+"/read", "application/json", strings.NewReader(`{}`))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"data":[`) {
		b.Fatalf("floor read: %d %s", res.StatusCode, body)
	}
	return srv
}

// floorRead sends the tenant setting and the prepared read name in one
// pipeline and appends the read's values to values.
func floorRead(ctx context.Context, pc *pgconn.PgConn, name string, values []string) ([]string, error) {
	p := pc.StartPipeline(ctx)
	p.SendQueryPrepared("floor_setting", nil, nil, nil)
	p.SendQueryPrepared(name, nil, nil, nil)
	p.SendPipelineSync()
	if err := p.Flush(); err != nil {
		p.Close()
		return nil, err
	}
	for {
		res, err := p.GetResults()
		if err != nil {
			p.Close()
			return nil, err
		}
		switch res := res.(type) {
		case *pgconn.ResultReader:
			for res.NextRow() {
				for _, v := range res.Values() {
					values = append(values, string(v))
				}
			}
			if _, err := res.Close(); err != nil {
				p.Close()
				return nil, err
			}
		case *pgconn.PipelineSync:
			return values, p.Close()
		}
	}
}
