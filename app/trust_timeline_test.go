package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
)

// TestActionQueueThroughGraphQL: the queue's two lists (phase WAITING and
// HANDLED) never hold the same action; an action a person approved leaves
// the first for the second once applied, and shows the decision that let
// it run — a PASS on the approver's behalf, with their e-mail address and
// the score — after the HOLD it was proposed with, the rule's business
// reason kept in its sources.
func TestActionQueueThroughGraphQL(t *testing.T) {
	t.Parallel()
	b := setupTrustAPI(t)
	ctx := context.Background()
	b.do(t, `mutation { setAutopilotLevel(input: {level: APPROVAL_REQUIRED}) { userErrors { code } } }`, nil)
	_, err := b.srv.App.Services.Automation.EvaluateRules(ctx, app.DemoTenantID, true)
	require.NoError(t, err)

	const list = `query($p: ActionPhase!) { actions(phase: $p, first: 100) { totalCount edges { node { id type status phase decision } } } }`
	lists := func() (waiting, handled map[string]map[string]any) {
		waiting, handled = map[string]map[string]any{}, map[string]map[string]any{}
		for p, into := range map[string]map[string]map[string]any{"WAITING": waiting, "HANDLED": handled} {
			for _, e := range field(t, b.do(t, list, map[string]any{"p": p}), "actions", "edges").([]any) {
				n := e.(map[string]any)["node"].(map[string]any)
				require.Equal(t, p, n["phase"])
				into[str(n["id"])] = n
			}
		}
		return waiting, handled
	}
	waiting, handled := lists()
	var id string
	for k, n := range waiting {
		if n["type"] == "REDUCE_BUDGET" && n["status"] == "QUEUED" {
			id = k
		}
	}
	require.NotEmpty(t, id, "positive control: a held budget cut waits: %v", waiting)
	require.Equal(t, "HOLD", waiting[id]["decision"])
	require.NotContains(t, handled, id)

	d := b.do(t, `mutation($id: ID!) { approveAction(input: {id: $id}) { action { status } userErrors { code message } } }`, map[string]any{"id": id})
	require.Nil(t, userError(t, d, "approveAction"))
	const read = `query($id: ID!) { node(id: $id) { ... on Action { status phase decision score sources { reason }
		gateDecisions { id cause decision score allowedRun actor actorEmail }
		decidingGate { id cause decision score allowedRun actor actorEmail } } } }`
	var node map[string]any
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		res, err := b.srv.TryQuery(read, map[string]any{"id": id}, b.owner.H())
		if assert.NoError(ct, err) && assert.Empty(ct, res.Errors) {
			node = res.Data["node"].(map[string]any)
			assert.Equal(ct, "APPLIED", node["status"])
		}
	}, 20*time.Second, 50*time.Millisecond)

	require.Equal(t, "HANDLED", node["phase"])
	require.Equal(t, "PASS", node["decision"], "the applied action shows the decision that let it run, not the HOLD")
	require.NotEmpty(t, dig(node["sources"].([]any)[0].(map[string]any), "reason"), "the rule's business reason")
	deciding := node["decidingGate"].(map[string]any)
	require.Equal(t, "EXECUTION", deciding["cause"])
	require.Equal(t, "PASS", deciding["decision"])
	require.Equal(t, true, deciding["allowedRun"])
	require.Equal(t, b.owner.Email, deciding["actorEmail"])
	require.Equal(t, node["score"], deciding["score"])
	tl := node["gateDecisions"].([]any)
	var causes []any
	for _, e := range tl {
		causes = append(causes, e.(map[string]any)["cause"])
	}
	require.Equal(t, []any{"PROPOSED", "APPROVAL", "EXECUTION"}, causes)
	require.Equal(t, "HOLD", tl[0].(map[string]any)["decision"])
	require.Equal(t, deciding["id"], tl[2].(map[string]any)["id"])

	waiting, handled = lists()
	require.NotContains(t, waiting, id)
	require.Contains(t, handled, id)
	for k := range waiting {
		require.NotContains(t, handled, k, "no action is in both lists")
	}
}
