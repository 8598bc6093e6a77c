package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RFM and funnels end to end: events through the tracking API and the
// batch job, refreshRfm through River, the reports through GraphQL.
func TestRFMAndFunnelsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := setupIngest(t)
	h := http.Header{"X-Test-Tenant": {e.tenant.String()}}
	now := e.clock.Now()
	ts := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	day := 24 * time.Hour
	order := func(id, user string, ago time.Duration, props map[string]any) map[string]any {
		return map[string]any{"type": "track", "messageId": id, "userId": user, "event": "Order Completed", "timestamp": ts(ago), "properties": props}
	}
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "track", "messageId": "s1", "userId": "ann", "event": "Signed Up", "timestamp": ts(2*day + time.Hour), "properties": map[string]any{"plan": "pro"}},
		order("o1", "ann", 2*day, map[string]any{"revenue": 10}),
		order("o2", "ann", day, map[string]any{"revenue": "20.5"}),
		map[string]any{"type": "track", "messageId": "s2", "userId": "bob", "event": "Signed Up", "timestamp": ts(day), "properties": map[string]any{"plan": "free"}},
		order("o3", "carl", 100*day, map[string]any{"total": 5}),
		order("o4", "dan", 400*day, map[string]any{"revenue": 99}), // before the lookback
	}}))
	e.waitProcessed(t, e.tenant)

	q := func(query string, vars map[string]any) map[string]any {
		t.Helper()
		res := e.srv.Query(t, query, vars, h)
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	d := q(`mutation { refreshRfm { queued userErrors { code } } }`, nil)
	require.Equal(t, true, field(t, d, "refreshRfm", "queued"))
	report := `{ rfmReport { computedAt profiles cells { segment name count revenueMicros members(first: 10) { edges { node { id rfm { r f m segment } } } } } } }`
	require.Eventually(t, func() bool {
		return field(t, q(report, nil), "rfmReport", "computedAt") != nil
	}, 20*time.Second, 20*time.Millisecond, "the refresh job ran")
	d = q(report, nil)
	require.EqualValues(t, 2, field(t, d, "rfmReport", "profiles"), "ann and carl (dan's order is too old, bob bought nothing)")
	members, revenue := 0, map[string]any{}
	for _, c := range field(t, d, "rfmReport", "cells").([]any) {
		cell := c.(map[string]any)
		members += len(field(t, cell, "members", "edges").([]any))
		revenue[str(cell["segment"])] = cell["revenueMicros"]
	}
	require.Equal(t, 2, members)
	require.Equal(t, "30500000", revenue["HIBERNATING"], "ann's 10 + 20.5")
	require.Equal(t, "5000000", revenue["LOST"], "carl's total of 5")
	// Two customers: ntile(5) over two profiles fills buckets 1 and 2, so
	// ann (more recent, more, dearer) scores 2 everywhere and carl 1
	// (ADR 0021: scores are quintiles among the workspace's customers).
	d = q(`query($s: String!) { profiles(filter: {search: $s}) { edges { node { rfm { r f m segment } } } } }`, map[string]any{"s": "ann"})
	rfm := field(t, d, "profiles", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["rfm"].(map[string]any)
	require.Equal(t, map[string]any{"r": 2.0, "f": 2.0, "m": 2.0, "segment": "HIBERNATING"}, rfm)
	d = q(`query($s: String!) { profiles(filter: {search: $s}) { edges { node { rfm { r } } } } }`, map[string]any{"s": "bob"})
	require.Nil(t, field(t, d, "profiles", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["rfm"])

	// Settings: validated with the field's path, nothing saved.
	d = q(`mutation { updateRfmSettings(input: {lookbackDays: 0}) { settings { lookbackDays } userErrors { field code } } }`, nil)
	require.Equal(t, []any{map[string]any{"field": []any{"input", "lookbackDays"}, "code": "BAD_USER_INPUT"}}, field(t, d, "updateRfmSettings", "userErrors"))
	d = q(`mutation { updateRfmSettings(input: {lookbackDays: 500, eventNames: ["Order Completed", "Paid"]}) { settings { lookbackDays eventNames valueProperty } userErrors { code } } }`, nil)
	require.Equal(t, map[string]any{"lookbackDays": 500.0, "eventNames": []any{"Order Completed", "Paid"}, "valueProperty": nil},
		field(t, d, "updateRfmSettings", "settings"))

	// A funnel: ann signs up and orders within a day; bob only signs up.
	d = q(`mutation { createFunnel(input: {name: "Checkout", windowSeconds: 86400, steps: [{event: "Signed Up"}, {event: "Order Completed"}]}) {
		funnel { id } userErrors { field code } } }`, nil)
	require.Empty(t, field(t, d, "createFunnel", "userErrors"))
	id := str(field(t, d, "createFunnel", "funnel", "id"))
	d = q(`query($id: ID!, $from: Time!, $to: Time!) { funnelReport(id: $id, from: $from, to: $to, breakdownBy: {source: EVENT_PROPERTY, path: ["plan"]}) {
		entered converted conversionRate steps { entered converted dropOff conversionFromPrevious medianSecondsFromPrevious }
		breakdown { value other steps { entered } } } }`, map[string]any{"id": id, "from": ts(3 * day), "to": ts(0)})
	rep := field(t, d, "funnelReport").(map[string]any)
	require.EqualValues(t, 2, rep["entered"])
	require.EqualValues(t, 1, rep["converted"])
	require.EqualValues(t, 0.5, rep["conversionRate"])
	steps := rep["steps"].([]any)
	require.Equal(t, map[string]any{"entered": 2.0, "converted": 1.0, "dropOff": 0.0, "conversionFromPrevious": 1.0, "medianSecondsFromPrevious": nil}, steps[0])
	require.Equal(t, map[string]any{"entered": 1.0, "converted": 1.0, "dropOff": 1.0, "conversionFromPrevious": 0.5, "medianSecondsFromPrevious": 3600.0}, steps[1])
	require.Equal(t, []any{
		map[string]any{"value": "free", "other": false, "steps": []any{map[string]any{"entered": 1.0}, map[string]any{"entered": 0.0}}},
		map[string]any{"value": "pro", "other": false, "steps": []any{map[string]any{"entered": 1.0}, map[string]any{"entered": 1.0}}},
	}, rep["breakdown"])

	// Bad input names its field; a bad report range is refused.
	d = q(`mutation { createFunnel(input: {name: "x", windowSeconds: 60, steps: [{event: "A"}, {event: "B", filter: {path: ["total"], operator: GREATER_THAN, value: "1 OR 1=1"}}]}) {
		funnel { id } userErrors { field code } } }`, nil)
	require.Equal(t, []any{map[string]any{"field": []any{"input", "steps", "1", "filter", "value"}, "code": "BAD_USER_INPUT"}}, field(t, d, "createFunnel", "userErrors"))
	res := e.srv.Query(t, `query($id: ID!, $t: Time!) { funnelReport(id: $id, from: $t, to: $t) { entered } }`, map[string]any{"id": id, "t": ts(0)}, h)
	require.Equal(t, "BAD_USER_INPUT", res.Code())
	d = q(`{ funnels(first: 5) { totalCount } }`, nil)
	require.EqualValues(t, 1, field(t, d, "funnels", "totalCount"), "the refused funnel was not stored")

	// Injection attempts in a path, a value and a breakdown path are data:
	// stored and compared as given, nothing else happens.
	evil := map[string]any{"input": map[string]any{"name": "x'); DROP TABLE cdp_funnels; --", "windowSeconds": 3600, "steps": []any{
		map[string]any{"event": "Signed Up"},
		map[string]any{"event": "Order Completed", "filter": map[string]any{"path": []any{"a'); DROP TABLE cdp_events; --", `"}`},
			"operator": "CONTAINS", "value": "' OR 1=1 --"}}}}}
	d = q(`mutation($input: CreateFunnelInput!) { createFunnel(input: $input) { funnel { id name steps { filter { path value } } } userErrors { code } } }`, evil)
	require.Empty(t, field(t, d, "createFunnel", "userErrors"))
	require.Equal(t, "x'); DROP TABLE cdp_funnels; --", field(t, d, "createFunnel", "funnel", "name"))
	evilID := str(field(t, d, "createFunnel", "funnel", "id"))
	d = q(`query($id: ID!, $from: Time!, $to: Time!) { funnelReport(id: $id, from: $from, to: $to, breakdownBy: {source: PROFILE_TRAIT, path: ["'; SELECT pg_sleep(10); --"]}) {
		entered converted breakdown { value other } } }`, map[string]any{"id": evilID, "from": ts(3 * day), "to": ts(0)})
	require.EqualValues(t, 2, field(t, d, "funnelReport", "entered"))
	require.EqualValues(t, 0, field(t, d, "funnelReport", "converted"), "no order has that property")
	require.Equal(t, []any{map[string]any{"value": nil, "other": false}}, field(t, d, "funnelReport", "breakdown"))
	d = q(`{ funnels(first: 5) { totalCount } }`, nil)
	require.EqualValues(t, 2, field(t, d, "funnels", "totalCount"), "cdp_funnels is still there")
}
