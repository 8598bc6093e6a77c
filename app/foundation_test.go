package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

func withHeaderAuth(a *app.App) { a.Resolver.Auth = apptest.HeaderAuth{} }

func newTenant(t *testing.T, tdb *testdb.DB) uuid.UUID {
	t.Helper()
	return testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
}

func tenantHeader(id uuid.UUID) http.Header { return http.Header{"X-Test-Tenant": {id.String()}} }

// simulatedTenant makes tenant a demo tenant with the simulator's campaigns
// and returns the global ID of one of them.
func simulatedTenant(t *testing.T, s *apptest.Server, tdb *testdb.DB, tenant uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tdb.OwnerURL)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "UPDATE tenants SET simulated = true WHERE id = $1", tenant)
	conn.Close(ctx)
	require.NoError(t, err)
	require.NoError(t, s.App.Services.Platforms.SeedSimulator(ctx, tenant))
	res := s.Query(t, `{ campaigns(first: 1) { edges { node { id } } } }`, nil, tenantHeader(tenant))
	require.Empty(t, res.Errors)
	edges := field(t, res.Data, "campaigns", "edges").([]any)
	require.NotEmpty(t, edges, "the simulator seeded campaigns")
	return str(field(t, edges[0].(map[string]any), "node", "id"))
}

// createRule creates a valid user-defined automation rule named $n.
const createRule = `mutation($n: String!) { createAutomationRule(input: {name: $n,
	conditions: {metric: SPEND, windowDays: 1, operator: GT, value: 1}, actions: [{type: PAUSE_UNDERPERFORMING}]}) {
	rule { id name } userErrors { field message code } } }`

// ruleCount is the number of user-defined rules h's tenant has.
func ruleCount(t *testing.T, s *apptest.Server, h http.Header) float64 {
	t.Helper()
	res := s.Query(t, `{ automationRules(builtin: false) { totalCount } }`, nil, h)
	require.Empty(t, res.Errors)
	return field(t, res.Data, "automationRules", "totalCount").(float64)
}

const actionStatusUpdated = `subscription { actionStatusUpdated { id status } }`

// An event published through server A reaches a subscriber connected to
// server B; a subscriber of another tenant gets nothing.
func TestRealtimeAcrossTwoServers(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	cfg := apptest.Config(t, tdb, nil)
	a := apptest.Start(t, cfg, withHeaderAuth)
	b := apptest.Start(t, cfg, withHeaderAuth)
	tenant, other := newTenant(t, tdb), newTenant(t, tdb)
	campaign := simulatedTenant(t, a, tdb, tenant)
	ctx := context.Background()

	sub := wstest.Dial(t, ctx, b.URL+"/graphql", wstest.TransportWS, nil)
	sub.Init(map[string]any{"tenant": tenant.String()})
	sub.Subscribe("1", actionStatusUpdated, nil)
	spy := wstest.Dial(t, ctx, b.URL+"/graphql", wstest.TransportWS, nil)
	spy.Init(map[string]any{"tenant": other.String()})
	spy.Subscribe("1", actionStatusUpdated, nil)
	require.Eventually(t, func() bool { return b.App.Hub.Subscribers() == 2 }, 5*time.Second, 10*time.Millisecond)

	res := a.Query(t, `mutation($c: ID!) { queueAction(input: {type: REDUCE_BUDGET, campaignId: $c}) { action { id } userErrors { field message code } } }`,
		map[string]any{"c": campaign}, tenantHeader(tenant))
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "queueAction", "userErrors"))
	id := str(field(t, res.Data, "queueAction", "action", "id"))

	m := sub.Expect("next", 5*time.Second)
	require.Contains(t, string(m.Payload), id)
	if msg, err := spy.Read(300 * time.Millisecond); err == nil {
		t.Fatalf("another tenant's subscriber received %s", msg.Payload)
	}

	// The action is visible on A's tenant only, through node(id:).
	q := `query($id: ID!) { node(id: $id) { id ... on Action { status } } }`
	require.NotNil(t, a.Query(t, q, map[string]any{"id": id}, tenantHeader(tenant)).Data["node"])
	require.Nil(t, b.Query(t, q, map[string]any{"id": id}, tenantHeader(other)).Data["node"])
}

