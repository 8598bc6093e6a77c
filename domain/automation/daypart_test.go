package automation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	return loc
}

func TestTimeWindowHolds(t *testing.T) {
	t.Parallel()
	loc := berlin(t)
	night := automation.TimeWindow{FromHour: 22, ToHour: 7}
	weeknights := automation.TimeWindow{FromHour: 22, ToHour: 7, Weekdays: []int{1, 2, 3, 4, 5}}
	day := automation.TimeWindow{FromHour: 7, ToHour: 22}
	at := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, loc) } // 2026-12-04 is a Friday
	for _, c := range []struct {
		name string
		w    automation.TimeWindow
		t    time.Time
		want bool
	}{
		{"22:00 starts the night", night, at(4, 22, 0), true},
		{"21:59 is before it", night, at(4, 21, 59), false},
		{"across midnight", night, at(5, 0, 30), true},
		{"06:59 is inside", night, at(5, 6, 59), true},
		{"07:00 ends it", night, at(5, 7, 0), false},
		{"Friday night counts on Saturday 02:00 (the window started Friday)", weeknights, at(5, 2, 0), true},
		{"Saturday night does not", weeknights, at(5, 23, 0), false},
		{"Sunday night's small hours (Monday 02:00) do not", weeknights, at(7, 2, 0), false},
		{"Monday night does", weeknights, at(7, 23, 0), true},
		{"day window 07:00", day, at(5, 7, 0), true},
		{"day window 22:00 is outside", day, at(5, 22, 0), false},
	} {
		require.Equal(t, c.want, c.w.Holds(c.t), c.name)
	}
	require.Equal(t, "between 22:00 and 07:00 Europe/Berlin, Mon–Fri", weeknights.Words("Europe/Berlin"))
	require.Equal(t, "between 22:00 and 07:00 UTC", night.Words(""))
}

// A rule's logic names its window and zone; bad windows and zones are
// BAD_USER_INPUT with the field's path.
func TestTimeWindowRulesValidate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	in := func(w automation.TimeWindow, tz string) automation.RuleInput {
		name := "Night"
		cond := automation.Condition{Op: "AND", Conditions: []automation.Condition{{TimeWindow: &w}}}
		paused := platforms.CampaignPaused
		return automation.RuleInput{Name: &name, Conditions: &cond, TimeZone: &tz,
			Actions: []automation.RuleAction{{Type: automation.UpdateStatus, Params: automation.ActionParams{Status: &paused}}}}
	}
	r, err := b.auto.CreateRule(ctx, b.tenant, in(automation.TimeWindow{FromHour: 22, ToHour: 7, Weekdays: []int{1, 2, 3, 4, 5}}, "Europe/Berlin"))
	require.NoError(t, err, "positive control")
	require.Equal(t, "time between 22:00 and 07:00 Europe/Berlin, Mon–Fri → set status to paused", r.Logic())

	for _, c := range []struct {
		w    automation.TimeWindow
		tz   string
		path []string
	}{
		{automation.TimeWindow{FromHour: 22, ToHour: 7}, "Mars/Olympus", []string{"input", "timeZone"}},
		{automation.TimeWindow{FromHour: 22, ToHour: 7}, "Local", []string{"input", "timeZone"}},
		{automation.TimeWindow{FromHour: 24, ToHour: 7}, "UTC", []string{"input", "conditions", "conditions", "0", "timeWindow", "fromHour"}},
		{automation.TimeWindow{FromHour: 7, ToHour: 7}, "UTC", []string{"input", "conditions", "conditions", "0", "timeWindow", "toHour"}},
		{automation.TimeWindow{FromHour: 7, ToHour: 9, Weekdays: []int{1, 8}}, "UTC", []string{"input", "conditions", "conditions", "0", "timeWindow", "weekdays", "1"}},
		{automation.TimeWindow{FromHour: 7, ToHour: 9, Weekdays: []int{2, 2}}, "UTC", []string{"input", "conditions", "conditions", "0", "timeWindow", "weekdays", "1"}},
	} {
		_, err := b.auto.CreateRule(ctx, b.tenant, in(c.w, c.tz))
		var ae *apperr.Error
		require.True(t, errors.As(err, &ae), "%+v %s: %v", c.w, c.tz, err)
		require.Equal(t, apperr.BadUserInput, ae.Code)
		require.Equal(t, c.path, ae.Field, "%+v %s", c.w, c.tz)
	}

	name := "Mixed"
	cond := automation.Condition{TimeWindow: &automation.TimeWindow{FromHour: 7, ToHour: 22}}
	_, err = b.auto.CreateRule(ctx, b.tenant, automation.RuleInput{Name: &name, Conditions: &cond,
		Actions: []automation.RuleAction{{Type: automation.ResumePaused}, {Type: automation.ReduceBudget}}})
	var ae *apperr.Error
	require.True(t, errors.As(err, &ae), "a resume rule proposes nothing else: %v", err)
	require.Equal(t, []string{"input", "actions", "0", "type"}, ae.Field)
}

