package app_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// trustFixture is tenant A's trust-engine data: A is made a simulated
// tenant with the simulator's campaigns, an incident (EMQ degraded), a
// user-defined rule, held actions and gate decisions.
type trustFixture struct {
	tenant                                       uuid.UUID
	rule, action, incident, campaign, trustAudit string // global IDs
}

func (f *isoFixture) addTrust(t *testing.T) {
	ctx := context.Background()
	_, tenant, err := relay.ParseGlobalID(f.ownerA.TenantID)
	require.NoError(t, err)
	conn, err := pgx.Connect(ctx, f.b.tdb.OwnerURL)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "UPDATE tenants SET simulated = true WHERE id = $1", tenant)
	conn.Close(ctx)
	require.NoError(t, err)

	tr := f.b.srv.App.Trust
	require.NoError(t, tr.Platforms.SeedSimulator(ctx, tenant))
	_, err = tr.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	require.NoError(t, tr.Platforms.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentEMQ, platforms.Major))
	_, err = tr.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	_, err = tr.Automation.EvaluateRules(ctx, tenant, true)
	require.NoError(t, err)

	q := func(query string) map[string]any {
		res := f.b.srv.Query(t, query, nil, f.ownerA.H())
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	first := func(d map[string]any, list string) string {
		edges := field(t, d, list, "edges").([]any)
		require.NotEmpty(t, edges, "tenant A has no %s", list)
		return str(edges[0].(map[string]any)["node"].(map[string]any)["id"])
	}
	tf := &trustFixture{tenant: tenant}
	tf.rule = str(field(t, q(`mutation { createAutomationRule(input: {name: "alpha-rule-secret",
		conditions: {metric: ROAS, windowDays: 7, operator: LT, value: 0.5}, actions: [{type: REDUCE_BUDGET}]}) { rule { id } } }`),
		"createAutomationRule", "rule", "id"))
	tf.action = first(q(`{ actions(status: [QUEUED]) { edges { node { id } } } }`), "actions")
	tf.incident = first(q(`{ incidents { edges { node { id } } } }`), "incidents")
	tf.campaign = first(q(`{ campaigns { edges { node { id } } } }`), "campaigns")
	tf.trustAudit = first(q(`{ trustAuditLog { edges { node { id } } } }`), "trustAuditLog")
	f.trust = tf
	f.markers = append(f.markers, tf.rule, tf.action, tf.incident, tf.campaign, tf.trustAudit, tenant.String())
	f.afterSubscribe = append(f.afterSubscribe, func(t *testing.T) {
		// Trust events of tenant A while B's owner and A's viewer listen.
		_, err := tr.Automation.SetKillSwitch(ctx, tenant, true, "test")
		require.NoError(t, err)
		_, err = tr.Automation.SetKillSwitch(ctx, tenant, false, "test")
		require.NoError(t, err)
	})
}

// requireTrustUnchanged checks that no case changed A's trust data.
func (f *isoFixture) requireTrustUnchanged(t *testing.T, owner session) {
	res := f.b.srv.Query(t, `query($r: ID!, $a: ID!, $i: ID!) {
		rule: node(id: $r) { ... on AutomationRule { name enabled } }
		action: node(id: $a) { ... on Action { status } }
		incident: node(id: $i) { ... on Incident { state } }
		trustGate { killSwitch autopilotLevel enforcementMode settings { maxBudgetIncreasePct } enforcementRules { violationType } } }`,
		map[string]any{"r": f.trust.rule, "a": f.trust.action, "i": f.trust.incident}, owner.H())
	require.Empty(t, res.Errors)
	require.Equal(t, map[string]any{"name": "alpha-rule-secret", "enabled": true}, res.Data["rule"])
	require.Equal(t, map[string]any{"status": "QUEUED"}, res.Data["action"])
	require.Equal(t, map[string]any{"state": "OPEN"}, res.Data["incident"])
	require.Equal(t, map[string]any{"killSwitch": false, "autopilotLevel": "APPROVAL_REQUIRED", "enforcementMode": "SOFT_BLOCK",
		"settings": map[string]any{"maxBudgetIncreasePct": 30.0}, "enforcementRules": []any{}}, res.Data["trustGate"])
}