func TestMutationValidationReturnsUserErrors(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil), withHeaderAuth)
	h := tenantHeader(newTenant(t, tdb))
	res := s.Query(t, createRule, map[string]any{"n": "   "}, h)
	require.Empty(t, res.Errors)
	require.Nil(t, field(t, res.Data, "createAutomationRule", "rule"))
	ue := field(t, res.Data, "createAutomationRule", "userErrors").([]any)[0].(map[string]any)
	require.Equal(t, "BAD_USER_INPUT", ue["code"])
	require.Equal(t, []any{"input", "name"}, ue["field"])
	require.Zero(t, ruleCount(t, s, h), "a failed mutation writes nothing")

	// Positive control: the same mutation with a valid name writes.
	res = s.Query(t, createRule, map[string]any{"n": "Pause losers"}, h)
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "createAutomationRule", "userErrors"))
	require.EqualValues(t, 1, ruleCount(t, s, h))
}

func TestConnectionPaging(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil), withHeaderAuth)
	tenant := newTenant(t, tdb)
	h := tenantHeader(tenant)
	for i := 0; i < 5; i++ {
		res := s.Query(t, createRule, map[string]any{"n": string(rune('a' + i))}, h)
		require.Empty(t, res.Errors)
		require.Empty(t, field(t, res.Data, "createAutomationRule", "userErrors"))
	}
	page := func(args string) map[string]any {
		res := s.Query(t, `{ automationRules(builtin: false, `+args+`) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, h)
		require.Empty(t, res.Errors, args)
		return res.Data["automationRules"].(map[string]any)
	}
	names := func(p map[string]any) (out []string) {
		for _, e := range p["edges"].([]any) {
			out = append(out, e.(map[string]any)["node"].(map[string]any)["name"].(string))
		}
		return
	}
	p1 := page("first: 2")
	require.Equal(t, []string{"e", "d"}, names(p1))
	require.EqualValues(t, 5, p1["totalCount"])
	require.Equal(t, true, p1["pageInfo"].(map[string]any)["hasNextPage"])
	p2 := page(`first: 2, after: "` + p1["pageInfo"].(map[string]any)["endCursor"].(string) + `"`)
	require.Equal(t, []string{"c", "b"}, names(p2))
	p3 := page(`last: 2, before: "` + p2["pageInfo"].(map[string]any)["startCursor"].(string) + `"`)
	require.Equal(t, []string{"e", "d"}, names(p3))
	require.Equal(t, false, p3["pageInfo"].(map[string]any)["hasPreviousPage"])

	for _, bad := range []string{"first: 101", "first: -1", `after: "nope"`, "first: 1, last: 1"} {
		res := s.Query(t, `{ automationRules(`+bad+`) { totalCount } }`, nil, h)
		require.Equal(t, "BAD_USER_INPUT", res.Code(), bad)
	}
}

// Bad input of every kind gets a clear error while an open subscription on
// the same server keeps running.
func TestBadInputLeavesServerHealthy(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, map[string]string{
		"STRATUM_MAX_BODY_BYTES":         "4096",
		"STRATUM_GRAPHQL_MAX_COMPLEXITY": "300",
		"STRATUM_GRAPHQL_MAX_DEPTH":      "15",
		"STRATUM_WS_INIT_TIMEOUT":        "300ms",
		"STRATUM_GRAPHQL_MAX_TOKENS":     "500",
	}), withHeaderAuth)
	ctx := context.Background()
	tenant := newTenant(t, tdb)

	watcher := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
	watcher.Init(nil)
	watcher.Subscribe("w", `subscription { serverTime(intervalSeconds: 1) }`, nil)
	watcher.Expect("next", 3*time.Second)

	t.Run("malformed JSON", func(t *testing.T) {
		res := s.Post(t, `{"query": `, nil)
		require.Equal(t, http.StatusBadRequest, res.Status)
		require.NotEmpty(t, res.Errors)
		require.NotEmpty(t, res.Code())
	})
	t.Run("body over the limit", func(t *testing.T) {
		res := s.Post(t, map[string]any{"query": "{ serverInfo { version } }", "variables": map[string]any{"pad": strings.Repeat("x", 5000)}}, nil)
		require.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
		require.Equal(t, "PAYLOAD_TOO_LARGE", res.Code())
	})
	t.Run("complexity over the limit", func(t *testing.T) {
		// Two 100-item pages: 2 × (1 + 100 × 2 objects) = 402 > 300.
		res := s.Query(t, `{ a: automationRules(first: 100) { edges { node { id name createdAt } } } b: automationRules(first: 100) { edges { node { id } } } }`, nil, tenantHeader(tenant))
		require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", res.Code())
	})
	t.Run("depth over the limit", func(t *testing.T) {
		q := "{ __schema { types { fields { type { " + strings.Repeat("ofType { ", 12) + "name" + strings.Repeat(" }", 12) + " } } } } }"
		res := s.Query(t, q, nil, nil)
		require.Equal(t, "DEPTH_LIMIT_EXCEEDED", res.Code())
	})
	t.Run("too many tokens", func(t *testing.T) {
		res := s.Query(t, "{ "+strings.Repeat("serverInfo { version } ", 150)+"}", nil, nil)
		require.NotEmpty(t, res.Errors)
		require.Contains(t, res.Errors[0].Message, "token limit")
	})
	t.Run("GraphiQL's introspection query fits the limits", func(t *testing.T) {
		res := s.Query(t, introspectionQuery, nil, nil)
		require.Empty(t, res.Errors)
		require.NotNil(t, res.Data["__schema"])
	})
	t.Run("unknown persisted query hash", func(t *testing.T) {
		res := s.Post(t, map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1,
			"sha256Hash": strings.Repeat("ab", 32)}}}, nil)
		require.Equal(t, "PERSISTED_QUERY_NOT_FOUND", res.Code())
	})
	t.Run("persisted query registered then used by hash", func(t *testing.T) {
		q := "{ serverInfo { version } }"
		hash := sha256Hex(q)
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
		require.Empty(t, s.Post(t, map[string]any{"query": q, "extensions": ext}, nil).Errors)
		res := s.Post(t, map[string]any{"extensions": ext}, nil)
		require.Empty(t, res.Errors)
		require.Equal(t, "dev", res.Data["serverInfo"].(map[string]any)["version"])
	})
	t.Run("unknown field", func(t *testing.T) {
		res := s.Query(t, `{ nope }`, nil, http.Header{"Accept": {"application/json"}})
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", res.Code())
		require.Contains(t, res.Errors[0].Message, "nope")
		res = s.Query(t, `{ nope }`, nil, http.Header{"Accept": {"application/graphql-response+json"}})
		require.Equal(t, http.StatusBadRequest, res.Status) // GraphQL-over-HTTP: 400 for validation errors
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", res.Code())
	})
	t.Run("websocket frame before connection_init", func(t *testing.T) {
		c := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
		c.Subscribe("1", `subscription { serverTime }`, nil)
		code, reason := c.CloseStatus(5 * time.Second)
		require.EqualValues(t, 4401, code, reason) // graphql-ws: Unauthorized
	})
	t.Run("client that never sends connection_init", func(t *testing.T) {
		c := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
		code, reason := c.CloseStatus(5 * time.Second)
		require.EqualValues(t, 4408, code, reason) // graphql-ws: Connection initialisation timeout
		require.Contains(t, reason, "timeout")
	})

	watcher.Expect("next", 3*time.Second) // the open subscription is unaffected
	res, err := http.Get(s.URL + "/healthz")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
}

func TestLegacyGraphQLWSProtocol(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	c := wstest.Dial(t, context.Background(), s.URL+"/graphql", wstest.LegacyWS, nil)
	require.Equal(t, wstest.LegacyWS, c.C.Subprotocol())
	c.Init(map[string]any{})
	c.Subscribe("7", `subscription { serverTime(intervalSeconds: 1) }`, nil)
	for i := 0; i < 2; i++ {
		m := c.Expect("data", 3*time.Second)
		require.Equal(t, "7", m.ID)
		var payload struct {
			Data struct{ ServerTime time.Time } `json:"data"`
		}
		require.NoError(t, json.Unmarshal(m.Payload, &payload))
		require.WithinDuration(t, time.Now(), payload.Data.ServerTime, 5*time.Second)
	}
	c.Send(wstest.Message{ID: "7", Type: "stop"})
	m := c.Expect("complete", 3*time.Second)
	require.Equal(t, "7", m.ID)
	c.Send(wstest.Message{Type: "connection_terminate"})
}

// Shutdown closes websockets with 1001 (going away) and Serve returns.
func TestGracefulShutdownClosesWebsocketsGoingAway(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	c := wstest.Dial(t, context.Background(), s.URL+"/graphql", wstest.TransportWS, nil)
	c.Init(nil)
	c.Subscribe("1", `subscription { serverTime }`, nil)
	c.Expect("next", 3*time.Second)
	errc := make(chan error, 1)
	go func() { errc <- s.Shutdown(t) }()
	code, _ := c.CloseStatus(10 * time.Second)
	require.Equal(t, websocket.StatusGoingAway, code)
	require.NoError(t, <-errc)
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	s.Query(t, `query Probe { serverInfo { version } }`, nil, nil)
	s.Query(t, `{ nope }`, nil, nil)
	for path, want := range map[string][]string{
		"/healthz": {`"ok"`},
		"/readyz":  {`"ready"`},
		"/metrics": {
			`stratum_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}`,
			`stratum_graphql_operation_duration_seconds_count{operation="Probe",type="query"} 1`,
			`stratum_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
			`stratum_river_queue_depth{queue="default",state="available"}`,
			`stratum_db_pool_max_connections`,
			`stratum_realtime_subscribers 0`,
		},
	} {
		res, err := http.Get(s.URL + path)
		require.NoError(t, err)
		body := readAll(t, res)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		for _, w := range want {
			require.Contains(t, body, w, path)
		}
		require.NotEmpty(t, res.Header.Get("X-Request-Id"))
	}
}

