package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/testdb"
)

// The sources API end to end: a key from createSource writes events that
// the batch job counts on the source; disabling and rotating act on the
// tracking API at once; bad input is a userError naming its field.
func TestSourcesAPI(t *testing.T) {
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	e.clock.Advance(time.Minute) // newer than the fixture's source
	res := e.srv.Query(t, `mutation { createSource(input: {name: "  Shop  ", rateLimitPerSecond: 500}) { source { id name enabled writeKeyPrefix rateLimitPerSecond received rejected lastEventAt } writeKey userErrors { field code } } }`, nil, h)
	require.Empty(t, res.Errors)
	p := field(t, res.Data, "createSource").(map[string]any)
	require.Empty(t, p["userErrors"])
	key, id := str(p["writeKey"]), str(field(t, p, "source", "id"))
	require.Equal(t, "Shop", field(t, p, "source", "name"))
	require.Equal(t, key[:10], field(t, p, "source", "writeKeyPrefix"))
	require.EqualValues(t, 500, field(t, p, "source", "rateLimitPerSecond"))
	require.Nil(t, field(t, p, "source", "lastEventAt"))

	ok200(t, e.send(t, "batch", key, map[string]any{"batch": []any{track("api-1", nil), track("api-2", nil)}}))
	require.Eventually(t, func() bool {
		r, err := e.srv.TryQuery(`query($n: Int) { sources(first: $n) { totalCount edges { node { id received lastEventAt } } } }`, map[string]any{"n": 10}, h)
		if err != nil || len(r.Errors) > 0 {
			return false
		}
		for _, edge := range field(t, r.Data, "sources", "edges").([]any) {
			n := edge.(map[string]any)["node"].(map[string]any)
			if n["id"] == id {
				return n["received"] == float64(2) && n["lastEventAt"] == "2026-12-02T10:01:00Z"
			}
		}
		return false
	}, 20e9, 10e6)
	r := e.srv.Query(t, `{ sources(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`, nil, h)
	require.EqualValues(t, 2, field(t, r.Data, "sources", "totalCount"))
	require.Equal(t, "Shop", field(t, r.Data, "sources", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["name"]) // newest first
	require.Equal(t, true, field(t, r.Data, "sources", "pageInfo", "hasNextPage"))

	r = e.srv.Query(t, `mutation($id: ID!) { setSourceEnabled(input: {id: $id, enabled: false}) { source { enabled } userErrors { code } } }`, map[string]any{"id": id}, h)
	require.Equal(t, false, field(t, r.Data, "setSourceEnabled", "source", "enabled"))
	require.Equal(t, http.StatusForbidden, e.send(t, "track", key, track("api-3", nil)).Status)
	e.srv.Query(t, `mutation($id: ID!) { setSourceEnabled(input: {id: $id, enabled: true}) { source { enabled } } }`, map[string]any{"id": id}, h)
	ok200(t, e.send(t, "track", key, track("api-3", nil)))

	// The rate limit changes from the next request: at 3 events a second a
	// batch of 5 passes on a full bucket (leaving it in debt) and the next
	// is refused (429); under the old limit of 500 both passed.
	r = e.srv.Query(t, `mutation($id: ID!) { setSourceRateLimit(input: {id: $id, rateLimitPerSecond: 0}) { source { id } userErrors { field code } } }`, map[string]any{"id": id}, h)
	require.Equal(t, []any{map[string]any{"field": []any{"input", "rateLimitPerSecond"}, "code": "BAD_USER_INPUT"}}, field(t, r.Data, "setSourceRateLimit", "userErrors"))
	five := func(prefix string) map[string]any {
		var b []any
		for i := range 5 {
			b = append(b, track(fmt.Sprintf("%s-%d", prefix, i), nil))
		}
		return map[string]any{"batch": b}
	}
	ok200(t, e.send(t, "batch", key, five("rl-a")))
	ok200(t, e.send(t, "batch", key, five("rl-d")))
	r = e.srv.Query(t, `mutation($id: ID!) { setSourceRateLimit(input: {id: $id, rateLimitPerSecond: 3}) { source { rateLimitPerSecond } userErrors { field code } } }`, map[string]any{"id": id}, h)
	require.Empty(t, field(t, r.Data, "setSourceRateLimit", "userErrors"))
	require.EqualValues(t, 3, field(t, r.Data, "setSourceRateLimit", "source", "rateLimitPerSecond"))
	ok200(t, e.send(t, "batch", key, five("rl-c")))
	require.Equal(t, http.StatusTooManyRequests, e.send(t, "batch", key, five("rl-b")).Status)
	e.srv.Query(t, `mutation($id: ID!) { setSourceRateLimit(input: {id: $id, rateLimitPerSecond: 500}) { source { rateLimitPerSecond } } }`, map[string]any{"id": id}, h)
	e.clock.Advance(time.Second) // the debt is repaid
	ok200(t, e.send(t, "batch", key, five("rl-b")))

	r = e.srv.Query(t, `mutation($id: ID!) { rotateSourceWriteKey(input: {id: $id}) { source { writeKeyPrefix } writeKey userErrors { code } } }`, map[string]any{"id": id}, h)
	newKey := str(field(t, r.Data, "rotateSourceWriteKey", "writeKey"))
	require.NotEqual(t, key, newKey)
	require.Equal(t, newKey[:10], field(t, r.Data, "rotateSourceWriteKey", "source", "writeKeyPrefix"))
	require.Equal(t, http.StatusUnauthorized, e.send(t, "track", key, track("api-4", nil)).Status)
	ok200(t, e.send(t, "track", newKey, track("api-4", nil)))

	r = e.srv.Query(t, `mutation { createSource(input: {name: " "}) { source { id } writeKey userErrors { field code } } }`, nil, h)
	require.Nil(t, field(t, r.Data, "createSource", "writeKey"))
	require.Equal(t, []any{map[string]any{"field": []any{"input", "name"}, "code": "BAD_USER_INPUT"}}, field(t, r.Data, "createSource", "userErrors"))
	r = e.srv.Query(t, `mutation { createSource(input: {name: "x", rateLimitPerSecond: 0}) { userErrors { field code } } }`, nil, h)
	require.Equal(t, []any{"input", "rateLimitPerSecond"}, field(t, r.Data, "createSource", "userErrors").([]any)[0].(map[string]any)["field"])
	r = e.srv.Query(t, `mutation { rotateSourceWriteKey(input: {id: "nope"}) { writeKey userErrors { field code } } }`, nil, h)
	require.Equal(t, "BAD_USER_INPUT", field(t, r.Data, "rotateSourceWriteKey", "userErrors").([]any)[0].(map[string]any)["code"])

	// The cdp flag gates the API: a Starter workspace is refused, naming it.
	starter := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "starter"})
	r = e.srv.Query(t, `{ sources { totalCount } }`, nil, http.Header{"X-Test-Tenant": {starter.String()}})
	require.Equal(t, "FEATURE_DISABLED", r.Code())
	require.Equal(t, "cdp", r.Errors[0].Extensions["feature"])
}
