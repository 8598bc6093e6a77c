package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// readPathFixture is a server whose bun statements are counted per
// X-Request-Id, with a demo-like tenant: the simulator's campaigns, a
// computed signal health, queued actions (gate decisions in the last 24
// hours) and a custom enforcement rule.
type readPathFixture struct {
	srv     *apptest.Server
	counter *txCounter
	tenant  uuid.UUID
}

func newReadPathFixture(t *testing.T) *readPathFixture {
	t.Helper()
	tdb := testdb.New(t)
	counter := &txCounter{begins: map[string]int{}, stmt: map[string]int{}}
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), withHeaderAuth, func(a *app.App) { a.DB.Bun.AddQueryHook(counter) })
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"}) // autopilot, for setAutopilotLevel
	simulatedTenant(t, srv, tdb, tenant)
	ctx := context.Background()
	svc := srv.App.Services
	// A degraded EMQ, so that the health has issues to explain.
	require.NoError(t, svc.Platforms.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentEMQ, platforms.Major))
	_, err := svc.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	cs, err := svc.Platforms.Campaigns(ctx, tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, cs)
	for i := range 3 {
		pct := float64(5 + 5*i)
		_, err := svc.Automation.QueueAction(ctx, tenant, automation.ActionInput{Type: automation.IncreaseBudget,
			CampaignID: &cs[i%len(cs)].ID, Params: automation.ActionParams{Percent: &pct}}, "user:test")
		require.NoError(t, err)
	}
	_, err = svc.Automation.PutEnforcementRule(ctx, tenant, automation.EnforcementRuleInput{ViolationType: automation.BudgetExceeded,
		Mode: automation.HardBlock, Enabled: true})
	require.NoError(t, err)
	return &readPathFixture{srv: srv, counter: counter, tenant: tenant}
}

// run sends query three times (fresh request ids) and returns the last
// answer and the fewest statements a run took with those statements (a
// request may also pay an incidental read, such as the rate limit's).
func (f *readPathFixture) run(t *testing.T, name, query string) (map[string]any, []string) {
	t.Helper()
	var (
		data  map[string]any
		least []string
	)
	for i := range 3 {
		id := fmt.Sprintf("%s-%s-%d", name, uuid.NewString()[:8], i)
		h := tenantHeader(f.tenant)
		h.Set("X-Request-Id", id)
		res := f.srv.Query(t, query, nil, h)
		require.Empty(t, res.Errors, query)
		data = res.Data
		if st := f.counter.statements(id); i == 0 || len(st) < len(least) {
			least = st
		}
	}
	require.NotEmpty(t, least, "the hook saw the request")
	return data, least
}

