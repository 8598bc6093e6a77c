package app_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/relay"
)

// The trust API stored a 1 MB params.note and a rule scope of 10,000
// unchecked campaign ids. Every string and list of its input is bounded,
// campaign ids must name the tenant's campaigns, and a refusal is
// BAD_USER_INPUT on the field that is wrong and changes nothing.
func TestTrustInputsAreBounded(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	cs := b.do(t, `{ campaigns(first: 2) { edges { node { id } } } }`, nil)
	edges := field(t, cs, "campaigns", "edges").([]any)
	require.Len(t, edges, 2, "the demo tenant has campaigns")
	campaign := str(field(t, edges[0].(map[string]any), "node", "id"))

	const queue = `mutation($in: ActionInput!) { queueAction(input: $in) { action { id } userErrors { field message code } } }`
	actionCount := func(t *testing.T) float64 {
		return field(t, b.do(t, `{ actions { totalCount } }`, nil), "actions", "totalCount").(float64)
	}
	refused := func(t *testing.T, data map[string]any, name string, path ...any) {
		t.Helper()
		ue := userError(t, data, name)
		require.NotNil(t, ue, "refused")
		require.Equal(t, "BAD_USER_INPUT", ue["code"], ue["message"])
		require.Equal(t, path, ue["field"], ue["message"])
	}

	t.Run("a long action note", func(t *testing.T) {
		before := actionCount(t)
		d := b.do(t, queue, map[string]any{"in": map[string]any{"type": "REDUCE_BUDGET", "campaignId": campaign,
			"params": map[string]any{"note": strings.Repeat("n", 100_000)}}})
		refused(t, d, "queueAction", "input", "params", "note")
		require.Equal(t, before, actionCount(t), "nothing was queued")
	})
	t.Run("an unknown action status", func(t *testing.T) {
		d := b.do(t, queue, map[string]any{"in": map[string]any{"type": "REDUCE_BUDGET", "campaignId": campaign,
			"params": map[string]any{"status": strings.Repeat("S", 10_000)}}})
		refused(t, d, "queueAction", "input", "params", "status")
	})

	const create = `mutation($in: AutomationRuleInput!) { createAutomationRule(input: $in) { rule { id } userErrors { field message code } } }`
	rule := func(scope map[string]any, params map[string]any) map[string]any {
		return map[string]any{"name": "Scoped", "scope": scope,
			"conditions": map[string]any{"metric": "ROAS", "windowDays": 7, "operator": "LT", "value": 1.0},
			"actions":    []any{map[string]any{"type": "REDUCE_BUDGET", "params": params}}}
	}
	ruleCount := func(t *testing.T) float64 {
		return field(t, b.do(t, `{ automationRules(builtin: false) { totalCount } }`, nil), "automationRules", "totalCount").(float64)
	}
	ids := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = relay.GlobalID(relay.TypeCampaign, uuid.New())
		}
		return out
	}
	t.Run("10,000 scope campaign ids", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"campaignIds": ids(10_000)}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "campaignIds")
	})
	t.Run("a scope campaign id of no campaign of the tenant", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"campaignIds": append([]any{campaign}, ids(1)...)}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "campaignIds", "1")
	})
	t.Run("a scope campaign id listed twice", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"campaignIds": []any{campaign, campaign}}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "campaignIds", "1")
	})
	t.Run("a malformed scope campaign id", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"campaignIds": []any{"nope"}}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "campaignIds", "0")
	})
	t.Run("too many and too long account ids", func(t *testing.T) {
		many := make([]any, 101)
		for i := range many {
			many[i] = uuid.NewString()
		}
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"accountIds": many}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "accountIds")
		d = b.do(t, create, map[string]any{"in": rule(map[string]any{"accountIds": []any{strings.Repeat("a", 101)}}, nil)})
		refused(t, d, "createAutomationRule", "input", "scope", "accountIds", "0")
	})
	t.Run("a long note in a rule's action", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(nil, map[string]any{"note": strings.Repeat("n", 501)})})
		refused(t, d, "createAutomationRule", "input", "actions", "0", "params", "note")
	})
	t.Run("a long rule name", func(t *testing.T) {
		in := rule(nil, nil)
		in["name"] = strings.Repeat("r", 10_000)
		d := b.do(t, create, map[string]any{"in": in})
		refused(t, d, "createAutomationRule", "input", "name")
	})
	require.Zero(t, ruleCount(t), "no refused rule was created")

	t.Run("positive controls: values within the bounds work", func(t *testing.T) {
		d := b.do(t, create, map[string]any{"in": rule(map[string]any{"campaignIds": []any{campaign}, "accountIds": []any{"act_1"}, "platforms": []any{"META"}},
			map[string]any{"note": strings.Repeat("n", 500)})})
		require.Nil(t, userError(t, d, "createAutomationRule"))
		require.EqualValues(t, 1, ruleCount(t))
		before := actionCount(t)
		d = b.do(t, queue, map[string]any{"in": map[string]any{"type": "REDUCE_BUDGET", "campaignId": campaign,
			"params": map[string]any{"note": strings.Repeat("ü", 500)}}})
		require.Nil(t, userError(t, d, "queueAction"))
		require.Equal(t, before+1, actionCount(t))
	})
}
