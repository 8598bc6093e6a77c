package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// TestActionSourcesAndResolutionThroughGraphQL: a rule and then a person
// proposing the same change make one action with both as sources (the
// rule's business reason kept); once the campaign is paused, approving it
// ends it NOT_NEEDED with the reason, and the campaign is left alone.
func TestActionSourcesAndResolutionThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	ctx := context.Background()
	svc := b.srv.App.Services

	b.do(t, `mutation { setAutopilotLevel(input: {level: APPROVAL_REQUIRED}) { userErrors { code } } }`, nil) // nothing runs unapproved
	d := b.do(t, `{ automationRules(builtin: true) { edges { node { id } } } }`, nil)
	for _, e := range field(t, d, "automationRules", "edges").([]any) {
		b.do(t, `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { userErrors { code } } }`,
			map[string]any{"id": e.(map[string]any)["node"].(map[string]any)["id"]})
	}
	cs, err := svc.Platforms.Campaigns(ctx, app.DemoTenantID, platforms.CampaignFilter{})
	require.NoError(t, err)
	c := cs[0]
	campaign := relay.GlobalID(relay.TypeCampaign, c.ID)

	d = b.do(t, `mutation($in: AutomationRuleInput!) { createAutomationRule(input: $in) { rule { id } userErrors { code } } }`, map[string]any{"in": map[string]any{
		"name": "Trim spend", "scope": map[string]any{"campaignIds": []any{campaign}},
		"conditions": map[string]any{"metric": "SPEND", "windowDays": 30, "operator": "GT", "value": 0.0},
		"actions":    []any{map[string]any{"type": "REDUCE_BUDGET", "params": map[string]any{"percent": 33.0}}}}})
	require.Nil(t, userError(t, d, "createAutomationRule"))
	queued, err := svc.Automation.EvaluateRules(ctx, app.DemoTenantID, true)
	require.NoError(t, err)
	require.Len(t, queued, 1)
	d = b.do(t, `mutation($c: ID!) { queueAction(input: {type: REDUCE_BUDGET, campaignId: $c, params: {percent: 33}}) { action { id } userErrors { code } } }`,
		map[string]any{"c": campaign})
	require.Nil(t, userError(t, d, "queueAction"))
	id := str(field(t, d, "queueAction", "action", "id"))
	require.Equal(t, relay.GlobalID(relay.TypeAction, queued[0].ID), id, "the person's proposal joined the rule's action")

	const read = `query($id: ID!) { node(id: $id) { ... on Action { status resolution sources { proposedBy ruleName reason rule { name } } } } }`
	d = b.do(t, read, map[string]any{"id": id})
	sources := field(t, d, "node", "sources").([]any)
	require.Len(t, sources, 2, "one action, two sources")
	require.Equal(t, "Trim spend", dig(sources[0].(map[string]any), "rule", "name"))
	require.Contains(t, sources[0].(map[string]any)["reason"], `rule "Trim spend": Spend over 30 days = `)
	require.Nil(t, sources[1].(map[string]any)["rule"], "then a person")
	require.Contains(t, sources[1].(map[string]any)["proposedBy"], "user:")
	d = b.do(t, `query($c: ID!) { actions(campaignId: $c, status: [QUEUED, APPROVED, BLOCKED]) { totalCount } }`, map[string]any{"c": campaign})
	require.EqualValues(t, 1, field(t, d, "actions", "totalCount"))

	paused := platforms.CampaignPaused
	_, err = svc.Platforms.Simulator().Apply(ctx, app.DemoTenantID, platforms.Change{IdempotencyKey: "ui:" + uuid.NewString(), CampaignID: c.ID, Status: &paused})
	require.NoError(t, err)
	d = b.do(t, `mutation($id: ID!) { approveAction(input: {id: $id}) { action { status } userErrors { code message } } }`, map[string]any{"id": id})
	require.Nil(t, userError(t, d, "approveAction"))
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		res, err := b.srv.TryQuery(read, map[string]any{"id": id}, b.owner.H())
		if assert.NoError(ct, err) && assert.Empty(ct, res.Errors) {
			assert.Equal(ct, "NOT_NEEDED", dig(res.Data, "node", "status"))
			assert.Equal(ct, `campaign "`+c.Name+`" was paused since the proposal`, dig(res.Data, "node", "resolution"))
		}
	}, 10*time.Second, 50*time.Millisecond)
	after, err := svc.Platforms.Campaigns(ctx, app.DemoTenantID, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{c.ID}})
	require.NoError(t, err)
	require.Equal(t, c.DailyBudget(), after[0].DailyBudget(), "the paused campaign's budget is left alone")
}