// Every template is a valid rule, and the dayparting pair reads its window.
func TestRuleTemplatesAreValidRules(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	keys := map[string]string{}
	for _, tpl := range automation.RuleTemplates() {
		r, err := b.auto.CreateRule(ctx, b.tenant, tpl.Input())
		require.NoError(t, err, tpl.Key)
		require.Equal(t, tpl.Logic(), r.Logic(), tpl.Key)
		keys[tpl.Key] = r.Logic()
	}
	require.Equal(t, "time between 22:00 and 07:00 UTC → set status to paused", keys["dayparting-pause-off-hours"])
	require.Equal(t, "time between 07:00 and 22:00 UTC → resume campaign paused by dayparting", keys["dayparting-resume-business-hours"])
}

// daypartingPair creates the two dayparting templates in Europe/Berlin.
func (b *bundle) daypartingPair(t *testing.T) {
	t.Helper()
	for _, tpl := range automation.RuleTemplates() {
		if tpl.Key != "dayparting-pause-off-hours" && tpl.Key != "dayparting-resume-business-hours" {
			continue
		}
		in := tpl.Input()
		tz := "Europe/Berlin"
		in.TimeZone = &tz
		_, err := b.auto.CreateRule(context.Background(), b.tenant, in)
		require.NoError(t, err)
	}
}

// run executes the action (approving it first when the gate holds it for
// a person) and returns it as it ended.
func (b *bundle) run(t *testing.T, a automation.Action) *automation.Action {
	t.Helper()
	ctx := context.Background()
	if a.Decision == automation.Hold {
		_, err := b.auto.Approve(ctx, b.tenant, a.ID, "user:1")
		require.NoError(t, err)
	}
	out, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	return out
}

