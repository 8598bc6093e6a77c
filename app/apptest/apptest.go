// Package apptest starts real Stratum servers (app.App behind a real HTTP
// listener) on a test database, and talks GraphQL to them.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/config"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Server is one running server process (in-process: its own pool, LISTEN
// connection, River client and HTTP listener).
type Server struct {
	App *app.App
	URL string // http://127.0.0.1:port
	// Done is closed when Serve has returned (after Shutdown).
	Done   chan struct{}
	cancel context.CancelFunc
	err    error
}

// Config returns the test configuration for tdb, adjusted by env.
func Config(t testing.TB, tdb *testdb.DB, env map[string]string) config.Config {
	t.Helper()
	m := map[string]string{"STRATUM_ENV": "test", "DATABASE_URL": tdb.OwnerURL, "STRATUM_APP_DATABASE_URL": tdb.AppURL,
		"STRATUM_WS_KEEPALIVE": "2s", "STRATUM_SHUTDOWN_TIMEOUT": "5s",
		// Tests sign many users up from 127.0.0.1; the per-IP limit has its own test.
		"STRATUM_SIGNUPS_PER_IP": "1000",
		// The periodic fan-outs (simulator tick, evaluation) would otherwise
		// run on the test's tenants right after start, in the middle of its
		// checks; tests that need them enqueue the jobs themselves.
		"STRATUM_PERIODIC_RUN_ON_START": "false"}
	for k, v := range env {
		m[k] = v
	}
	cfg, err := config.FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Logger discards logs unless STRATUM_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("STRATUM_TEST_LOG") != "" {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// TestSimulatedPeople is how many people the demo tenant's simulated event
// stream invents in servers started by Start.
const TestSimulatedPeople = 12

// Start runs a server with API and workers on cfg until the test ends.
func Start(t testing.TB, cfg config.Config, configure ...func(*app.App)) *Server {
	t.Helper()
	return StartLogged(t, cfg, Logger(), configure...)
}

// StartLogged is Start with log as the server's logger: benchmarks give it
// the JSON logger `stratum serve` builds (observability.NewLogger at
// cfg.LogLevel) over a real file, so the access log costs what it costs in
// production.
func StartLogged(t testing.TB, cfg config.Config, log *slog.Logger, configure ...func(*app.App)) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, app.Mode{API: true, Worker: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if a.Services.CDP != nil {
		// The demo's simulated event stream invents a few people, not
		// cdp.SimulatedPeople: every seeded test would otherwise resolve
		// thousands of events' identities in the background.
		a.Services.CDP.Config.SimulatedPeople = TestSimulatedPeople
	}
	for _, f := range configure {
		f(a)
	}
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &Server{App: a, URL: "http://" + l.Addr().String(), Done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(s.Done)
		s.err = a.Serve(ctx, l)
	}()
	t.Cleanup(func() { s.Shutdown(t) })
	return s
}

// Shutdown stops the server gracefully and waits for it.
func (s *Server) Shutdown(t testing.TB) error {
	s.cancel()
	select {
	case <-s.Done:
	case <-time.After(20 * time.Second):
		t.Error("server did not shut down within 20s")
	}
	return s.err
}

// HeaderAuth is a test authenticator: the X-Test-Tenant header (or the
// connection_init payload's "tenant") names the tenant the caller acts in
// as an OWNER. It exists only in tests of the transport layer.
type HeaderAuth struct{}

// Authenticate implements session.Authenticator.
func (HeaderAuth) Authenticate(r *http.Request) (context.Context, error) {
	return withTenant(r.Context(), r.Header.Get("X-Test-Tenant")), nil
}

// AuthenticateInit implements session.Authenticator.
func (HeaderAuth) AuthenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	s, _ := payload["tenant"].(string)
	return withTenant(ctx, s), nil
}

func withTenant(ctx context.Context, s string) context.Context {
	id, err := uuid.Parse(s)
	if err != nil {
		return ctx
	}
	return auth.WithPrincipal(ctx, &auth.Principal{TenantID: id, Role: auth.RoleOwner, UserID: uuid.New()})
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Extensions map[string]any `json:"extensions"`
	Header     http.Header
}

// Code is the first error's extensions.code, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Post sends a GraphQL POST with body (a map or raw bytes) and headers.
func (s *Server) Post(t testing.TB, body any, header http.Header) *Response {
	t.Helper()
	out, err := s.TryPost(body, header)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TryPost is Post returning its error instead of failing the test: for
// conditions polled off the test goroutine (assert.EventuallyWithT).
func (s *Server) TryPost(body any, header http.Header) (*Response, error) {
	var b []byte
	switch v := body.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		b, _ = json.Marshal(v)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := &Response{Status: res.StatusCode, Header: res.Header}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	return out, nil
}

// TryQuery is Query returning its error instead of failing the test.
func (s *Server) TryQuery(query string, vars map[string]any, header http.Header) (*Response, error) {
	return s.TryPost(map[string]any{"query": query, "variables": vars}, header)
}

// Query posts query with variables.
func (s *Server) Query(t testing.TB, query string, vars map[string]any, header http.Header) *Response {
	t.Helper()
	return s.Post(t, map[string]any{"query": query, "variables": vars}, header)
}

// Services builds the domain services over tdb the way a server does
// (app.NewServices with the test configuration), for tests that drive the
// services and River directly. Hook them to a River client with EnqueueWith.
func Services(t testing.TB, tdb *testdb.DB) *app.Services {
	t.Helper()
	s, err := app.NewServices(tdb.DB, Config(t, tdb, nil), Logger())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