// reads reports whether one of statements reads table (FROM "table") with
// every marker in it (telling the trust gate's read from a mutation's own).
func reads(statements []string, table string, markers ...string) bool {
	for _, s := range statements {
		if strings.Contains(s, `FROM "`+table+`"`) && containsAll(s, markers) {
			return true
		}
	}
	return false
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// readOf is the statement of statements that reads table (FROM "table");
// the test fails when there is none.
func readOf(t *testing.T, statements []string, table string) string {
	t.Helper()
	for _, s := range statements {
		if strings.Contains(s, `FROM "`+table+`"`) {
			return s
		}
	}
	t.Fatalf("no %s read: %s", table, brief(statements))
	return ""
}

// brief shortens statements for a failure message.
func brief(statements []string) string {
	out := make([]string, len(statements))
	for i, s := range statements {
		if len(s) > 90 {
			s = s[:90] + "…"
		}
		out[i] = s
	}
	return strings.Join(out, "\n")
}

// readsRules and countsDecisions recognise the trust gate's two optional
// reads (automation.Service.OverviewOf).
func readsRules(st []string) bool      { return reads(st, "enforcement_rules", "ORDER BY violation_type") }
func countsDecisions(st []string) bool { return reads(st, "trust_gate_audit", `GROUP BY "decision"`) }

// The trust gate reads what its selection needs (issue 16): the dashboard's
// small query (verdict and mode beside the action queue) reads neither the
// enforcement rules nor the 24-hour decision counts; selecting them
// (directly, aliased or through a fragment) reads them, and the figures are
// the domain's. Failed before: both were read whatever was selected. The
// health's issues are read only for the verdict, its components never
// (failed before: both on every read of the score).
func TestTrustGateReadsOnlyWhatIsSelected(t *testing.T) {
	t.Parallel()
	f := newReadPathFixture(t)
	want, err := f.srv.App.Services.Automation.Overview(context.Background(), f.tenant)
	require.NoError(t, err)
	require.NotNil(t, want.Score, "the fixture has a signal health")
	require.NotEmpty(t, want.Rules, "the fixture has an enforcement rule")
	require.Positive(t, want.DecisionCounts[automation.Pass]+want.DecisionCounts[automation.Hold]+want.DecisionCounts[automation.Block],
		"the fixture has gate decisions")

	const actions = `actions(first: 20) { edges { node { id status } } }`
	small, smallSt := f.run(t, "small", `{ trustGate { verdict autopilotMode } `+actions+` }`)
	require.False(t, readsRules(smallSt), "rules read though not selected: %s", brief(smallSt))
	require.False(t, countsDecisions(smallSt), "decisions counted though not selected: %s", brief(smallSt))
	require.Equal(t, want.Verdict(), field(t, small, "trustGate", "verdict"), "the verdict still names the score")
	require.Equal(t, string(want.Mode), field(t, small, "trustGate", "autopilotMode"))
	require.Len(t, field(t, small, "actions", "edges"), 3)

	full, fullSt := f.run(t, "full", `{ trustGate { verdict autopilotMode score status decisionCounts { pass hold block }
		enforcementRules { violationType mode } } `+actions+` }`)
	require.True(t, readsRules(fullSt), "positive control: %s", brief(fullSt))
	require.True(t, countsDecisions(fullSt), "positive control: %s", brief(fullSt))
	require.Less(t, len(smallSt), len(fullSt), "the small query runs fewer statements")
	t.Logf("statements: small %d, full %d", len(smallSt), len(fullSt))
	require.Equal(t, want.Verdict(), field(t, full, "trustGate", "verdict"))
	require.InDelta(t, *want.Score, field(t, full, "trustGate", "score"), 1e-9)
	require.Equal(t, string(want.Status), field(t, full, "trustGate", "status"))
	require.Equal(t, map[string]any{"pass": float64(want.DecisionCounts[automation.Pass]), "hold": float64(want.DecisionCounts[automation.Hold]),
		"block": float64(want.DecisionCounts[automation.Block])}, field(t, full, "trustGate", "decisionCounts"))
	require.Equal(t, []any{map[string]any{"violationType": "BUDGET_EXCEEDED", "mode": "HARD_BLOCK"}}, field(t, full, "trustGate", "enforcementRules"))

	frag, fragSt := f.run(t, "fragment", `{ trustGate { autopilotMode ...g } } fragment g on TrustGate { n: decisionCounts { hold } ... on TrustGate { enforcementRules { mode } } }`)
	require.True(t, readsRules(fragSt), "through an inline fragment: %s", brief(fragSt))
	require.True(t, countsDecisions(fragSt), "through a fragment, aliased: %s", brief(fragSt))
	require.False(t, reads(fragSt, "signal_health"), "no score, status or verdict: no health read: %s", brief(fragSt))
	require.EqualValues(t, want.DecisionCounts[automation.Hold], field(t, frag, "trustGate", "n", "hold"))
	require.Len(t, field(t, frag, "trustGate", "enforcementRules"), 1)

	// The health's JSON: the issues only for the verdict (which names the
	// worst), the components never.
	healthRead := func(st []string) string { return readOf(t, st, "signal_health") }
	require.Contains(t, healthRead(smallSt), `"issues"`, "positive control: the verdict reads the issues")
	require.NotContains(t, healthRead(smallSt), `"components"`)
	require.NotContains(t, healthRead(fullSt), `"components"`)
	score, scoreSt := f.run(t, "score", `{ trustGate { score status } }`)
	require.NotContains(t, healthRead(scoreSt), `"issues"`)
	require.NotContains(t, healthRead(scoreSt), `"components"`)
	require.InDelta(t, *want.Score, field(t, score, "trustGate", "score"), 1e-9)
	require.Equal(t, string(want.Status), field(t, score, "trustGate", "status"))

	_, skipSt := f.run(t, "skip", `{ trustGate { autopilotMode decisionCounts @skip(if: true) { pass } enforcementRules @include(if: false) { mode } } }`)
	require.False(t, readsRules(skipSt), "@include(if: false): %s", brief(skipSt))
	require.False(t, countsDecisions(skipSt), "@skip(if: true): %s", brief(skipSt))
}

// A settings mutation's payload reads the trust gate by the payload's
// selection too, and what it selects is right.
func TestTrustGatePayloadReadsOnlyWhatIsSelected(t *testing.T) {
	t.Parallel()
	f := newReadPathFixture(t)
	const m = `mutation { setAutopilotLevel(input: {level: SUGGEST_ONLY}) { userErrors { code } trustGate { autopilotLevel %s } } }`
	d, st := f.run(t, "payload-small", fmt.Sprintf(m, ""))
	require.Equal(t, "SUGGEST_ONLY", field(t, d, "setAutopilotLevel", "trustGate", "autopilotLevel"))
	require.False(t, readsRules(st), "%s", brief(st))
	require.False(t, countsDecisions(st), "%s", brief(st))

	d, st = f.run(t, "payload-full", fmt.Sprintf(m, "verdict decisionCounts { pass hold block } enforcementRules { mode }"))
	require.True(t, readsRules(st), "positive control: %s", brief(st))
	require.True(t, countsDecisions(st), "positive control: %s", brief(st))
	want, err := f.srv.App.Services.Automation.Overview(context.Background(), f.tenant)
	require.NoError(t, err)
	require.Equal(t, want.Verdict(), field(t, d, "setAutopilotLevel", "trustGate", "verdict"))
	require.Equal(t, []any{map[string]any{"mode": "HARD_BLOCK"}}, field(t, d, "setAutopilotLevel", "trustGate", "enforcementRules"))
}

// signalHealth reads the JSON that explains the score (components and
// issues) only when the query selects it; the score and status are the
// same either way. Its statements are the same in number (one row read):
// what the small query saves is the JSON's transfer and decoding. Failed
// before: every signalHealth read decoded both.
func TestSignalHealthReadsItsExplanationOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	f := newReadPathFixture(t)
	want, err := f.srv.App.Services.Signals.Get(context.Background(), f.tenant, "")
	require.NoError(t, err)
	require.NotNil(t, want)
	require.NotEmpty(t, want.Issues, "the fixture's health has issues")
	healthRead := func(st []string) string { return readOf(t, st, "signal_health") }

	small, smallSt := f.run(t, "health-small", `{ signalHealth { score status } }`)
	require.NotContains(t, healthRead(smallSt), `"components"`)
	require.NotContains(t, healthRead(smallSt), `"issues"`)
	require.InDelta(t, want.Score, field(t, small, "signalHealth", "score"), 1e-9)
	require.Equal(t, string(want.Status), field(t, small, "signalHealth", "status"))

	full, fullSt := f.run(t, "health-full", `{ signalHealth { score status components { name score } issues ...d } }
		fragment d on SignalHealth { issueDetails { message } }`)
	require.Contains(t, healthRead(fullSt), `"components"`, "positive control")
	require.Contains(t, healthRead(fullSt), `"issues"`, "positive control")
	require.InDelta(t, want.Score, field(t, full, "signalHealth", "score"), 1e-9)
	comps := field(t, full, "signalHealth", "components").([]any)
	require.Len(t, comps, len(want.Components))
	for i, c := range want.Components {
		require.Equal(t, strings.ToUpper(c.Name), strings.ToUpper(str(comps[i].(map[string]any)["name"])))
	}
	issues := field(t, full, "signalHealth", "issues").([]any)
	require.Len(t, issues, len(want.Issues))
	require.Equal(t, want.Issues[0].Message, issues[0])
	require.Equal(t, want.Issues[0].Message, field(t, full, "signalHealth", "issueDetails").([]any)[0].(map[string]any)["message"])
	t.Logf("statements: small %d, full %d", len(smallSt), len(fullSt))

	_, onlyIssues := f.run(t, "health-issues", `{ signalHealth { issues } }`)
	require.Contains(t, healthRead(onlyIssues), `"issues"`, "issues alone read the explanation")
}