// The dayparting pair: at 23:00 Berlin the pause rule proposes pausing the
// active campaigns; at 08:00 the resume rule re-opens exactly the campaigns
// a dayparting rule paused — a campaign a person paused stays paused.
func TestDaypartingPausesAtNightAndResumesOnlyItsOwnPauses(t *testing.T) {
	t.Parallel()
	b, c := setupClock(t)
	ctx := context.Background()
	b.onlyRules(t)
	b.daypartingPair(t)
	loc := berlin(t)
	now := c.Now().In(loc)
	night := time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, loc)
	c.Set(night)

	brand := b.campaign("Brand Search")
	var manual *platforms.Campaign
	for i := range b.campaigns {
		if b.campaigns[i].ID != brand.ID && b.campaigns[i].Status == platforms.CampaignActive {
			manual = &b.campaigns[i]
			break
		}
	}
	require.NotNil(t, manual)
	require.Equal(t, platforms.CampaignActive, brand.Status)

	// A person pauses one campaign through Stratum before the night.
	paused := platforms.CampaignPaused
	a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateStatus, CampaignID: &manual.ID,
		Params: automation.ActionParams{Status: &paused}}, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Applied, b.run(t, *a).Status)
	require.Equal(t, platforms.CampaignPaused, b.statuses(t)[manual.Name])

	var pausedByRule []string
	t.Run("23:00 Berlin: the pause rule proposes pausing each active campaign", func(t *testing.T) {
		queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		require.NotEmpty(t, queued)
		for _, q := range queued {
			require.Equal(t, automation.UpdateStatus, q.Type)
			require.Equal(t, "Dayparting: pause off-hours", q.RuleName)
			require.Contains(t, q.Sources[0].Reason, "between 22:00 and 07:00 Europe/Berlin")
			require.NotEqual(t, manual.ID, *q.CampaignID, "the manually paused campaign is not active")
			require.Equal(t, automation.Applied, b.run(t, q).Status, "%v", q.Reasons)
		}
		for name, st := range b.statuses(t) {
			require.Equal(t, platforms.CampaignPaused, st, name)
		}
		for _, q := range queued {
			for _, cc := range b.campaigns {
				if cc.ID == *q.CampaignID {
					pausedByRule = append(pausedByRule, cc.Name)
				}
			}
		}
		require.Contains(t, pausedByRule, brand.Name)
	})

	t.Run("07:30 is not yet 08:00 but inside the resume window; 06:30 is not", func(t *testing.T) {
		c.Set(night.Add(7*time.Hour + 30*time.Minute)) // 06:30 Berlin
		sim, err := b.auto.SimulateRule(ctx, b.tenant, nil, ptrInput(t, "dayparting-resume-business-hours"), "user:1")
		require.NoError(t, err)
		require.Empty(t, sim.Actions, "06:30 is outside 07:00–22:00")
		var brandEval *automation.CampaignSimulation
		for i := range sim.Campaigns {
			if sim.Campaigns[i].Campaign.ID == brand.ID {
				brandEval = &sim.Campaigns[i]
			}
		}
		require.NotNil(t, brandEval)
		require.True(t, brandEval.Evaluated)
		require.Equal(t, "No proposal: the time (Sat 06:30 Europe/Berlin) is not between 07:00 and 22:00 Europe/Berlin.",
			replaceDay(brandEval.Outcome), "the dry run explains the time-window check")
	})

	t.Run("08:00 Berlin: the resume rule re-opens only the campaigns dayparting paused", func(t *testing.T) {
		c.Set(night.Add(9 * time.Hour))
		queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		var resumed []string
		for _, q := range queued {
			require.Equal(t, automation.ResumePaused, q.Type)
			require.NotEqual(t, manual.ID, *q.CampaignID, "a person's pause is never undone")
			require.Equal(t, automation.Applied, b.run(t, q).Status, "%v", q.Reasons)
			for _, cc := range b.campaigns {
				if cc.ID == *q.CampaignID {
					resumed = append(resumed, cc.Name)
				}
			}
		}
		require.ElementsMatch(t, pausedByRule, resumed, "positive control: every campaign the rule paused is resumed")
		st := b.statuses(t)
		require.Equal(t, platforms.CampaignActive, st[brand.Name])
		require.Equal(t, platforms.CampaignPaused, st[manual.Name], "negative: the manually paused campaign stays paused")
	})
}

// ptrInput is the template key's rule input in Europe/Berlin.
func ptrInput(t *testing.T, key string) *automation.RuleInput {
	t.Helper()
	for _, tpl := range automation.RuleTemplates() {
		if tpl.Key == key {
			in := tpl.Input()
			tz := "Europe/Berlin"
			in.TimeZone = &tz
			return &in
		}
	}
	t.Fatalf("no template %s", key)
	return nil
}

// replaceDay writes the weekday of an outcome as "Sat" (the test runs on
// any day).
func replaceDay(s string) string {
	for _, d := range []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sun"} {
		s = strings.Replace(s, "("+d+" ", "(Sat ", 1)
	}
	return s
}
