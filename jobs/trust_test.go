package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

type bundle struct {
	tdb    *testdb.DB
	svc    *app.Services
	tenant uuid.UUID
}

// setup gives a fresh database with one simulated tenant whose simulator is seeded.
func setup(t *testing.T) *bundle {
	t.Helper()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Sim", Simulated: true})
	svc := apptest.Services(t, tdb)
	require.NoError(t, svc.Platforms.Simulator().SeedSimulator(ctx, tenant))
	return &bundle{tdb: tdb, svc: svc, tenant: tenant}
}

// subscribe runs a realtime hub on its own connection and returns a subscription.
func subscribe(t *testing.T, b *bundle, topics ...string) *realtime.Subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hub := realtime.NewHub(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, b.tdb.AppURL) })
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-hub.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("hub not ready")
	}
	return hub.Subscribe(b.tenant, topics...)
}

// awaitWithin bounds how long await waits for an event: a liveness bound
// (the test fails rather than hangs), not a latency target — event latency
// is measured by BenchmarkSubscriptionFanOut.
const awaitWithin = 15 * time.Second

// await returns the first event on topic.
func await(t *testing.T, sub *realtime.Subscription, topic string) realtime.Event {
	t.Helper()
	deadline := time.After(awaitWithin)
	for {
		select {
		case ev, ok := <-sub.C():
			require.True(t, ok, "subscription closed: %v", sub.Err())
			if ev.Topic == topic {
				return *ev
			}
		case <-deadline:
			t.Fatalf("no %s event within %s", topic, awaitWithin)
		}
	}
}

func TestTrustEngineEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	tr := b.svc

	// Healthy start: score in the 90s, autopilot NORMAL, no incidents.
	_, err := tr.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	overall, err := tr.Signals.Get(ctx, b.tenant, signals.Overall)
	require.NoError(t, err)
	require.Equal(t, signals.Healthy, overall.Status, "issues: %+v", overall.Issues)
	require.Greater(t, overall.Score, 85.0)
	require.Len(t, overall.Components, 5, "the simulator reports CDP quality, so CDP contributes")

	// A person queues a high-risk action while trust is high: it is held for approval.
	cs, err := tr.Platforms.Campaigns(ctx, b.tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	require.Len(t, cs, 4)
	sub := subscribe(t, b)
	_, err = tr.Automation.SetAutopilotLevel(ctx, b.tenant, automation.ApprovalRequired, "user:1")
	require.NoError(t, err)
	queued, err := tr.Automation.EvaluateRules(ctx, b.tenant, true)
	require.NoError(t, err)
	var highRisk *automation.Action
	for i := range queued {
		if queued[i].RiskClass == automation.HighRisk {
			highRisk = &queued[i]
		}
	}
	require.NotNil(t, highRisk, "the built-in rules propose a budget increase for the scaling campaign")
	require.Equal(t, automation.Queued, highRisk.Status)
	require.Equal(t, automation.Hold, highRisk.Decision, "reasons: %v", highRisk.Reasons)

	// Degrade EMQ critically: recompute opens incidents and moves autopilot.
	require.NoError(t, tr.Platforms.Simulator().Degrade(ctx, b.tenant, platforms.ComponentEMQ, platforms.Critical))
	_, err = tr.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	opened := await(t, sub, incidents.TopicIncidentOpened)
	mode := await(t, sub, automation.TopicAutopilotModeChanged)
	require.Equal(t, string(automation.Limited), mode.ID)

	overall, err = tr.Signals.Get(ctx, b.tenant, signals.Overall)
	require.NoError(t, err)
	require.Equal(t, signals.Degraded, overall.Status)
	require.Contains(t, overall.Issues[0].Message, "Simulator EMQ fell from")
	inc, err := tr.Incidents.Get(ctx, b.tenant, uuid.MustParse(opened.ID))
	require.NoError(t, err)
	require.Equal(t, incidents.Open, inc.State)

	page, err := tr.Incidents.List(ctx, b.tenant, incidents.Filter{States: []incidents.State{incidents.Open}}, relay.Args{})
	require.NoError(t, err)
	// One EMQ drop, one incident: the platform's and the overall health
	// leaving HEALTHY are entries of its timeline, and its severity reads as
	// the gauge does (DEGRADED at 60 or more is MEDIUM).
	require.Len(t, page.Items, 1, "one incident for one EMQ drop")
	require.Equal(t, incidents.CauseEMQDrop, page.Items[0].Cause)
	require.Equal(t, inc.ID, page.Items[0].ID)
	require.Equal(t, incidents.SeverityFor(overall.Score, overall.Status), inc.Severity)
	tl, err := tr.Incidents.Timeline(ctx, b.tenant, inc.ID)
	require.NoError(t, err)
	var symptoms []string
	for _, e := range tl {
		if e.Kind == incidents.EventSymptom {
			symptoms = append(symptoms, e.Message)
		}
	}
	require.Equal(t, []string{
		fmt.Sprintf("Simulator platform health degraded (score %.0f)", platformScore(t, tr, b)),
		fmt.Sprintf("Overall health degraded (score %.0f)", overall.Score),
	}, symptoms)

	// The queued high-risk action is now BLOCKED by the LIMITED mode.
	a, err := tr.Automation.Action(ctx, b.tenant, highRisk.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Blocked, a.Status)
	require.Equal(t, automation.Block, a.Decision)
	st, err := tr.Automation.Settings(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, automation.Limited, st.AutopilotMode)

	// A second recompute does not duplicate incidents.
	_, err = tr.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	page, err = tr.Incidents.List(ctx, b.tenant, incidents.Filter{}, relay.Args{})
	require.NoError(t, err)
	require.Equal(t, 1, page.TotalCount)

	// Recover: incidents close, autopilot returns to NORMAL, the action is queued again.
	require.NoError(t, tr.Platforms.Simulator().Recover(ctx, b.tenant))
	_, err = tr.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)
	await(t, sub, incidents.TopicIncidentClosed)
	mode = await(t, sub, automation.TopicAutopilotModeChanged)
	require.Equal(t, string(automation.Normal), mode.ID)
	page, err = tr.Incidents.List(ctx, b.tenant, incidents.Filter{States: []incidents.State{incidents.Open, incidents.Acknowledged}}, relay.Args{})
	require.NoError(t, err)
	require.Zero(t, page.TotalCount)
	a, err = tr.Automation.Action(ctx, b.tenant, highRisk.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Queued, a.Status)

	// Approve and execute: applied once, even when executed twice.
	_, err = tr.Automation.Approve(ctx, b.tenant, a.ID, "user:1")
	require.NoError(t, err)
	a, err = tr.Automation.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status)
	a, err = tr.Automation.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, 1, a.Attempts)
	audit, err := tr.Automation.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{ActionID: &a.ID}, relay.Args{})
	require.NoError(t, err)
	require.GreaterOrEqual(t, audit.TotalCount, 4, "queued, blocked, re-queued, approved, executed")
}

func TestRuleEvaluationJobRunTwiceConcurrently(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.svc.Signals.Recompute(ctx, b.tenant)
	require.NoError(t, err)

	worker := &jobs.AutomationEvaluateWorker{Automation: b.svc.Automation, Billing: b.svc.Billing}

	// Run the worker twice at the same time (as two River workers would).
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = worker.Work(ctx, &river.Job[jobs.AutomationEvaluateArgs]{
				JobRow: &rivertype.JobRow{ID: int64(i + 1), Attempt: 1}, Args: jobs.AutomationEvaluateArgs{TenantID: b.tenant}})
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])

	// And once more, forced, past the schedule: cooldown and dedupe keys hold.
	_, err = b.svc.Automation.EvaluateRules(ctx, b.tenant, true)
	require.NoError(t, err)

	page, err := b.svc.Automation.Actions(ctx, b.tenant, automation.ActionFilter{}, relay.Args{})
	require.NoError(t, err)
	require.NotZero(t, page.TotalCount)
	seen := map[string]int{}
	for _, a := range page.Items {
		seen[a.RuleName+"/"+a.CampaignID.String()+"/"+string(a.Type)]++
	}
	for k, n := range seen {
		require.Equal(t, 1, n, "action %s queued %d times", k, n)
	}
}

func platformScore(t *testing.T, tr *app.Services, b *bundle) float64 {
	t.Helper()
	h, err := tr.Signals.Get(context.Background(), b.tenant, "SIMULATOR")
	require.NoError(t, err)
	return h.Score
}
