package app_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/testdb"
)

const segmentCreate = `mutation($i: CreateSegmentInput!) { createSegment(input: $i) { segment { id name kind size rules refreshedAt
	members(first: 10) { totalCount edges { node { enteredAt profile { id identities { type value } } } } } } userErrors { field message code } } }`

// A dynamic segment built with an event condition follows the events sent
// through the tracking API: the batch job refreshes its membership for the
// profiles each batch touches.
func TestSegmentFollowsTrackedEvents(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	// Performed Order Completed with total > 50 at least twice in the last 30 days.
	rules := map[string]any{"and": []any{
		map[string]any{"event": map[string]any{"name": "Order Completed",
			"where":  []any{map[string]any{"path": []any{"total"}, "operator": "GREATER_THAN", "value": "50"}},
			"count":  map[string]any{"operator": "AT_LEAST", "value": 2},
			"window": map[string]any{"operator": "WITHIN_LAST", "value": "30"}}},
		map[string]any{"not": map[string]any{"event": map[string]any{"name": "Login", "window": map[string]any{"operator": "WITHIN_LAST", "value": "14"}}}},
	}}
	res := e.srv.Query(t, segmentCreate, map[string]any{"i": map[string]any{"name": "Big spenders", "kind": "DYNAMIC", "rules": rules}}, h)
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "createSegment", "userErrors"))
	seg := str(field(t, res.Data, "createSegment", "segment", "id"))
	require.EqualValues(t, 0, field(t, res.Data, "createSegment", "segment", "size"))

	order := func(id, user string, total float64) {
		ok200(t, e.send(t, "track", e.key, map[string]any{"messageId": id, "userId": user, "event": "Order Completed",
			"properties": map[string]any{"total": total}, "timestamp": cdpT0.Add(-24 * 3600e9).Format("2006-01-02T15:04:05Z")}))
	}
	// cyd's Login goes first: the requests may be committed in separate
	// batches, and cyd's orders processed before a later Login would make
	// cyd enter and then exit (correctly, but not what the history below
	// counts).
	ok200(t, e.send(t, "track", e.key, map[string]any{"messageId": "l1", "userId": "cyd", "event": "Login"}))
	order("o1", "ann", 80)
	order("o2", "ann", 60)
	order("o3", "bob", 90)
	order("o4", "bob", 20) // too small
	order("o5", "cyd", 70)
	order("o6", "cyd", 75)
	e.waitProcessed(t, e.tenant)

	q := `query($s: ID!) { segment(id: $s) { size members(first: 10) { totalCount edges { node { profile { identities { type value } } } } } } }`
	res = e.srv.Query(t, q, map[string]any{"s": seg}, h)
	require.Empty(t, res.Errors)
	require.EqualValues(t, 1, field(t, res.Data, "segment", "size"), "%v", res.Data)
	require.Contains(t, rawOf(t, res.Data), `"value":"ann"`)
	require.NotContains(t, rawOf(t, res.Data), `"value":"bob"`)
	require.NotContains(t, rawOf(t, res.Data), `"value":"cyd"`)

	// The history counts ann's entry today (by the server's clock), and
	// zeros before; by default over 30 days.
	hist := `query($s: ID!, $d: Int) { segment(id: $s) { membershipHistory(days: $d) { date entered exited } } }`
	res = e.srv.Query(t, hist, map[string]any{"s": seg, "d": 2}, h)
	require.Empty(t, res.Errors)
	require.Equal(t, []any{
		map[string]any{"date": "2026-12-01", "entered": float64(0), "exited": float64(0)},
		map[string]any{"date": "2026-12-02", "entered": float64(1), "exited": float64(0)},
	}, field(t, res.Data, "segment", "membershipHistory"))
	res = e.srv.Query(t, `query($s: ID!) { segment(id: $s) { membershipHistory { date } } }`, map[string]any{"s": seg}, h)
	require.Empty(t, res.Errors)
	require.Len(t, field(t, res.Data, "segment", "membershipHistory"), 30)
	// Out of range: BAD_USER_INPUT at ["days"], never INTERNAL.
	for _, d := range []int{0, 91} {
		res = e.srv.Query(t, hist, map[string]any{"s": seg, "d": d}, h)
		require.Equal(t, "BAD_USER_INPUT", res.Code(), "days %d", d)
		require.Equal(t, []any{"days"}, res.Errors[0].Extensions["field"])
	}

	// The preview of the same rules agrees.
	res = e.srv.Query(t, `query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size sample { identities { value } } } }`,
		map[string]any{"r": rules}, h)
	require.Empty(t, res.Errors)
	require.EqualValues(t, 1, field(t, res.Data, "previewSegment", "size"))
	require.Contains(t, rawOf(t, res.Data), `"value":"ann"`)
}

