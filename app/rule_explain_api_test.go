package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
)

// TestRuleDryRunTemplatesAndActivityThroughGraphQL: a dry run lists every
// campaign with the values its conditions read and the first failing one; a
// user-defined rule reads in words; templates are served; an evaluation
// shows in the rule's activity log with its proposal.
func TestRuleDryRunTemplatesAndActivityThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	ctx := context.Background()

	// Only the rule below proposes (a built-in would supersede its proposal).
	d := b.do(t, `{ automationRules(builtin: true) { edges { node { id } } } }`, nil)
	for _, e := range field(t, d, "automationRules", "edges").([]any) {
		b.do(t, `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { userErrors { code } } }`,
			map[string]any{"id": e.(map[string]any)["node"].(map[string]any)["id"]})
	}

	d = b.do(t, `{ ruleTemplates { key logic } }`, nil)
	templates := field(t, d, "ruleTemplates").([]any)
	require.Len(t, templates, 5)
	require.Equal(t, "CPA over 3 days > 50 and Spend over 3 days ≥ 100 → pause underperforming campaign", dig(templates[0].(map[string]any), "logic"))

	d = b.do(t, `mutation($in: AutomationRuleInput!) { createAutomationRule(input: $in) { rule { id logic } userErrors { code } } }`, map[string]any{"in": map[string]any{
		"name":       "Stop-loss",
		"conditions": map[string]any{"metric": "CPA", "windowDays": 3, "operator": "GT", "value": 50.0},
		"actions":    []any{map[string]any{"type": "REDUCE_BUDGET", "params": map[string]any{"percent": 25.0}}}}})
	require.Nil(t, userError(t, d, "createAutomationRule"))
	rule := field(t, d, "createAutomationRule", "rule").(map[string]any)
	require.Equal(t, "CPA over 3 days > 50 → reduce budget by 25 %", rule["logic"])

	d = b.do(t, `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { campaignsEvaluated campaignsNotShown
		campaigns { campaign { name } evaluated wouldPropose outcome
			checks { path label metric value unit operator threshold passed }
			failedCheck { label value unit passed }
			proposals { type } }
		userErrors { code } } }`, map[string]any{"id": rule["id"]})
	require.Nil(t, userError(t, d, "simulateRule"))
	require.EqualValues(t, 4, field(t, d, "simulateRule", "campaignsEvaluated"))
	require.EqualValues(t, 0, field(t, d, "simulateRule", "campaignsNotShown"))
	campaigns := field(t, d, "simulateRule", "campaigns").([]any)
	require.Len(t, campaigns, 4)
	first := campaigns[0].(map[string]any)
	require.Equal(t, "Spring Sale – Lookalike 3%", dig(first, "campaign", "name"))
	require.Equal(t, true, first["wouldPropose"])
	require.Nil(t, first["failedCheck"])
	require.Equal(t, "REDUCE_BUDGET", first["proposals"].([]any)[0].(map[string]any)["type"])
	for _, c := range campaigns[1:] {
		c := c.(map[string]any)
		require.Equal(t, false, c["wouldPropose"])
		check := c["checks"].([]any)[0].(map[string]any)
		require.Equal(t, "conditions", check["path"])
		require.Equal(t, "CPA", check["metric"])
		require.Equal(t, "CURRENCY", check["unit"])
		require.Equal(t, "GT", check["operator"])
		require.EqualValues(t, 50, check["threshold"])
		require.Less(t, check["value"], 50.0)
		require.Equal(t, "CPA over 3 days", dig(c, "failedCheck", "label"))
		require.Contains(t, c["outcome"], "No proposal: CPA over 3 days is ")
	}

	_, err := b.srv.App.Services.Automation.EvaluateRules(ctx, app.DemoTenantID, true)
	require.NoError(t, err)
	d = b.do(t, `query($id: ID!) { node(id: $id) { ... on AutomationRule { activity(first: 10) { totalCount
		edges { node { kind campaignsEvaluated proposals actionType status detail campaign { name } action { id type } } } } } } }`,
		map[string]any{"id": rule["id"]})
	edges := field(t, d, "node", "activity", "edges").([]any)
	require.Len(t, edges, 2)
	evaluated, proposed := edges[0].(map[string]any)["node"].(map[string]any), edges[1].(map[string]any)["node"].(map[string]any)
	require.Equal(t, "EVALUATED", evaluated["kind"], "newest first")
	require.EqualValues(t, 4, evaluated["campaignsEvaluated"])
	require.EqualValues(t, 1, evaluated["proposals"])
	require.Equal(t, "PROPOSED", proposed["kind"])
	require.Equal(t, "REDUCE_BUDGET", proposed["actionType"])
	require.Equal(t, "Spring Sale – Lookalike 3%", dig(proposed, "campaign", "name"))
	require.Equal(t, "REDUCE_BUDGET", dig(proposed, "action", "type"))
}
