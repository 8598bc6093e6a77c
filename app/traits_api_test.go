package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

const traitMutation = `mutation($in: CreateTraitDefinitionInput!) { createTraitDefinition(input: $in) {
	definition { id name aggregation event filter { property operator value } valueProperty windowDays backfill { status progress { done total } } }
	userErrors { field code message } } }`

// A definition made through the API is backfilled by its River job from
// the events already processed; the batch job then keeps the value up to
// date; the profile shows it with when it was computed.
func TestComputedTraitsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := map[string][]string{"X-Test-Tenant": {e.tenant.String()}}
	order := func(id string, total any, plan string) map[string]any {
		return map[string]any{"type": "track", "messageId": id, "userId": "u1", "event": "Order Completed",
			"timestamp": "2026-12-02T09:00:00Z", "properties": map[string]any{"total": total, "plan": plan}}
	}
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{order("m1", 10, "pro"), order("m2", 2.5, "free")}}))
	e.waitProcessed(t, e.tenant)

	res := e.srv.Query(t, traitMutation, map[string]any{"in": map[string]any{"name": "Pro revenue", "aggregation": "SUM", "event": "Order Completed",
		"valueProperty": "total", "windowDays": 30, "filter": map[string]any{"property": "plan", "operator": "EQUALS", "value": "pro"}}}, h)
	require.Empty(t, res.Errors)
	def := field(t, res.Data, "createTraitDefinition", "definition").(map[string]any)
	require.Equal(t, "total", def["valueProperty"])
	require.EqualValues(t, 30, def["windowDays"])
	require.Equal(t, map[string]any{"property": "plan", "operator": "EQUALS", "value": "pro"}, def["filter"])

	// The backfill job finishes: every live profile done.
	require.Eventually(t, func() bool {
		r := e.srv.Query(t, `{ traitDefinitions(first: 10) { totalCount edges { node { backfill { status progress { done total } } } } } }`, nil, h)
		if len(r.Errors) > 0 {
			return false
		}
		n := field(t, r.Data, "traitDefinitions", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
		b := n["backfill"].(map[string]any)
		return b["status"] == "DONE" && b["progress"].(map[string]any)["done"] == 1.0 && b["progress"].(map[string]any)["total"] == 1.0
	}, 20*time.Second, 20*time.Millisecond)

	p := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u1"})
	got := e.srv.Query(t, `query($id: ID!) { profile(id: $id) { computedTraits { name value computedAt definition { id } } } }`,
		map[string]any{"id": relay.GlobalID(relay.TypeProfile, p.ID)}, h)
	require.Empty(t, got.Errors)
	ct := field(t, got.Data, "profile", "computedTraits").([]any)
	require.Len(t, ct, 1)
	require.Equal(t, "Pro revenue", ct[0].(map[string]any)["name"])
	require.Equal(t, "10", ct[0].(map[string]any)["value"]) // only the pro order
	require.Equal(t, def["id"], ct[0].(map[string]any)["definition"].(map[string]any)["id"])
	require.NotEmpty(t, ct[0].(map[string]any)["computedAt"])

	// A new event is folded in by the batch job.
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{order("m3", 0.25, "pro")}}))
	e.waitProcessed(t, e.tenant)
	got = e.srv.Query(t, `query($id: ID!) { profile(id: $id) { computedTraits { value } } }`, map[string]any{"id": relay.GlobalID(relay.TypeProfile, p.ID)}, h)
	require.Empty(t, got.Errors)
	require.Equal(t, "10.25", field(t, got.Data, "profile", "computedTraits").([]any)[0].(map[string]any)["value"])
}

// Bad definitions are refused with BAD_USER_INPUT on the field at fault,
// and nothing is stored; a good one (the positive control) is stored.
func TestTraitDefinitionValidation(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := map[string][]string{"X-Test-Tenant": {e.tenant.String()}}
	base := func(over map[string]any) map[string]any {
		in := map[string]any{"name": "n", "aggregation": "SUM", "event": "Order Completed", "valueProperty": "total"}
		for k, v := range over {
			in[k] = v
		}
		return in
	}
	for _, c := range []struct {
		in    map[string]any
		field []any
	}{
		{base(map[string]any{"name": " "}), []any{"input", "name"}},
		{base(map[string]any{"name": strings.Repeat("x", 101)}), []any{"input", "name"}},
		{base(map[string]any{"event": ""}), []any{"input", "event"}},
		{base(map[string]any{"valueProperty": nil}), []any{"input", "valueProperty"}},
		{base(map[string]any{"aggregation": "COUNT"}), []any{"input", "valueProperty"}},
		{base(map[string]any{"valueProperty": "a..b"}), []any{"input", "valueProperty"}},
		{base(map[string]any{"valueProperty": "x'; DROP TABLE cdp_events; --"}), []any{"input", "valueProperty"}},
		{base(map[string]any{"valueProperty": "a.b.c.d.e.f"}), []any{"input", "valueProperty"}},
		{base(map[string]any{"windowDays": 0}), []any{"input", "windowDays"}},
		{base(map[string]any{"windowDays": 731}), []any{"input", "windowDays"}},
		{base(map[string]any{"filter": map[string]any{"property": "total", "operator": "GREATER_THAN", "value": "abc"}}), []any{"input", "filter", "value"}},
		{base(map[string]any{"filter": map[string]any{"property": "{a}", "operator": "EQUALS", "value": "x"}}), []any{"input", "filter", "property"}},
		{base(map[string]any{"filter": map[string]any{"property": "a", "operator": "EQUALS", "value": strings.Repeat("v", 201)}}), []any{"input", "filter", "value"}},
	} {
		res := e.srv.Query(t, traitMutation, map[string]any{"in": c.in}, h)
		require.Empty(t, res.Errors, "%v", c.in)
		ue := field(t, res.Data, "createTraitDefinition", "userErrors").([]any)
		require.Len(t, ue, 1, "%v", c.in)
		require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"], "%v", c.in)
		require.Equal(t, c.field, ue[0].(map[string]any)["field"], "%v", c.in)
		require.Nil(t, field(t, res.Data, "createTraitDefinition", "definition"))
	}
	list := `{ traitDefinitions(first: 10) { totalCount } }`
	res := e.srv.Query(t, list, nil, h)
	require.EqualValues(t, 0, field(t, res.Data, "traitDefinitions", "totalCount"))

	res = e.srv.Query(t, traitMutation, map[string]any{"in": base(nil)}, h)
	require.Empty(t, field(t, res.Data, "createTraitDefinition", "userErrors"))
	res = e.srv.Query(t, traitMutation, map[string]any{"in": base(nil)}, h) // the same name again
	ue := field(t, res.Data, "createTraitDefinition", "userErrors").([]any)
	require.Equal(t, []any{"input", "name"}, ue[0].(map[string]any)["field"])
	res = e.srv.Query(t, list, nil, h)
	require.EqualValues(t, 1, field(t, res.Data, "traitDefinitions", "totalCount"))
}
