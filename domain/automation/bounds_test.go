package automation_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// requireInvalid asserts err is BAD_USER_INPUT at path.
func requireInvalid(t *testing.T, err error, path ...string) {
	t.Helper()
	e, ok := apperr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, apperr.BadUserInput, e.Code, e.Message)
	require.Equal(t, path, e.Field)
}

// Built-in rule parameters, action amounts and guardrail settings are
// refused outside the ranges their logic reads them in, at their path,
// changing nothing: a status window of 0 days had no day to disprove and
// proposed pausing every campaign, a 5000 % adjustment failed every plan of
// the tenant's evaluation, a negative bid reached the database's checks, and
// a guardrail of 3 million hours overflowed and stopped firing.
func TestOutOfRangeInputsAreRefusedAtTheirPath(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	rules, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{Builtin: ptrBool(true)}, relay.Args{})
	require.NoError(t, err)
	byKind := map[automation.Builtin]*automation.Rule{}
	for i := range rules.Items {
		byKind[*rules.Items[i].Builtin] = &rules.Items[i]
	}
	status, pacing := byKind[automation.StatusManagement], byKind[automation.BudgetPacing]
	for _, c := range []struct {
		rule  *automation.Rule
		name  string
		value float64
	}{
		{status, "days", 0}, {status, "days", 7.5}, {status, "days", 1e300}, {status, "cpaFactor", 0.5},
		{pacing, "adjustPct", 5000}, {pacing, "adjustPct", 0}, {pacing, "under", 2}, {pacing, "windowDays", 31},
	} {
		_, err := b.auto.UpdateRule(ctx, b.tenant, c.rule.ID, automation.RuleInput{Params: map[string]float64{c.name: c.value}})
		requireInvalid(t, err, "input", "params", c.name)
	}
	r, err := b.auto.UpdateRule(ctx, b.tenant, status.ID, automation.RuleInput{Params: map[string]float64{"days": 14}})
	require.NoError(t, err, "positive control: a value in range")
	require.Equal(t, 14.0, r.Params["days"])
	require.Equal(t, 7.0, status.Params["days"], "the refused values changed nothing before")

	brand := b.campaign("Brand Search")
	for _, amount := range []float64{-5, 1e13} {
		_, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBid, CampaignID: &brand.ID,
			Params: automation.ActionParams{Amount: pct(amount)}}, "user:1")
		requireInvalid(t, err, "input", "params", "amount")
	}
	_, err = b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBudget, CampaignID: &brand.ID,
		Params: automation.ActionParams{Amount: pct(160)}}, "user:1")
	require.NoError(t, err, "positive control: an amount in range")

	_, err = b.auto.UpdateSettings(ctx, b.tenant, automation.SettingsInput{MinHoursBetween: pct(3e6)}, "user:1")
	requireInvalid(t, err, "input", "minHoursBetweenChanges")
	_, err = b.auto.UpdateSettings(ctx, b.tenant, automation.SettingsInput{MaxDailyBudget: pct(1e13)}, "user:1")
	requireInvalid(t, err, "input", "maxDailyBudget")
	s, err := b.auto.UpdateSettings(ctx, b.tenant, automation.SettingsInput{MinHoursBetween: pct(24)}, "user:1")
	require.NoError(t, err, "positive control")
	require.Equal(t, 24.0, s.MinHoursBetween)
}

// A status filter is a short list: each value goes into the statement (and
// a page runs it twice); a list as long as a request body allows is refused.
func TestActionStatusFilterIsBounded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	long := make([]automation.ActionStatus, 21)
	for i := range long {
		long[i] = automation.Applied
	}
	_, err := b.auto.Actions(ctx, b.tenant, automation.ActionFilter{Statuses: long}, relay.Args{})
	requireInvalid(t, err, "status")
	_, err = b.auto.Actions(ctx, b.tenant, automation.ActionFilter{Statuses: long[:3]}, relay.Args{})
	require.NoError(t, err, "positive control")
}

// A workspace holds at most MaxRules rules, the built-ins included; the
// count is taken one creation at a time, so concurrent creations never
// overshoot it.
func TestRulesAreCappedPerWorkspace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	name := "r"
	cond := automation.Condition{Metric: automation.MetricROAS, WindowDays: 7, Operator: automation.LT, Value: 1}
	in := automation.RuleInput{Name: &name, Conditions: &cond, Actions: []automation.RuleAction{{Type: automation.ReduceBudget}}}
	rules, err := b.auto.Rules(ctx, b.tenant, automation.RuleFilter{}, relay.Args{})
	require.NoError(t, err)
	room := automation.MaxRules - rules.TotalCount
	require.Positive(t, room)
	created, refused := testdb.CreateConcurrently(t, 6, room+10, func(int) error {
		_, err := b.auto.CreateRule(ctx, b.tenant, in)
		return err
	})
	require.Equal(t, room, created, "positive control: up to the cap, every creation")
	require.Equal(t, 10, refused)
}
