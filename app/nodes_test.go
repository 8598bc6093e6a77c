package app_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// txCounter counts, per request id, the transactions bun begins and the
// statements it runs.
type txCounter struct {
	mu           sync.Mutex
	begins, stmt map[string]int
	tally        map[string]int // statements starting with "SELECT count(", by request
	queries      map[string][]string
}

func (c *txCounter) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	id := observability.RequestID(ctx)
	if id == "" {
		return ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queries == nil {
		c.queries = map[string][]string{}
	}
	c.queries[id] = append(c.queries[id], e.Query)
	switch strings.ToUpper(strings.TrimSpace(e.Query)) {
	case "BEGIN":
		c.begins[id]++
	case "COMMIT", "ROLLBACK":
	default:
		c.stmt[id]++
		if strings.HasPrefix(strings.TrimSpace(e.Query), "SELECT count(") {
			if c.tally == nil {
				c.tally = map[string]int{}
			}
			c.tally[id]++
		}
	}
	return ctx
}

func (c *txCounter) countStatements(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tally[id]
}

// statements returns the statements the request id ran, in order.
func (c *txCounter) statements(id string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.queries[id]...)
}

func (c *txCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

func (c *txCounter) counts(id string) (begins, statements int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.begins[id], c.stmt[id]
}

const nodesQuery = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on AutomationRule { name } ... on Tenant { name } } }`

// setupNodes starts a server whose bun queries are counted, with a tenant
// holding n automation rules; it returns their global ids and the tenant's.
func setupNodes(t *testing.T, env map[string]string, n int) (*apptest.Server, *txCounter, http.Header, []string) {
	t.Helper()
	tdb := testdb.New(t)
	counter := &txCounter{begins: map[string]int{}, stmt: map[string]int{}}
	s := apptest.Start(t, apptest.Config(t, tdb, env), withHeaderAuth, func(a *app.App) { a.DB.Bun.AddQueryHook(counter) })
	tenant := newTenant(t, tdb)
	h := tenantHeader(tenant)
	ids := make([]string, n)
	for i := range ids {
		res := s.Query(t, createRule, map[string]any{"n": "rule " + uuid.NewString()}, h)
		require.Empty(t, res.Errors)
		require.Empty(t, field(t, res.Data, "createAutomationRule", "userErrors"))
		ids[i] = str(field(t, res.Data, "createAutomationRule", "rule", "id"))
	}
	h.Set("X-Request-Id", "")
	return s, counter, h, append(ids, relay.GlobalID(relay.TypeTenant, tenant))
}

// nodes(ids:) used to cost 1 for up to 100 lookups, each in its own
// transaction. It costs per id and reads everything in one transaction.
func TestNodesCostPerIDInOneTransaction(t *testing.T) {
	t.Parallel()
	s, counter, h, ids := setupNodes(t, nil, 99)
	require.Len(t, ids, 100)

	h.Set("X-Request-Id", "nodes-100")
	res := s.Query(t, nodesQuery, map[string]any{"ids": ids}, h)
	require.Empty(t, res.Errors)
	got := res.Data["nodes"].([]any)
	require.Len(t, got, 100)
	for i, n := range got {
		require.NotNil(t, n, "id %d", i)
		require.Equal(t, ids[i], n.(map[string]any)["id"], "order is kept")
	}
	require.NotEmpty(t, got[99].(map[string]any)["name"], "the tenant is found in the same call")

	cost := res.Extensions["cost"].(map[string]any)
	require.EqualValues(t, 100, cost["requestedQueryCost"], "each id costs a point")

	begins, statements := counter.counts("nodes-100")
	require.Equal(t, 1, begins, "one transaction for the whole call")
	// set_config, the tenant's billing state and overrides (read once per
	// request for the effective plan, ADR 0014), the rules in one query, the
	// tenant.
	require.LessOrEqual(t, statements, 5)

	t.Run("positive control: one id costs one point", func(t *testing.T) {
		res := s.Query(t, nodesQuery, map[string]any{"ids": ids[:1]}, h)
		require.Empty(t, res.Errors)
		require.EqualValues(t, 1, res.Extensions["cost"].(map[string]any)["requestedQueryCost"])
	})
	t.Run("missing, foreign and invisible ids are null", func(t *testing.T) {
		other := relay.GlobalID(relay.TypeAutomationRule, uuid.New())
		res := s.Query(t, nodesQuery, map[string]any{"ids": []string{ids[0], other, relay.GlobalID(relay.TypeTenant, uuid.New()), relay.GlobalID("Nope", uuid.New())}}, h)
		require.Empty(t, res.Errors)
		got := res.Data["nodes"].([]any)
		require.NotNil(t, got[0])
		require.Nil(t, got[1])
		require.Nil(t, got[2])
		require.Nil(t, got[3])
	})
	t.Run("a malformed id is BAD_USER_INPUT at its index", func(t *testing.T) {
		res := s.Query(t, nodesQuery, map[string]any{"ids": []string{ids[0], "nope"}}, h)
		require.Equal(t, "BAD_USER_INPUT", res.Code())
		require.Equal(t, []any{"ids", "1"}, res.Errors[0].Extensions["field"])
	})
}

// Several nodes(ids:) fields in one operation add up and are refused by the
// complexity limit.
func TestNodesOverTheComplexityLimit(t *testing.T) {
	t.Parallel()
	s, _, h, ids := setupNodes(t, map[string]string{"STRATUM_GRAPHQL_MAX_COMPLEXITY": "250"}, 0)
	many := make([]string, 100)
	for i := range many {
		many[i] = relay.GlobalID("AutomationRule", uuid.New())
	}
	q := `query($ids: [ID!]!) { a: nodes(ids: $ids) { id } b: nodes(ids: $ids) { id } c: nodes(ids: $ids) { id } }`
	res := s.Query(t, q, map[string]any{"ids": many}, h)
	require.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", res.Code(), res.Errors)
	res = s.Query(t, q, map[string]any{"ids": append(many[:10], ids...)}, h)
	require.Empty(t, res.Errors, "positive control: 3 × 11 ids fit")
}

// A connection counts its rows only when totalCount is asked for (issue
// 16): the same page without it runs no count(*), with it (directly,
// through a fragment, or aliased) one, whose figure is right.
func TestTotalCountIsCountedOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	s, counter, h, _ := setupNodes(t, nil, 3)
	run := func(id, query string) map[string]any {
		h.Set("X-Request-Id", id)
		res := s.Query(t, query, nil, h)
		require.Empty(t, res.Errors)
		require.Len(t, field(t, res.Data, "automationRules", "edges"), 2)
		return res.Data
	}
	run("without", `{ automationRules(first: 2, builtin: false) { edges { node { id } } pageInfo { hasNextPage } } }`)
	require.Zero(t, counter.countStatements("without"))
	_, stmts := counter.counts("without")
	require.Positive(t, stmts, "the page itself was read (the hook sees this request)")

	for id, q := range map[string]string{
		"direct":   `{ automationRules(first: 2, builtin: false) { totalCount edges { node { id } } } }`,
		"fragment": `{ automationRules(first: 2, builtin: false) { ...c edges { node { id } } } } fragment c on AutomationRuleConnection { totalCount }`,
		"alias":    `{ automationRules(first: 2, builtin: false) { n: totalCount edges { node { id } } } }`,
	} {
		d := run(id, q)
		require.Equal(t, 1, counter.countStatements(id), id)
		key := "totalCount"
		if id == "alias" {
			key = "n"
		}
		require.EqualValues(t, 3, field(t, d, "automationRules", key), id)
	}
}