// Bad rules: BAD_USER_INPUT with the path of the bad condition, nothing
// saved; the preview refuses them the same way.
func TestSegmentBadRulesOverGraphQL(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	rules := map[string]any{"and": []any{
		map[string]any{"field": "EVENT_COUNT", "operator": "GREATER_THAN", "value": "1"},
		map[string]any{"or": []any{map[string]any{"field": "EVENT_COUNT", "operator": "GREATER_THAN", "value": "1'; DROP TABLE cdp_profiles; --"}}},
	}}
	res := e.srv.Query(t, segmentCreate, map[string]any{"i": map[string]any{"name": "Bad", "kind": "DYNAMIC", "rules": rules}}, h)
	require.Empty(t, res.Errors)
	require.Nil(t, field(t, res.Data, "createSegment", "segment"))
	ue := field(t, res.Data, "createSegment", "userErrors").([]any)
	require.Len(t, ue, 1)
	require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])
	require.Equal(t, []any{"input", "rules", "and", "1", "or", "0", "value"}, ue[0].(map[string]any)["field"])

	res = e.srv.Query(t, `query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`, map[string]any{"r": rules}, h)
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	require.Equal(t, []any{"rules", "and", "1", "or", "0", "value"}, res.Errors[0].Extensions["field"])
	// An empty group is named as such.
	res = e.srv.Query(t, segmentCreate, map[string]any{"i": map[string]any{"name": "Empty", "kind": "DYNAMIC",
		"rules": map[string]any{"or": []any{map[string]any{"and": []any{}}}}}}, h)
	ue = field(t, res.Data, "createSegment", "userErrors").([]any)
	require.Equal(t, []any{"input", "rules", "or", "0", "and"}, ue[0].(map[string]any)["field"])
	res = e.srv.Query(t, `{ segments(first: 5) { totalCount } }`, nil, h)
	require.EqualValues(t, 0, field(t, res.Data, "segments", "totalCount"))
	// Positive control: the same rules with a number are saved.
	rules["and"].([]any)[1].(map[string]any)["or"].([]any)[0].(map[string]any)["value"] = "0"
	res = e.srv.Query(t, segmentCreate, map[string]any{"i": map[string]any{"name": "Good", "kind": "STATIC", "rules": rules}}, h)
	require.Empty(t, field(t, res.Data, "createSegment", "userErrors"))
	res = e.srv.Query(t, `{ segments(first: 5) { totalCount } }`, nil, h)
	require.EqualValues(t, 1, field(t, res.Data, "segments", "totalCount"))
}

// The plan's segments limit holds under concurrent creations (Starter with
// the cdp flag: 5 segments), and a deleted segment gives its unit back.
func TestSegmentLimitReservedAtomically(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	tenant := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{})
	on := true
	_, err := e.srv.App.Services.Billing.SetFlag(t.Context(), billing.Operator{Email: "ops@test"},
		billing.FlagChange{Tenant: tenant, Flag: "cdp", Enabled: &on, Reason: "segments limit test"})
	require.NoError(t, err)
	h := http.Header{"X-Test-Tenant": {tenant.String()}}
	create := func(name string) map[string]any {
		res := e.srv.Query(t, segmentCreate, map[string]any{"i": map[string]any{"name": name, "kind": "STATIC",
			"rules": map[string]any{"identifier": "EMAIL", "operator": "EXISTS"}}}, h)
		require.Empty(t, res.Errors)
		return res.Data
	}
	var mu sync.Mutex
	var ids []string
	refused := 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			d := create("s" + string(rune('a'+i)))
			mu.Lock()
			defer mu.Unlock()
			if s, ok := field(t, d, "createSegment", "segment").(map[string]any); ok {
				ids = append(ids, str(s["id"]))
				return
			}
			ue := field(t, d, "createSegment", "userErrors").([]any)
			require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])
			require.Contains(t, ue[0].(map[string]any)["message"], "segments")
			refused++
		})
	}
	wg.Wait()
	require.Len(t, ids, 5)
	require.Equal(t, 3, refused)

	res := e.srv.Query(t, `mutation($s: ID!) { deleteSegment(input: {id: $s}) { deletedSegmentId userErrors { code } } }`, map[string]any{"s": ids[0]}, h)
	require.Equal(t, ids[0], field(t, res.Data, "deleteSegment", "deletedSegmentId"))
	require.NotNil(t, field(t, create("again"), "createSegment", "segment"), "the deleted segment's unit was given back")
	require.Nil(t, field(t, create("over"), "createSegment", "segment"))
}

// rawOf is data as JSON text.
func rawOf(t *testing.T, data map[string]any) string {
	t.Helper()
	b, err := json.Marshal(data)
	require.NoError(t, err)
	return string(b)
}
