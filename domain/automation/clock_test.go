package automation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
)

// setupClock is setup with a Manual database clock, started at the real
// time (the simulator's history ends today) after the seeding.
func setupClock(t *testing.T) (*bundle, *clock.Manual) {
	t.Helper()
	b := setup(t)
	c := clock.NewManual(time.Now())
	b.tdb.Clock = c
	return b, c
}

// frequencyCapped reports whether the gate holds a budget change to
// campaign back for the time since the last one (a dry run).
func frequencyCapped(t *testing.T, b *bundle, in automation.ActionInput) bool {
	t.Helper()
	sim, err := b.auto.SimulateAction(context.Background(), b.tenant, in, "user:1")
	require.NoError(t, err)
	for _, r := range sim.Reasons {
		if strings.Contains(r, "Too many changes") {
			return true
		}
	}
	return false
}

// An action's times, its gate decisions, the settings' times, the
// guardrails' "hours since the last change" and the overview's 24-hour
// decision counts all follow the database clock.
func TestActionsFollowTheClock(t *testing.T) {
	t.Parallel()
	b, c := setupClock(t)
	ctx := context.Background()
	brand := b.campaign("Brand Search")
	increase := automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(10)}}

	queued := c.Advance(time.Minute)
	a, err := b.auto.QueueAction(ctx, b.tenant, increase, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
	applied := c.Advance(time.Minute)
	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status)
	a, err = b.auto.Action(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.NotNil(t, a.AppliedAt)
	require.Equal(t, []time.Time{queued, applied, applied}, []time.Time{a.CreatedAt.UTC(), a.AppliedAt.UTC(), a.UpdatedAt.UTC()})

	page, err := b.auto.GateDecisions(ctx, b.tenant, automation.GateDecisionFilter{ActionID: &a.ID}, relay.Args{})
	require.NoError(t, err)
	var at []time.Time
	for _, d := range page.Items {
		at = append(at, d.At.UTC())
	}
	require.Equal(t, []time.Time{applied, queued}, at, "decided at the clock's time, newest first")

	// The settings allow one change every 4 hours, by the clock.
	c.Advance(3 * time.Hour)
	require.True(t, frequencyCapped(t, b, increase), "three hours after the change")
	c.Advance(time.Hour + time.Minute)
	require.False(t, frequencyCapped(t, b, increase), "positive control: four hours after by the clock")

	o, err := b.auto.Overview(ctx, b.tenant)
	require.NoError(t, err)
	require.Equal(t, 1, o.DecisionCounts[automation.Pass], "one action (queued and executed: two decisions), within 24 h")
	c.Advance(24 * time.Hour)
	o, err = b.auto.Overview(ctx, b.tenant)
	require.NoError(t, err)
	require.Zero(t, o.DecisionCounts[automation.Pass], "a day later by the clock")

	st, err := b.auto.SetKillSwitch(ctx, b.tenant, true, "user:1")
	require.NoError(t, err)
	require.Equal(t, c.Now(), st.UpdatedAt.UTC())
}

// A rule is due by the database clock: evaluated at the clock's time, not
// again before its schedule has passed, and again after.
func TestRuleScheduleFollowsTheClock(t *testing.T) {
	t.Parallel()
	b, c := setupClock(t)
	ctx := context.Background()
	builtin := true
	lastEvaluated := func() time.Time {
		t.Helper()
		page, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{Builtin: &builtin}, relay.Args{})
		require.NoError(t, err)
		require.NotEmpty(t, page.Items)
		r := page.Items[0]
		require.NotNil(t, r.LastEvaluatedAt)
		require.Equal(t, 60, r.ScheduleMinutes)
		return r.LastEvaluatedAt.UTC()
	}

	first := c.Advance(time.Minute)
	_, err := b.auto.EvaluateRules(ctx, b.tenant, false)
	require.NoError(t, err)
	require.Equal(t, first, lastEvaluated())
	c.Advance(59 * time.Minute)
	_, err = b.auto.EvaluateRules(ctx, b.tenant, false)
	require.NoError(t, err)
	require.Equal(t, first, lastEvaluated(), "not due 59 minutes later")
	due := c.Advance(time.Minute)
	_, err = b.auto.EvaluateRules(ctx, b.tenant, false)
	require.NoError(t, err)
	require.Equal(t, due, lastEvaluated(), "positive control: due an hour later by the clock")

	name := "Cut losers"
	cond := automation.Condition{Metric: automation.MetricROAS, WindowDays: 7, Operator: automation.LT, Value: 1}
	r, err := b.auto.CreateRule(ctx, b.tenant, automation.RuleInput{Name: &name, Conditions: &cond,
		Actions: []automation.RuleAction{{Type: automation.ReduceBudget, Params: automation.ActionParams{Percent: pct(25)}}}})
	require.NoError(t, err)
	require.Equal(t, []time.Time{due, due}, []time.Time{r.CreatedAt, r.UpdatedAt})
	r, err = b.auto.Rule(ctx, b.tenant, r.ID)
	require.NoError(t, err)
	require.Equal(t, due, r.CreatedAt.UTC(), "stored as the clock told")
}

// countHook keeps the text of every statement counting decisions.
type countHook struct{ texts []string }

func (h *countHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }
func (h *countHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, `GROUP BY "decision"`) {
		h.texts = append(h.texts, e.Query)
	}
}

// The 24-hour decision count's window starts at a whole second, so within
// one second its statement is one text (prepared on a connection's second
// run: internal/db/prepared.go); in the next second it moves on.
func TestDecisionCountWindowStartsAtAWholeSecond(t *testing.T) {
	t.Parallel()
	b, c := setupClock(t)
	h := &countHook{}
	b.tdb.DB.Bun.AddQueryHook(h)
	ctx := context.Background()
	c.Set(c.Now().Truncate(time.Second).Add(100 * time.Millisecond))
	count := func() {
		_, err := b.auto.OverviewOf(ctx, b.tenant, automation.OverviewParts{DecisionCounts: true})
		require.NoError(t, err)
	}
	count()
	c.Advance(800 * time.Millisecond)
	count()
	c.Advance(200 * time.Millisecond)
	count()
	require.Len(t, h.texts, 3)
	require.Equal(t, h.texts[0], h.texts[1], "the same second: the same text")
	require.NotEqual(t, h.texts[1], h.texts[2], "positive control: the next second moves the window")
}
