package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Segments over computed traits and RFM scores through GraphQL: a
// computed-trait condition selects by the trait's value and follows the
// batch job's updates of it; an RFM condition follows the RFM refresh; a
// definition id that is not the tenant's is refused at its path; rule
// values that try to inject SQL are refused or inert.
func TestSegmentComputedTraitAndRFMConditions(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	q := func(query string, vars map[string]any) map[string]any {
		t.Helper()
		res := e.srv.Query(t, query, vars, h)
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	now := e.clock.Now()
	order := func(id, user string, ago time.Duration) map[string]any {
		return map[string]any{"type": "track", "messageId": id, "userId": user, "event": "Order Completed",
			"timestamp": now.Add(-ago).Format(time.RFC3339), "properties": map[string]any{"total": 10}}
	}
	day := 24 * time.Hour
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{order("o1", "ann", day), order("o2", "ann", day+time.Hour),
		order("o3", "bob", 3*day)}}))
	e.waitProcessed(t, e.tenant)

	d := q(traitMutation, map[string]any{"in": map[string]any{"name": "Orders", "aggregation": "COUNT", "event": "Order Completed"}})
	def := str(field(t, d, "createTraitDefinition", "definition", "id"))
	require.Eventually(t, func() bool {
		r := e.srv.Query(t, `{ traitDefinitions(first: 1) { edges { node { backfill { status } } } } }`, nil, h)
		return len(r.Errors) == 0 && field(t, r.Data, "traitDefinitions", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["backfill"].(map[string]any)["status"] == "DONE"
	}, 20*time.Second, 20*time.Millisecond)

	members := func(seg string) []string {
		t.Helper()
		d := q(`query($s: ID!) { segment(id: $s) { size members(first: 10) { edges { node { profile { identities { type value } } } } } } }`,
			map[string]any{"s": seg})
		var out []string
		for _, m := range field(t, d, "segment", "members", "edges").([]any) {
			for _, id := range m.(map[string]any)["node"].(map[string]any)["profile"].(map[string]any)["identities"].([]any) {
				if id.(map[string]any)["type"] == "USER_ID" {
					out = append(out, str(id.(map[string]any)["value"]))
				}
			}
		}
		require.EqualValues(t, len(out), field(t, d, "segment", "size"))
		return out
	}
	create := func(name string, rules map[string]any) map[string]any {
		t.Helper()
		return q(segmentCreate, map[string]any{"i": map[string]any{"name": name, "kind": "DYNAMIC", "rules": rules}})
	}

	// Computed trait: more than one order.
	d = create("Repeat buyers", map[string]any{"and": []any{map[string]any{"computedTrait": def, "operator": "GREATER_THAN", "value": "1"}}})
	require.Empty(t, field(t, d, "createSegment", "userErrors"))
	repeat := str(field(t, d, "createSegment", "segment", "id"))
	require.Equal(t, []string{"ann"}, members(repeat))
	// Bob's second order: the batch job updates his trait, then his membership.
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{order("o4", "bob", 3*day+time.Hour)}}))
	e.waitProcessed(t, e.tenant)
	require.ElementsMatch(t, []string{"ann", "bob"}, members(repeat))

	// A definition that is not the tenant's, or no id at all: refused at
	// the condition's path, nothing saved.
	for _, bad := range []string{relay.GlobalID(cdp.TypeTraitDefinition, uuid.New()), relay.GlobalID(relay.TypeSegment, uuid.New()), "x'; DROP TABLE cdp_profiles; --"} {
		d = create("Bad", map[string]any{"or": []any{map[string]any{"field": "EVENT_COUNT", "operator": "GREATER_THAN", "value": "0"},
			map[string]any{"computedTrait": bad, "operator": "EXISTS"}}})
		ue := field(t, d, "createSegment", "userErrors").([]any)
		require.Len(t, ue, 1)
		require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])
		require.Equal(t, []any{"input", "rules", "or", "1", "computedTrait"}, ue[0].(map[string]any)["field"])
	}
	// Another tenant cannot name this tenant's definition (positive
	// control: the owner can, below).
	other := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{})
	on := true
	_, err := e.srv.App.Services.Billing.SetFlag(t.Context(), billing.Operator{Email: "ops@test"},
		billing.FlagChange{Tenant: other, Flag: "cdp", Enabled: &on, Reason: "isolation"})
	require.NoError(t, err)
	res := e.srv.Query(t, `query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`,
		map[string]any{"r": map[string]any{"computedTrait": def, "operator": "EXISTS"}}, http.Header{"X-Test-Tenant": {other.String()}})
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	require.Equal(t, []any{"rules", "computedTrait"}, res.Errors[0].Extensions["field"])
	res = e.srv.Query(t, `query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`,
		map[string]any{"r": map[string]any{"not": map[string]any{"computedTrait": relay.GlobalID(cdp.TypeTraitDefinition, uuid.New()), "operator": "EXISTS"}}}, h)
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	require.Equal(t, []any{"rules", "not", "computedTrait"}, res.Errors[0].Extensions["field"])
	// Injection in values: a number is refused at its path, a string is inert.
	d = create("Evil", map[string]any{"computedTrait": def, "operator": "GREATER_THAN", "value": "1 OR true"})
	require.Equal(t, []any{"input", "rules", "value"}, field(t, d, "createSegment", "userErrors").([]any)[0].(map[string]any)["field"])
	d = q(`query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`,
		map[string]any{"r": map[string]any{"computedTrait": def, "operator": "EQUALS", "value": "2' OR '1'='1"}})
	require.EqualValues(t, 0, field(t, d, "previewSegment", "size"))
	d = q(`query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`, // positive control
		map[string]any{"r": map[string]any{"computedTrait": def, "operator": "EQUALS", "value": "2"}})
	require.EqualValues(t, 2, field(t, d, "previewSegment", "size"))
	d = create("Evil cell", map[string]any{"rfm": "CELL", "operator": "IN", "values": []any{"LOST", "LOST' OR '1'='1"}})
	require.Equal(t, []any{"input", "rules", "values", "1"}, field(t, d, "createSegment", "userErrors").([]any)[0].(map[string]any)["field"])

	// RFM: segments made before the first refresh are empty, and follow it.
	d = create("Lost", map[string]any{"rfm": "CELL", "operator": "IN", "values": []any{"LOST", "AT_RISK"}})
	require.Empty(t, field(t, d, "createSegment", "userErrors"))
	lost := str(field(t, d, "createSegment", "segment", "id"))
	d = create("Recent", map[string]any{"rfm": "RECENCY", "operator": "EQUALS", "value": "2"})
	recent := str(field(t, d, "createSegment", "segment", "id"))
	require.Empty(t, members(lost))
	require.Empty(t, members(recent))
	require.Equal(t, true, field(t, q(`mutation { refreshRfm { queued } }`, nil), "refreshRfm", "queued"))
	require.Eventually(t, func() bool {
		return field(t, q(`{ rfmReport { computedAt } }`, nil), "rfmReport", "computedAt") != nil
	}, 20*time.Second, 20*time.Millisecond, "the refresh job ran")
	// Two customers, the same frequency: ann is the more recent (R 2, F 1:
	// Hibernating), bob R 1, F 1 (Lost).
	require.Equal(t, []string{"bob"}, members(lost))
	require.Equal(t, []string{"ann"}, members(recent))
	d = q(`query($r: SegmentRuleInput!) { previewSegment(rules: $r) { size } }`,
		map[string]any{"r": map[string]any{"rfm": "CELL", "operator": "EQUALS", "value": "HIBERNATING"}})
	require.EqualValues(t, 1, field(t, d, "previewSegment", "size"))
}