func init() {
	vars := func(kv ...string) func(f *isoFixture) map[string]any {
		return func(f *isoFixture) map[string]any {
			ids := map[string]string{"rule": f.trust.rule, "action": f.trust.action, "incident": f.trust.incident,
				"campaign": f.trust.campaign, "audit": f.trust.trustAudit}
			out := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				out[kv[i]] = ids[kv[i+1]]
			}
			return out
		}
	}
	addIsolationCases(map[string]isolationCase{
		"Query.signalHealth":        {Query: `{ signalHealth { score status issues components { name score } } }`, Viewer: Allowed},
		"Query.platformHealth":      {Query: `{ platformHealth { platform score issues } }`, Viewer: Allowed},
		"Query.signalHealthHistory": {Query: `{ signalHealthHistory(granularity: DAY) { totalCount edges { node { bucket average } } } }`, Viewer: Allowed},
		"Query.trustGate":           {Query: `{ trustGate { autopilotMode verdict killSwitch decisionCounts { pass hold block } } }`, Viewer: Allowed},
		"Query.automationRules":     {Query: `{ automationRules { totalCount edges { node { id name } } } }`, Viewer: Allowed},
		"Query.actions": {Query: `query($c: ID) { actions(campaignId: $c) { totalCount edges { node { id campaign { id name } rule { id name } } } } }`,
			Vars: vars("c", "campaign"), Viewer: Allowed},
		"Query.incidents":             {Query: `{ incidents { totalCount edges { node { id title timeline { message } } } } }`, Viewer: Allowed},
		"Query.trustAuditLog":         {Query: `{ trustAuditLog { totalCount edges { node { id entityId action { id } } } } }`, Viewer: Allowed},
		"Query.campaigns":             {Query: `{ campaigns { totalCount edges { node { id name } } } }`, Viewer: Allowed},
		"Query.platformStatuses":      {Query: `{ platformStatuses { platform status message } }`, Viewer: Allowed},
		"Query.simulatedDegradations": {Query: `{ simulatedDegradations { component severity } }`, Viewer: Allowed},

		"Mutation.createAutomationRule": {Query: `mutation { createAutomationRule(input: {name: "x", conditions: {metric: SPEND, windowDays: 1, operator: GT, value: 1},
			actions: [{type: PAUSE_UNDERPERFORMING}]}) { rule { id } userErrors { code } } }`, Viewer: Refused},
		"Mutation.updateAutomationRule": {Query: `mutation($id: ID!) { updateAutomationRule(input: {id: $id, name: "renamed"}) { rule { id name } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused},
		"Mutation.deleteAutomationRule": {Query: `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused},
		"Mutation.setRuleEnabled": {Query: `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { rule { id name } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused},
		"Mutation.simulateRule": {Query: `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { campaignsEvaluated actions { campaign { id } } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused},
		"Mutation.simulateAction": {Query: `mutation($c: ID!) { simulateAction(input: {type: REDUCE_BUDGET, campaignId: $c}) { simulation { campaign { id name } } userErrors { code } } }`,
			Vars: vars("c", "campaign"), Viewer: Refused},
		"Mutation.queueAction": {Query: `mutation($c: ID!) { queueAction(input: {type: REDUCE_BUDGET, campaignId: $c}) { action { id } userErrors { code } } }`,
			Vars: vars("c", "campaign"), Viewer: Refused},
		"Mutation.approveAction": {Query: `mutation($id: ID!) { approveAction(input: {id: $id}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused},
		"Mutation.dismissAction": {Query: `mutation($id: ID!) { dismissAction(input: {id: $id}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused},
		"Mutation.applyAction": {Query: `mutation($id: ID!) { applyAction(input: {id: $id, reason: "override"}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused},
		"Mutation.updateEnforcementSettings": {Query: `mutation { updateEnforcementSettings(input: {maxBudgetIncreasePct: 5}) { trustGate { killSwitch } userErrors { code } } }`,
			Viewer: Refused},
		"Mutation.setKillSwitch":     {Query: `mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch } userErrors { code } } }`, Viewer: Refused},
		"Mutation.setAutopilotLevel": {Query: `mutation { setAutopilotLevel(input: {level: GUARDED_AUTO}) { trustGate { autopilotLevel } userErrors { code } } }`, Viewer: Refused},
		"Mutation.putEnforcementRule": {Query: `mutation { putEnforcementRule(input: {violationType: BUDGET_EXCEEDED, mode: HARD_BLOCK}) { enforcementRule { mode } userErrors { code } } }`,
			Viewer: Refused},
		"Mutation.deleteEnforcementRule": {Query: `mutation { deleteEnforcementRule(input: {violationType: BUDGET_EXCEEDED}) { userErrors { code } } }`, Viewer: Refused},
		"Mutation.acknowledgeIncident": {Query: `mutation($id: ID!) { acknowledgeIncident(input: {id: $id}) { incident { id title } userErrors { code } } }`,
			Vars: vars("id", "incident"), Viewer: Refused},
		"Mutation.resolveIncident": {Query: `mutation($id: ID!) { resolveIncident(input: {id: $id}) { incident { id title } userErrors { code } } }`,
			Vars: vars("id", "incident"), Viewer: Refused},
		"Mutation.simulateSignalDegradation": {Query: `mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: FRESHNESS, severity: CRITICAL}) { degradations { component } userErrors { code } } }`,
			Viewer: Refused},
		"Mutation.simulateSignalRecovery": {Query: `mutation { simulateSignalRecovery(input: {platform: SIMULATOR}) { degradations { component } userErrors { code } } }`,
			Viewer: Refused},

		"Subscription.emqUpdated":            {Query: `subscription { emqUpdated { platform emq signalHealth { score issues } } }`, Viewer: Allowed},
		"Subscription.signalHealthChanged":   {Query: `subscription { signalHealthChanged { platform score issues } }`, Viewer: Allowed},
		"Subscription.incidentOpened":        {Query: `subscription { incidentOpened { id title } }`, Viewer: Allowed},
		"Subscription.incidentUpdated":       {Query: `subscription { incidentUpdated { id title } }`, Viewer: Allowed},
		"Subscription.incidentClosed":        {Query: `subscription { incidentClosed { id title } }`, Viewer: Allowed},
		"Subscription.autopilotModeChanged":  {Query: `subscription { autopilotModeChanged { autopilotMode killSwitch verdict score } }`, Viewer: Allowed},
		"Subscription.actionStatusUpdated":   {Query: `subscription { actionStatusUpdated { id status campaign { id name } } }`, Viewer: Allowed},
		"Subscription.platformStatusChanged": {Query: `subscription { platformStatusChanged { platform status message } }`, Viewer: Allowed},
	})
}