// A page of actions decodes an action's JSON columns (params, before,
// after, sources, warnings) only when its nodes select the field each
// answers, and never the internal execution state; selected (aliased,
// through a fragment) they are the domain's. Failed before: every page
// read all six.
func TestActionsReadTheirJSONOnlyWhenSelected(t *testing.T) {
	t.Parallel()
	f := newReadPathFixture(t)
	first := 20
	page, err := f.srv.App.Services.Automation.Actions(context.Background(), f.tenant, automation.ActionFilter{}, relay.Args{First: &first})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	actionsRead := func(st []string) string { return readOf(t, st, "automation_actions") }
	columns := []string{`"a"."params"`, `"a"."before_value"`, `"a"."after_value"`, `"a"."sources"`, `"a"."warnings"`}

	small, smallSt := f.run(t, "actions-small", `{ actions(first: 20) { edges { node { id status reasons } } } }`)
	for _, c := range append(columns, `"a"."execution"`) {
		require.NotContains(t, actionsRead(smallSt), c)
	}
	require.Len(t, field(t, small, "actions", "edges"), 3)

	full, fullSt := f.run(t, "actions-full", `{ actions(first: 20) { edges { node { id ...a } } } }
		fragment a on Action { p: params { percent } before { dailyBudget } ... on Action { after { dailyBudget } } sources { proposedBy } warnings }`)
	for _, c := range columns {
		require.Contains(t, actionsRead(fullSt), c, "positive control")
	}
	require.NotContains(t, actionsRead(fullSt), `"a"."execution"`)
	byID := map[string]map[string]any{}
	for _, e := range field(t, full, "actions", "edges").([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		byID[str(n["id"])] = n
	}
	for _, a := range page.Items {
		n := byID[relay.GlobalID(relay.TypeAction, a.ID)]
		require.NotNil(t, n, "action %s is on the page", a.ID)
		require.Equal(t, *a.Params.Percent, n["p"].(map[string]any)["percent"])
		require.Equal(t, a.Before["dailyBudget"], n["before"].(map[string]any)["dailyBudget"])
		require.NotNil(t, a.After["dailyBudget"])
		require.Equal(t, a.After["dailyBudget"], n["after"].(map[string]any)["dailyBudget"])
		require.NotEmpty(t, a.Sources)
		require.Equal(t, a.Sources[0].Actor, n["sources"].([]any)[0].(map[string]any)["proposedBy"])
		require.Len(t, n["warnings"], len(a.Warnings))
	}
}