// The server's query caches (validated documents by text, persisted
// queries by hash) keep nothing over 16 KiB: a client chooses the text, up
// to the body limit (1 MiB), and 1,000 such entries would hold a gigabyte.
// A long query is still answered, and a short one still persisted.
func TestLongQueriesAreAnsweredButNotKept(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	persist := func(q string) *apptest.Response {
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(q)}}
		res := s.Post(t, map[string]any{"query": q, "extensions": ext}, nil)
		require.Empty(t, res.Errors)
		require.Equal(t, "dev", res.Data["serverInfo"].(map[string]any)["version"])
		return s.Post(t, map[string]any{"extensions": ext}, nil)
	}
	short := "{ serverInfo { version } }\n#" + strings.Repeat("x", 15<<10)
	require.Empty(t, persist(short).Errors, "positive control: a query under 16 KiB is persisted")
	// Padded with a comment, which is no token.
	long := "{ serverInfo { version } }\n#" + strings.Repeat("x", 17<<10)
	require.Equal(t, "PERSISTED_QUERY_NOT_FOUND", persist(long).Code(), "not persisted")
}

// A websocket message is at most 16 KiB and an operation id at most 128
// bytes: a subscription keeps its message's query, extensions and id while
// it runs, so 1 MiB messages on 50 operations × 100 sockets an address
// could hold gigabytes. Beyond them the socket closes (1009 message too
// big; 4400 for the id); a subscription just under the limit runs.
func TestWebsocketMessagesAndIDsAreBounded(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	ctx := context.Background()
	padded := func(n int) string { return "subscription { serverTime }\n#" + strings.Repeat("x", n) }
	for _, proto := range []string{wstest.TransportWS, wstest.LegacyWS} {
		c := wstest.Dial(t, ctx, s.URL+"/graphql", proto, nil)
		c.Init(nil)
		c.Subscribe("ok", padded(15<<10), nil)
		c.Expect(map[string]string{wstest.TransportWS: "next", wstest.LegacyWS: "data"}[proto], 5*time.Second)
		c.Subscribe("big", padded(17<<10), nil)
		code, reason := c.CloseStatus(5 * time.Second)
		require.Equal(t, websocket.StatusMessageTooBig, code, "%s: %s", proto, reason)

		c = wstest.Dial(t, ctx, s.URL+"/graphql", proto, nil)
		c.Init(nil)
		c.Subscribe(strings.Repeat("i", 129), `subscription { serverTime }`, nil)
		code, reason = c.CloseStatus(5 * time.Second)
		require.EqualValues(t, 4400, code, "%s: %s", proto, reason)
	}
}
