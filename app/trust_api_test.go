package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
)

// trustAPI is a server with the seeded demo tenant and its owner signed in.
type trustAPI struct {
	srv   *apptest.Server
	owner session
}

func setupTrustAPI(t *testing.T) *trustAPI {
	t.Helper()
	tdb := testdb.New(t)
	cfg := apptest.Config(t, tdb, identityEnv)
	srv := apptest.Start(t, cfg)
	require.NoError(t, app.Seed(context.Background(), srv.App, apptest.Logger()))
	_, p := (&idBundle{srv: srv, tdb: tdb}).logIn(t, cfg.DemoEmail, cfg.DemoPassword)
	return &trustAPI{srv: srv, owner: toSession(t, p, cfg.DemoEmail)}
}

// do runs query as the owner and fails on operation errors.
func (b *trustAPI) do(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	res := b.srv.Query(t, query, vars, b.owner.H())
	require.Empty(t, res.Errors, query)
	return res.Data
}

// userError returns the first userError of payload name, or nil.
func userError(t *testing.T, data map[string]any, name string) map[string]any {
	t.Helper()
	ue := field(t, data, name, "userErrors").([]any)
	if len(ue) == 0 {
		return nil
	}
	return ue[0].(map[string]any)
}

const ruleFields = `rule { id name enabled conditions { op conditions { metric windowDays operator value } } actions { type params { percent } } }
	userErrors { field message code }`

func TestAutomationRulesThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	create := `mutation($in: AutomationRuleInput!) { createAutomationRule(input: $in) { ` + ruleFields + ` } }`
	draft := func(window int) map[string]any {
		return map[string]any{"name": "Cut losers", "conditions": map[string]any{"op": "AND", "conditions": []any{
			map[string]any{"metric": "ROAS", "windowDays": 7, "operator": "LT", "value": 1.0},
			map[string]any{"metric": "SPEND", "windowDays": window, "operator": "GT", "value": 10.0},
		}}, "actions": []any{map[string]any{"type": "REDUCE_BUDGET", "params": map[string]any{"percent": 25.0}}}}
	}

	t.Run("an invalid condition is reported on its field and nothing is created", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": draft(0)})
		ue := userError(t, d, "createAutomationRule")
		require.Equal(t, "BAD_USER_INPUT", ue["code"])
		require.Equal(t, []any{"input", "conditions", "conditions", "1", "windowDays"}, ue["field"])
		require.Nil(t, field(t, d, "createAutomationRule", "rule"))
		n := b.do(t, `{ automationRules(builtin: false) { totalCount } }`, nil)
		require.EqualValues(t, 0, field(t, n, "automationRules", "totalCount"))
	})

	// newRule creates a valid rule: each sub-test that needs one makes its
	// own, so none depends on another having run.
	newRule := func(t *testing.T) map[string]any {
		d := b.do(t, create, map[string]any{"in": draft(3)})
		require.Nil(t, userError(t, d, "createAutomationRule"))
		return field(t, d, "createAutomationRule", "rule").(map[string]any)
	}
	t.Run("a valid rule round-trips", func(t *testing.T) {
		r := newRule(t)
		require.Equal(t, "AND", field(t, r, "conditions", "op"))
		require.Len(t, field(t, r, "conditions", "conditions"), 2)
		require.Equal(t, 25.0, r["actions"].([]any)[0].(map[string]any)["params"].(map[string]any)["percent"])
	})

	t.Run("a dry run proposes through the gate and queues nothing", func(t *testing.T) {
		ruleID := str(newRule(t)["id"])
		before := b.do(t, `{ actions { totalCount } }`, nil)
		d := b.do(t, `mutation($id: ID!) { simulateRule(input: {ruleId: $id}) { campaignsEvaluated
			actions { type decision wouldExecute reasons campaign { name } before { dailyBudget } after { dailyBudget } } userErrors { message } } }`,
			map[string]any{"id": ruleID})
		require.EqualValues(t, 4, field(t, d, "simulateRule", "campaignsEvaluated"))
		proposed := field(t, d, "simulateRule", "actions").([]any)
		require.NotEmpty(t, proposed, "the rule proposes actions for the losing campaigns")
		for _, a := range proposed {
			a := a.(map[string]any)
			require.Equal(t, "REDUCE_BUDGET", a["type"])
			require.NotEmpty(t, a["reasons"])
			require.Less(t, field(t, a, "after", "dailyBudget"), field(t, a, "before", "dailyBudget"))
		}
		after := b.do(t, `{ actions { totalCount } trustAuditLog(dryRun: true) { totalCount } }`, nil)
		require.Equal(t, field(t, before, "actions", "totalCount"), field(t, after, "actions", "totalCount"))
		require.EqualValues(t, len(field(t, d, "simulateRule", "actions").([]any)), field(t, after, "trustAuditLog", "totalCount"))
	})

	t.Run("disable, then delete; built-ins cannot be deleted", func(t *testing.T) {
		ruleID := str(newRule(t)["id"])
		d := b.do(t, `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { `+ruleFields+` } }`, map[string]any{"id": ruleID})
		require.Equal(t, false, field(t, d, "setRuleEnabled", "rule", "enabled"))
		d = b.do(t, `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId userErrors { code } } }`, map[string]any{"id": ruleID})
		require.Equal(t, ruleID, field(t, d, "deleteAutomationRule", "deletedRuleId"))
		builtin := b.do(t, `{ automationRules(builtin: true, first: 1) { edges { node { id } } } }`, nil)
		id := str(field(t, builtin, "automationRules", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)["id"])
		d = b.do(t, `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId userErrors { code } } }`, map[string]any{"id": id})
		require.Equal(t, "CONFLICT", userError(t, d, "deleteAutomationRule")["code"])
	})

	t.Run("an unknown rule is NOT_FOUND with no rule in the payload", func(t *testing.T) {
		gone := str(newRule(t)["id"])
		b.do(t, `mutation($id: ID!) { deleteAutomationRule(input: {id: $id}) { deletedRuleId } }`, map[string]any{"id": gone})
		d := b.do(t, `mutation($id: ID!) { updateAutomationRule(input: {id: $id, name: "Renamed"}) { `+ruleFields+` } }`,
			map[string]any{"id": gone})
		require.Equal(t, "NOT_FOUND", userError(t, d, "updateAutomationRule")["code"])
		require.Nil(t, field(t, d, "updateAutomationRule", "rule"))
		d = b.do(t, `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: true}) { `+ruleFields+` } }`, map[string]any{"id": gone})
		require.Equal(t, "NOT_FOUND", userError(t, d, "setRuleEnabled")["code"])
		require.Nil(t, field(t, d, "setRuleEnabled", "rule"))
		// Positive control: an existing rule comes back through the same fields.
		live := str(newRule(t)["id"])
		d = b.do(t, `mutation($id: ID!) { setRuleEnabled(input: {id: $id, enabled: false}) { `+ruleFields+` } }`, map[string]any{"id": live})
		require.Equal(t, live, field(t, d, "setRuleEnabled", "rule", "id"))
	})

	t.Run("a malformed id is a field error", func(t *testing.T) {
		d := b.do(t, `mutation { setRuleEnabled(input: {id: "nope", enabled: true}) { `+ruleFields+` } }`, nil)
		require.Equal(t, []any{"input", "id"}, userError(t, d, "setRuleEnabled")["field"])
	})
}

func TestActionQueueAndEnforcementThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	_, err := b.srv.App.Services.Automation.EvaluateRules(context.Background(), app.DemoTenantID, true)
	require.NoError(t, err)
	held := func() []map[string]any {
		var out []map[string]any
		d := b.do(t, `{ actions(status: [QUEUED]) { edges { node { id type decision riskClass } } } }`, nil)
		for _, e := range field(t, d, "actions", "edges").([]any) {
			out = append(out, e.(map[string]any)["node"].(map[string]any))
		}
		return out
	}
	actions := held()
	require.GreaterOrEqual(t, len(actions), 2, "the demo data proposes several actions")

	t.Run("an approved action is applied by its job", func(t *testing.T) {
		id := str(actions[0]["id"])
		d := b.do(t, `mutation($id: ID!) { approveAction(input: {id: $id}) { action { status approvedBy } userErrors { code message } } }`, map[string]any{"id": id})
		require.Nil(t, userError(t, d, "approveAction"))
		require.Equal(t, "APPROVED", field(t, d, "approveAction", "action", "status"))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			res, err := b.srv.TryQuery(`query($id: ID!) { node(id: $id) { ... on Action { status } } }`, map[string]any{"id": id}, b.owner.H())
			if assert.NoError(c, err) && assert.Empty(c, res.Errors) {
				assert.Equal(c, "APPLIED", dig(res.Data, "node", "status"))
			}
		}, 10*time.Second, 50*time.Millisecond)
		d = b.do(t, `mutation($id: ID!) { approveAction(input: {id: $id}) { action { status } userErrors { code } } }`, map[string]any{"id": id})
		require.Equal(t, "CONFLICT", userError(t, d, "approveAction")["code"], "an applied action cannot be approved again")
	})

	t.Run("dismiss", func(t *testing.T) {
		d := b.do(t, `mutation($id: ID!) { dismissAction(input: {id: $id}) { action { status dismissedBy } userErrors { code } } }`,
			map[string]any{"id": actions[1]["id"]})
		require.Equal(t, "DISMISSED", field(t, d, "dismissAction", "action", "status"))
	})

	t.Run("an override needs a reason", func(t *testing.T) {
		d := b.do(t, `mutation($id: ID!) { applyAction(input: {id: $id, reason: "  "}) { action { status } userErrors { field code } } }`,
			map[string]any{"id": actions[1]["id"]})
		require.Equal(t, []any{"input", "reason"}, userError(t, d, "applyAction")["field"])
	})

	t.Run("the kill switch blocks pending actions and says so", func(t *testing.T) {
		d := b.do(t, `mutation { setKillSwitch(input: {enabled: true}) { trustGate { killSwitch verdict } userErrors { code } } }`, nil)
		require.Equal(t, true, field(t, d, "setKillSwitch", "trustGate", "killSwitch"))
		require.Contains(t, field(t, d, "setKillSwitch", "trustGate", "verdict"), "Kill switch is on")
		require.Empty(t, held(), "every pending action is blocked")
		d = b.do(t, `{ actions(status: [BLOCKED]) { totalCount } }`, nil)
		require.NotZero(t, field(t, d, "actions", "totalCount"))
	})

	t.Run("settings validate and apply", func(t *testing.T) {
		d := b.do(t, `mutation { updateEnforcementSettings(input: {minRoasWindowDays: 0}) { trustGate { settings { minRoasWindowDays } } userErrors { field code } } }`, nil)
		require.Equal(t, []any{"input", "minRoasWindowDays"}, userError(t, d, "updateEnforcementSettings")["field"])
		d = b.do(t, `mutation { updateEnforcementSettings(input: {enforcementMode: HARD_BLOCK, maxDailyBudget: 900}) {
			trustGate { enforcementMode settings { maxDailyBudget minRoasWindowDays } } userErrors { code } } }`, nil)
		require.Equal(t, "HARD_BLOCK", field(t, d, "updateEnforcementSettings", "trustGate", "enforcementMode"))
		require.Equal(t, 900.0, field(t, d, "updateEnforcementSettings", "trustGate", "settings", "maxDailyBudget"))
		require.EqualValues(t, 7, field(t, d, "updateEnforcementSettings", "trustGate", "settings", "minRoasWindowDays"))
		d = b.do(t, `mutation { setAutopilotLevel(input: {level: GUARDED_AUTO}) { trustGate { autopilotLevel } } }`, nil)
		require.Equal(t, "GUARDED_AUTO", field(t, d, "setAutopilotLevel", "trustGate", "autopilotLevel"))
		d = b.do(t, `mutation { putEnforcementRule(input: {violationType: ROAS_BELOW_THRESHOLD, mode: ADVISORY, threshold: 0.5}) { enforcementRule { mode threshold enabled } } }`, nil)
		require.Equal(t, map[string]any{"mode": "ADVISORY", "threshold": 0.5, "enabled": true}, field(t, d, "putEnforcementRule", "enforcementRule"))
	})

	t.Run("incidents acknowledge and resolve with a timeline", func(t *testing.T) {
		b.do(t, `mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: EMQ, severity: CRITICAL}) { userErrors { code } } }`, nil)
		openIncidents := `{ incidents(state: [OPEN], first: 1) { edges { node { id } } } }`
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			res, err := b.srv.TryQuery(openIncidents, nil, b.owner.H())
			if assert.NoError(c, err) && assert.Empty(c, res.Errors) {
				assert.NotEmpty(c, dig(res.Data, "incidents", "edges"), "an open incident")
			}
		}, 5*time.Second, 50*time.Millisecond)
		edges := field(t, b.do(t, openIncidents, nil), "incidents", "edges").([]any)
		require.NotEmpty(t, edges)
		inc := str(edges[0].(map[string]any)["node"].(map[string]any)["id"])
		d := b.do(t, `mutation($id: ID!) { acknowledgeIncident(input: {id: $id}) { incident { state acknowledgedBy } userErrors { code } } }`, map[string]any{"id": inc})
		require.Equal(t, "ACKNOWLEDGED", field(t, d, "acknowledgeIncident", "incident", "state"))
		d = b.do(t, `mutation($id: ID!) { resolveIncident(input: {id: $id, note: "fixed the pixel"}) { incident { state resolution timeline { kind message } } userErrors { code } } }`, map[string]any{"id": inc})
		require.Equal(t, "RESOLVED", field(t, d, "resolveIncident", "incident", "state"))
		tl := field(t, d, "resolveIncident", "incident", "timeline").([]any)
		// The health changes the EMQ drop caused are SYMPTOM entries of this
		// one incident (how many depends on how many recomputes ran so far).
		var states []string
		for _, k := range kinds(tl) {
			if k != "SYMPTOM" {
				states = append(states, k)
			}
		}
		require.Equal(t, []string{"OPENED", "ACKNOWLEDGED", "RESOLVED"}, states)
	})

	t.Run("only the simulated platform can be degraded", func(t *testing.T) {
		d := b.do(t, `mutation { simulateSignalDegradation(input: {platform: META, component: EMQ, severity: MINOR}) { userErrors { field code } } }`, nil)
		require.Equal(t, []any{"input", "platform"}, userError(t, d, "simulateSignalDegradation")["field"])
	})
}

func kinds(tl []any) []string {
	var out []string
	for _, e := range tl {
		out = append(out, str(e.(map[string]any)["kind"]))
	}
	return out
}
