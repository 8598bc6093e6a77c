package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// trustFixture is tenant A's trust-engine data: A is made a simulated
// tenant with the simulator's campaigns, an incident (EMQ degraded), a
// user-defined rule, an enforcement rule, held actions and gate decisions.
type trustFixture struct {
	tenant                                       uuid.UUID
	rule, action, incident, campaign, trustAudit string // global IDs
}

func (f *isoFixture) addTrust(t *testing.T) {
	ctx := context.Background()
	_, tenant, err := relay.ParseGlobalID(f.ownerA.TenantID)
	require.NoError(t, err)
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "UPDATE tenants SET simulated = true WHERE id = $1", tenant)
	conn.Close(ctx)
	require.NoError(t, err)

	tr := f.b.srv.App.Services
	require.NoError(t, tr.Platforms.SeedSimulator(ctx, tenant))
	_, err = tr.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	require.NoError(t, tr.Platforms.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentEMQ, platforms.Major))
	_, err = tr.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	_, err = tr.Automation.EvaluateRules(ctx, tenant, true)
	require.NoError(t, err)
	// The measurements above enqueued debounced recomputes (due a second
	// later); one finishing later could close an incident the cases below
	// pick (resolveIncident would then answer CONFLICT). The recomputes
	// above did their work, so A's jobs not yet started are dropped and
	// those already running waited for.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		conn, err := f.b.connect(ctx)
		if !assert.NoError(c, err) {
			return
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `DELETE FROM river_job WHERE args->>'tenant_id' = $1
			AND state IN ('available', 'pending', 'retryable', 'scheduled')`, tenant.String())
		assert.NoError(c, err)
		var pending int
		assert.NoError(c, conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE args->>'tenant_id' = $1
			AND state IN ('available', 'pending', 'running', 'retryable', 'scheduled')`, tenant.String()).Scan(&pending))
		assert.Zero(c, pending, "tenant A's jobs still to run")
	}, 30*time.Second, 50*time.Millisecond)

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
	q(`mutation { putEnforcementRule(input: {violationType: BUDGET_EXCEEDED, mode: HARD_BLOCK}) { enforcementRule { mode } } }`)
	actions := field(t, q(`{ actions(status: [QUEUED]) { edges { node { id campaign { id } } } } }`), "actions", "edges").([]any)
	require.NotEmpty(t, actions, "tenant A has no queued action")
	action := actions[0].(map[string]any)["node"].(map[string]any)
	// The action's campaign, so that actions(campaignId:) lists it.
	tf.action, tf.campaign = str(action["id"]), str(field(t, action, "campaign", "id"))
	require.NotEmpty(t, tf.campaign, "the queued action has a campaign")
	// An open one: acknowledging or resolving a resolved incident answers
	// CONFLICT, and a recompute may have auto-resolved the ones the
	// degradation opened (a fresh-clone run found none open) — so the
	// fixture opens one of its own, which no recompute closes.
	require.NoError(t, tr.Incidents.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, _, err := tr.Incidents.OpenTx(ctx, tx, tenant, incidents.OpenInput{Cause: incidents.CauseActionFailed,
			Key: "isolation-fixture", Title: "alpha-incident-secret", Severity: incidents.High})
		return err
	}))
	tf.incident = first(q(`{ incidents(state: [OPEN]) { edges { node { id } } } }`), "incidents")
	tf.trustAudit = first(q(`{ trustAuditLog { edges { node { id } } } }`), "trustAuditLog")
	f.trust = tf
	f.markers = append(f.markers, tf.rule, tf.action, tf.incident, tf.campaign, tf.trustAudit)
}

// mutate runs a mutation as A's owner and requires it to succeed.
func (f *isoFixture) mutate(t *testing.T, query string, vars map[string]any) {
	t.Helper()
	res := f.b.srv.Query(t, query, vars, f.ownerA.H())
	require.Empty(t, res.Errors, query)
	require.NotContains(t, mustJSON(res.Data), `"userErrors":[{`, query)
}

// onOpenIncident returns a Trigger running mutation on one of tenant A's
// incidents that is open at that moment, and makes it the fixture's
// incident (what the control must see): a recompute may have auto-resolved
// the one picked when the fixture was built (acknowledging or resolving it
// would then answer CONFLICT).
func onOpenIncident(mutation string) func(t *testing.T, f *isoFixture) {
	return func(t *testing.T, f *isoFixture) {
		res := f.b.srv.Query(t, `{ incidents(state: [OPEN]) { edges { node { id } } } }`, nil, f.ownerA.H())
		require.Empty(t, res.Errors)
		edges := field(t, res.Data, "incidents", "edges").([]any)
		require.NotEmpty(t, edges, "tenant A has no open incident")
		f.trust.incident = str(edges[0].(map[string]any)["node"].(map[string]any)["id"])
		f.mutate(t, mutation, map[string]any{"id": f.trust.incident})
	}
}

// trigger returns a Trigger running mutation (with the named fixture values) as A's owner.
func trigger(mutation string, kv ...string) func(t *testing.T, f *isoFixture) {
	return func(t *testing.T, f *isoFixture) {
		var v map[string]any
		if len(kv) > 0 {
			v = vars(kv...)(f)
		}
		f.mutate(t, mutation, v)
	}
}

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.signalHealth":   {Query: `{ signalHealth { score status issues components { name score } } }`, Viewer: Allowed, Sees: lit("Simulator EMQ fell")},
		"Query.platformHealth": {Query: `{ platformHealth { platform score issues } }`, Viewer: Allowed, Sees: lit("Simulator EMQ fell")},
		"Query.signalHealthHistory": {Query: `{ signalHealthHistory(granularity: DAY) { totalCount edges { node { bucket average } } } }`, Viewer: Allowed,
			Sees: lit(`"average":`)},
		"Query.trustGate": {Query: `{ trustGate { autopilotMode verdict killSwitch decisionCounts { pass hold block } enforcementRules { violationType mode } } }`,
			Viewer: Allowed, Sees: lit(`{"mode":"HARD_BLOCK","violationType":"BUDGET_EXCEEDED"}`)},
		"Query.ruleTemplates": {Query: `{ ruleTemplates { key name logic conditions { op } actions { type } } }`, Viewer: Allowed,
			ControlHas: []string{`"key":"cpa-stop-loss"`}},
		"Query.automationRules": {Query: `{ automationRules { totalCount edges { node { id name } } } }`, Viewer: Allowed, Sees: strs("rule")},
		"Query.actions": {Query: `query($c: ID) { actions(campaignId: $c) { totalCount edges { node { id campaign { id name } rule { id name } } } } }`,
			Vars: vars("c", "campaign"), Viewer: Allowed, Sees: strs("campaign")},
		"Query.incidents": {Query: `{ incidents { totalCount edges { node { id title timeline { message } } } } }`, Viewer: Allowed, Sees: strs("incident")},
		// campaignId: the decisions on the queued action's campaign name it.
		"Query.trustAuditLog": {Query: `query($c: ID) { trustAuditLog(campaignId: $c) { totalCount edges { node { id entityId action { id } } } } }`,
			Vars: vars("c", "campaign"), Viewer: Allowed, Sees: strs("campaign")},
		"Query.platformStatuses":      {Query: `{ platformStatuses { platform status message } }`, Viewer: Allowed, Sees: lit("Simulated platform")},
		"Query.simulatedDegradations": {Query: `{ simulatedDegradations { component severity } }`, Viewer: Allowed, Sees: lit(`"component":"EMQ"`)},

		"Mutation.createAutomationRule": {Query: `mutation { createAutomationRule(input: {name: "x", conditions: {metric: SPEND, windowDays: 1, operator: GT, value: 1},
			actions: [{type: PAUSE_UNDERPERFORMING}]}) { rule { id } userErrors { code } } }`, Viewer: Refused, Changes: true},
		"Mutation.updateAutomationRule": {Query: `mutation($id: ID!) { updateAutomationRule(input: {id: $id, name: "renamed"}) { rule { id name } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("rule"), Changes: true},
		"Mutation.deleteAutomationRule": {Query: `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("rule"), Changes: true},
		"Mutation.setRuleEnabled": {Query: `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { rule { id name } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("rule"), Changes: true},
		"Mutation.simulateRule": {Query: `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { campaignsEvaluated actions { campaign { id } } userErrors { code } } }`,
			Vars: vars("id", "rule"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: lit(`"campaignsEvaluated":4`)},
		"Mutation.simulateAction": {Query: `mutation($c: ID!) { simulateAction(input: {type: REDUCE_BUDGET, campaignId: $c}) { simulation { campaign { id name } } userErrors { code } } }`,
			Vars: vars("c", "campaign"), Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Sees: strs("campaign")},
		"Mutation.queueAction": {Query: `mutation($c: ID!) { queueAction(input: {type: REDUCE_BUDGET, campaignId: $c, params: {percent: 7}}) { action { id campaign { id } } userErrors { code } } }`,
			Vars: vars("c", "campaign"), Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Sees: strs("campaign"), Changes: true},
		"Mutation.approveAction": {Query: `mutation($id: ID!) { approveAction(input: {id: $id}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("action"), Changes: true},
		"Mutation.dismissAction": {Query: `mutation($id: ID!) { dismissAction(input: {id: $id}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("action"), Changes: true},
		"Mutation.applyAction": {Query: `mutation($id: ID!) { applyAction(input: {id: $id, reason: "override"}) { action { id status } userErrors { code } } }`,
			Vars: vars("id", "action"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("action"), Changes: true},
		"Mutation.updateEnforcementSettings": {Query: `mutation { updateEnforcementSettings(input: {maxBudgetIncreasePct: 5}) { trustGate { killSwitch } userErrors { code } } }`,
			Viewer: Refused, Changes: true},
		"Mutation.setKillSwitch":     {Query: `mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch } userErrors { code } } }`, Viewer: Refused, Changes: true},
		"Mutation.setAutopilotLevel": {Query: `mutation { setAutopilotLevel(input: {level: GUARDED_AUTO}) { trustGate { autopilotLevel } userErrors { code } } }`, Viewer: Refused, Changes: true},
		"Mutation.putEnforcementRule": {Query: `mutation { putEnforcementRule(input: {violationType: BUDGET_EXCEEDED, mode: ADVISORY}) { enforcementRule { mode } userErrors { code } } }`,
			Viewer: Refused, Changes: true},
		"Mutation.deleteEnforcementRule": {Query: `mutation { deleteEnforcementRule(input: {violationType: BUDGET_EXCEEDED}) { userErrors { code } } }`, Viewer: Refused,
			B: []string{"NOT_FOUND"}, Changes: true},
		"Mutation.acknowledgeIncident": {Query: `mutation($id: ID!) { acknowledgeIncident(input: {id: $id}) { incident { id title } userErrors { code } } }`,
			Vars: vars("id", "incident"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("incident"), Changes: true},
		"Mutation.resolveIncident": {Query: `mutation($id: ID!) { resolveIncident(input: {id: $id}) { incident { id title } userErrors { code } } }`,
			Vars: vars("id", "incident"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("incident"), Changes: true},
		"Mutation.simulateSignalDegradation": {Query: `mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: FRESHNESS, severity: CRITICAL}) { degradations { component } userErrors { code } } }`,
			Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true},
		"Mutation.simulateSignalRecovery": {Query: `mutation { simulateSignalRecovery(input: {platform: SIMULATOR}) { degradations { component } userErrors { code } } }`,
			Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true},

		"Subscription.emqUpdated": {Query: `subscription { emqUpdated { platform emq signalHealth { score issues } } }`, Viewer: Allowed,
			Trigger: trigger(`mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: EMQ, severity: CRITICAL}) { userErrors { code } } }`)},
		"Subscription.signalHealthChanged": {Query: `subscription { signalHealthChanged { platform score issues } }`, Viewer: Allowed,
			Trigger: trigger(`mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: EMQ, severity: CRITICAL}) { userErrors { code } } }`)},
		"Subscription.incidentOpened": {Query: `subscription { incidentOpened { id title } }`, Viewer: Allowed,
			Trigger: trigger(`mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: FRESHNESS, severity: CRITICAL}) { userErrors { code } } }`)},
		"Subscription.incidentUpdated": {Query: `subscription { incidentUpdated { id title } }`, Viewer: Allowed, Sees: strs("incident"),
			Trigger: onOpenIncident(`mutation($id: ID!) { acknowledgeIncident(input: {id: $id}) { userErrors { code } } }`)},
		"Subscription.incidentClosed": {Query: `subscription { incidentClosed { id title } }`, Viewer: Allowed, Sees: strs("incident"),
			Trigger: onOpenIncident(`mutation($id: ID!) { resolveIncident(input: {id: $id}) { userErrors { code } } }`)},
		"Subscription.autopilotModeChanged": {Query: `subscription { autopilotModeChanged { autopilotMode killSwitch verdict score } }`, Viewer: Allowed,
			Trigger: trigger(`mutation { setKillSwitch(input: {enabled: true}) { userErrors { code } } }`)},
		"Subscription.actionStatusUpdated": {Query: `subscription { actionStatusUpdated { id status campaign { id name } } }`, Viewer: Allowed, Sees: strs("action"),
			Trigger: trigger(`mutation($id: ID!) { dismissAction(input: {id: $id}) { userErrors { code } } }`, "id", "action")},
		"Subscription.platformStatusChanged": {Query: `subscription { platformStatusChanged { platform status message } }`, Viewer: Allowed,
			Trigger: trigger(`mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: FRESHNESS, severity: MAJOR}) { userErrors { code } } }`)},
	})
}
