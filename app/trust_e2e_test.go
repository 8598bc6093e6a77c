package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

// trustSubs are the subscriptions the end-to-end test listens to, by
// operation id.
var trustSubs = map[string]string{
	"opened":    `subscription { incidentOpened { id title severity state } }`,
	"closed":    `subscription { incidentClosed { id title state resolvedBy } }`,
	"autopilot": `subscription { autopilotModeChanged { autopilotMode score status verdict } }`,
	"actions":   `subscription { actionStatusUpdated { id type status decision reasons } }`,
}

// listener is one graphql-ws subscriber holding every trust subscription.
type listener struct {
	name string
	ws   *wstest.Conn
}

func listen(t *testing.T, name, url, token string) *listener {
	ws := wstest.Dial(t, context.Background(), url+"/graphql", wstest.TransportWS, nil)
	ws.Init(map[string]any{"Authorization": "Bearer " + token})
	for id, q := range trustSubs {
		ws.Subscribe(id, q, nil)
	}
	return &listener{name: name, ws: ws}
}

// await reads events until every wanted operation id has delivered one
// whose payload contains its substring, and fails if that takes longer
// than within (measured from since): a liveness bound, not a latency
// target (BenchmarkSubscriptionFanOut measures latency).
func (l *listener) await(t *testing.T, since time.Time, within time.Duration, want map[string]string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for len(got) < len(want) {
		left := time.Until(since.Add(within))
		m, err := l.ws.Read(max(left, time.Millisecond))
		if err != nil {
			t.Fatalf("%s: after %s still waiting for %v (got %v): %v", l.name, time.Since(since).Round(time.Millisecond), missing(want, got), got, err)
		}
		require.NotEqual(t, "error", m.Type, "%s: %s", l.name, m.Payload)
		if sub, ok := want[m.ID]; ok && m.Type == "next" && strings.Contains(string(m.Payload), sub) {
			if _, seen := got[m.ID]; !seen {
				got[m.ID] = string(m.Payload)
			}
		}
	}
	return got
}

func missing(want, got map[string]string) []string {
	var out []string
	for k := range want {
		if _, ok := got[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// The trust engine end to end over two server processes on one database:
// degrading the simulated platform through server A opens incidents and
// limits autopilot, and subscribers on A and on B hear of it; a
// queued high-risk action is blocked by the gate; recovery closes the
// incidents and restores autopilot, again on both servers.
func TestTrustEngineEndToEndAcrossTwoServers(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	cfg := apptest.Config(t, tdb, identityEnv)
	a := apptest.Start(t, cfg)
	b := apptest.Start(t, cfg)
	require.NoError(t, app.Seed(context.Background(), a.App, apptest.Logger()))
	bdl := &idBundle{srv: a, tdb: tdb}
	_, p := bdl.logIn(t, cfg.DemoEmail, cfg.DemoPassword)
	owner := toSession(t, p, cfg.DemoEmail)

	q := func(srv *apptest.Server, query string, vars map[string]any) map[string]any {
		t.Helper()
		res := srv.Query(t, query, vars, owner.H())
		require.Empty(t, res.Errors, query)
		return res.Data
	}
	require.Equal(t, "HEALTHY", field(t, q(a, `{ signalHealth { status } }`, nil), "signalHealth", "status"), "the seeded demo tenant starts healthy")
	gate := q(a, `{ trustGate { autopilotMode verdict } }`, nil)
	require.Equal(t, "NORMAL", field(t, gate, "trustGate", "autopilotMode"))

	// The rules' evaluation (a River job; run here directly so the test
	// knows when it is done) proposes a budget increase for the best
	// campaign, which waits for approval (APPROVAL_REQUIRED): a held
	// high-risk action.
	_, err := a.App.Services.Automation.EvaluateRules(context.Background(), app.DemoTenantID, true)
	require.NoError(t, err)
	var actionID string
	for _, e := range field(t, q(a, `{ actions(status: [QUEUED]) { edges { node { id type decision } } } }`, nil), "actions", "edges").([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if n["type"] == "INCREASE_BUDGET" && n["decision"] == "HOLD" {
			actionID = str(n["id"])
		}
	}
	require.NotEmpty(t, actionID, "no held high-risk action was proposed")

	// Two equal subscribers on each replica: each replica runs one group
	// (one hub subscription) per subscription, with two members.
	subA := listen(t, "subscriber on A", a.URL, owner.Access)
	subA2 := listen(t, "second subscriber on A", a.URL, owner.Access)
	subB := listen(t, "subscriber on B", b.URL, owner.Access)
	subB2 := listen(t, "second subscriber on B", b.URL, owner.Access)
	grouped := func(srv *apptest.Server) bool {
		return srv.App.Hub.Subscribers() == 4 && srv.App.SubscriptionGroups.Groups() == 4 && srv.App.SubscriptionGroups.Members() == 8
	}
	require.Eventually(t, func() bool { return grouped(a) && grouped(b) }, 5*time.Second, 10*time.Millisecond)

	start := time.Now()
	d := q(a, `mutation { simulateSignalDegradation(input: {platform: SIMULATOR, component: EMQ, severity: CRITICAL}) { degradations { component severity } userErrors { message } } }`, nil)
	require.Empty(t, field(t, d, "simulateSignalDegradation", "userErrors"))
	for _, l := range []*listener{subA, subA2, subB, subB2} {
		// The action's BLOCKED event is awaited by its content: a re-gate
		// event of the same action (still held) may arrive before it.
		got := l.await(t, start, eventWithin, map[string]string{"opened": `"state":"OPEN"`, "autopilot": `"autopilotMode":"LIMITED"`,
			"actions": `"status":"BLOCKED"`})
		require.Contains(t, got["actions"], actionID, "%s: the held high-risk action is blocked once the score falls", l.name)
		t.Logf("%s: incidentOpened and autopilotModeChanged within %s", l.name, time.Since(start).Round(time.Millisecond))
	}
	act := q(b, `query($id: ID!) { node(id: $id) { ... on Action { status decision reasons } } }`, map[string]any{"id": actionID})
	require.Equal(t, "BLOCKED", field(t, act, "node", "status"))
	require.Equal(t, "BLOCK", field(t, act, "node", "decision"))

	open := q(b, `{ incidents(state: [OPEN]) { totalCount edges { node { cause severity timeline { kind } } } } }`, nil)
	require.NotZero(t, field(t, open, "incidents", "totalCount"))

	start = time.Now()
	q(a, `mutation { simulateSignalRecovery(input: {platform: SIMULATOR}) { degradations { component } } }`, nil)
	for _, l := range []*listener{subA, subA2, subB, subB2} {
		l.await(t, start, eventWithin, map[string]string{"closed": `"state":"RESOLVED"`, "autopilot": `"autopilotMode":"NORMAL"`})
	}
	open = q(b, `{ incidents(state: [OPEN, ACKNOWLEDGED]) { totalCount } }`, nil)
	require.EqualValues(t, 0, field(t, open, "incidents", "totalCount"), "recovery closes every health incident")

	// The changes are in the tenant audit log, with who made them.
	log := q(a, `{ auditLog(first: 50) { edges { node { action actorType actorId actorEmail } } } }`, nil)
	raw, _ := json.Marshal(log)
	for _, want := range []string{"simulator.degrade", "simulator.recover"} {
		require.Contains(t, string(raw), `{"action":"`+want+`","actorEmail":"`+cfg.DemoEmail+`","actorId":"`+owner.UserID+`","actorType":"USER"}`)
	}
}
