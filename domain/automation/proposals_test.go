package automation_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// cutLosers is a custom rule that proposes a 25 % budget cut for the
// simulator's losing campaign (Spring Sale) only.
func cutLosers(name string) automation.RuleInput {
	cond := automation.Condition{Op: "AND", Conditions: []automation.Condition{
		{Metric: automation.MetricROAS, WindowDays: 7, Operator: automation.LT, Value: 1},
		{Metric: automation.MetricSpend, WindowDays: 3, Operator: automation.GT, Value: 100},
	}}
	return automation.RuleInput{Name: &name, Conditions: &cond, Actions: []automation.RuleAction{{Type: automation.ReduceBudget, Params: automation.ActionParams{Percent: pct(25)}}}}
}

// onlyRules disables the built-in rules, so only the test's rules propose.
func (b *bundle) onlyRules(t *testing.T) {
	t.Helper()
	builtin := true
	page, err := b.auto.Rules(context.Background(), b.tenant, automation.RuleFilter{Builtin: &builtin}, relay.Args{})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	for _, r := range page.Items {
		_, err := b.auto.SetRuleEnabled(context.Background(), b.tenant, r.ID, false)
		require.NoError(t, err)
	}
}

// actionsOn lists the campaign's actions, newest first.
func (b *bundle) actionsOn(t *testing.T, campaign uuid.UUID) []automation.Action {
	t.Helper()
	page, err := b.auto.Actions(context.Background(), b.tenant, automation.ActionFilter{CampaignID: &campaign}, relay.Args{})
	require.NoError(t, err)
	return page.Items
}

// pause pauses c on the simulator, as a person would in the platform's own UI.
func (b *bundle) pause(t *testing.T, c *platforms.Campaign) {
	t.Helper()
	paused := platforms.CampaignPaused
	_, err := b.ps.Simulator().Apply(context.Background(), b.tenant, platforms.Change{IdempotencyKey: "ui:" + uuid.NewString(), CampaignID: c.ID, Status: &paused})
	require.NoError(t, err)
}

// auditCount counts the tenant audit log's entries of kind about action id.
func (b *bundle) auditCount(t *testing.T, kind string, id uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, b.tdb.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM audit_log WHERE action = ? AND target_id = ?", kind, id).Scan(ctx, &n)
	}))
	return n
}

func sourceNames(a *automation.Action) []string {
	var out []string
	for _, s := range a.Sources {
		name := s.RuleName
		if name == "" {
			name = s.Actor
		}
		out = append(out, name)
	}
	return out
}

// TestTwoRulesProposingTheSameChangeMakeOneAction: one open action per
// campaign and change kind. A second rule proposing the same cut joins the
// action as another source with its own reason; a different change of the
// same kind replaces it (SUPERSEDED, with what replaced it).
func TestTwoRulesProposingTheSameChangeMakeOneAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.onlyRules(t)
	spring := b.campaign("Spring Sale – Lookalike 3%")
	var first automation.Action

	t.Run("positive control: one rule proposes the cut", func(t *testing.T) {
		_, err := b.auto.CreateRule(ctx, b.tenant, cutLosers("Cut losers"))
		require.NoError(t, err)
		queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		require.Len(t, queued, 1)
		as := b.actionsOn(t, spring.ID)
		require.Len(t, as, 1)
		first = as[0]
		require.Equal(t, automation.Queued, first.Status)
		require.Equal(t, 225.0, first.After["dailyBudget"])
		require.Equal(t, []string{"Cut losers"}, sourceNames(&first))
	})
	t.Run("a second rule proposing the same cut joins the action as another reason", func(t *testing.T) {
		_, err := b.auto.CreateRule(ctx, b.tenant, cutLosers("Stop the bleeding"))
		require.NoError(t, err)
		queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
		require.NoError(t, err)
		require.Empty(t, queued, "nothing new queued")
		as := b.actionsOn(t, spring.ID)
		require.Len(t, as, 1, "one action for one change")
		a := as[0]
		require.Equal(t, first.ID, a.ID)
		require.Equal(t, automation.Queued, a.Status)
		require.Equal(t, []string{"Cut losers", "Stop the bleeding"}, sourceNames(&a))
		require.Contains(t, a.Sources[0].Reason, `rule "Cut losers": ROAS over 7 d`)
		require.Contains(t, a.Sources[1].Reason, `rule "Stop the bleeding": ROAS over 7 d`)
		require.Equal(t, 1, b.auditCount(t, "action.join", a.ID))

		t.Run("evaluating again adds no source twice", func(t *testing.T) {
			_, err := b.auto.EvaluateRules(ctx, b.tenant, true)
			require.NoError(t, err)
			as := b.actionsOn(t, spring.ID)
			require.Len(t, as, 1)
			require.Len(t, as[0].Sources, 2)
		})
	})
	t.Run("a person queueing the same cut joins it too", func(t *testing.T) {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.UpdateBudget, CampaignID: &spring.ID,
			Params: automation.ActionParams{Amount: pct(225)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, first.ID, a.ID, "the open action is returned")
		require.Equal(t, []string{"Cut losers", "Stop the bleeding", "user:1"}, sourceNames(a))
		require.Len(t, b.actionsOn(t, spring.ID), 1)
	})
	t.Run("a different change of the same kind supersedes it", func(t *testing.T) {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &spring.ID,
			Params: automation.ActionParams{Percent: pct(10)}}, "user:1")
		require.NoError(t, err)
		require.NotEqual(t, first.ID, a.ID)
		require.Equal(t, automation.Queued, a.Status)
		require.Equal(t, []string{"user:1"}, sourceNames(a))
		old, err := b.auto.Action(ctx, b.tenant, first.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Superseded, old.Status)
		require.Equal(t, "replaced by a newer proposal: reduce budget to 270.00 (a person's proposal)", *old.Resolution)
		require.Equal(t, 1, b.auditCount(t, "action.resolve", old.ID))
	})
}

// TestConcurrentProposalsOfOneChangeMakeOneAction: the open slot is taken
// atomically. Another transaction holds an open action of the same change,
// not yet committed: the proposal's insert waits for it and, once it
// commits, joins it instead of queueing a second action.
func TestConcurrentProposalsOfOneChangeMakeOneAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	brand := b.campaign("Brand Search")
	cut := automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(20)}}
	template, err := b.auto.QueueAction(ctx, b.tenant, cut, "user:1")
	require.NoError(t, err)
	_, err = b.auto.Dismiss(ctx, b.tenant, template.ID, "user:1")
	require.NoError(t, err)

	held := uuid.New()
	tx, err := b.tdb.Bun.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, "SELECT set_config('app.tenant_id', ?, true)", b.tenant.String())
	require.NoError(t, err)
	_, err = tx.ExecContext(ctx, `INSERT INTO automation_actions (tenant_id, id, campaign_id, platform, action_type, risk_class, params, before_value, after_value,
		status, decision, reasons, warnings, created_by, created_at, updated_at, change_kind, sources)
		SELECT tenant_id, ?, campaign_id, platform, action_type, risk_class, params, before_value, after_value,
		'QUEUED', decision, reasons, warnings, 'user:2', created_at, updated_at, change_kind, '[{"actor":"user:2","at":"2026-01-01T00:00:00Z"}]'
		FROM automation_actions WHERE id = ?`, held, template.ID)
	require.NoError(t, err)

	type result struct {
		a   *automation.Action
		err error
	}
	done := make(chan result, 1)
	go func() {
		a, err := b.auto.QueueAction(ctx, b.tenant, cut, "user:1")
		done <- result{a, err}
	}()
	require.Eventually(t, func() bool { // the proposal waits on the held row's index entry
		var waiting int
		_ = b.tdb.Bun.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(ctx, &waiting)
		return waiting == 1
	}, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, tx.Commit())

	r := <-done
	require.NoError(t, r.err)
	require.Equal(t, held, r.a.ID, "joined the action committed first")
	require.Equal(t, []string{"user:2", "user:1"}, sourceNames(r.a))
	var open int
	for _, a := range b.actionsOn(t, brand.ID) {
		if a.Status == automation.Queued {
			open++
		}
	}
	require.Equal(t, 1, open)
}

// TestProposalForACampaignPausedMeanwhileIsNotNeeded: proposals are
// re-validated against the campaign before execution. A budget cut for a
// campaign paused since ends NOT_NEEDED with the reason, the platform is
// not called; the same cut on a campaign still active is applied.
func TestProposalForACampaignPausedMeanwhileIsNotNeeded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	cut := func(c *platforms.Campaign) *automation.Action {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &c.ID,
			Params: automation.ActionParams{Percent: pct(20)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
		return a
	}
	brand, retarget := b.campaign("Brand Search"), b.campaign("Retargeting – Cart Abandoners")

	t.Run("positive control: an active campaign's cut is applied", func(t *testing.T) {
		a, err := b.auto.Execute(ctx, b.tenant, cut(retarget).ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		require.Equal(t, 160.0, b.budget(t, retarget.ID))
		api.checked(t, 1)
	})
	t.Run("paused since the proposal", func(t *testing.T) {
		a := cut(brand)
		b.pause(t, brand)
		a, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.NotNeeded, a.Status)
		require.Equal(t, `campaign "Brand Search" was paused since the proposal`, *a.Resolution)
		require.Nil(t, a.AppliedAt)
		require.Equal(t, 150.0, b.budget(t, brand.ID), "the paused campaign's budget is left alone")
		require.Equal(t, 1, b.auditCount(t, "action.resolve", a.ID))
		api.checked(t, 1)

		t.Run("a manual override re-validates too", func(t *testing.T) {
			spring := b.campaign("Spring Sale – Lookalike 3%")
			a := cut(spring)
			b.pause(t, spring)
			a, err := b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "do it anyway")
			require.NoError(t, err)
			require.Equal(t, automation.NotNeeded, a.Status)
			api.checked(t, 1)
		})
		t.Run("pausing it again is not needed either", func(t *testing.T) {
			a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseUnderperforming, CampaignID: &brand.ID}, "user:1")
			require.NoError(t, err)
			a, err = b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "make sure")
			require.NoError(t, err)
			require.Equal(t, automation.NotNeeded, a.Status)
			require.Equal(t, "nothing to change: the status is already paused", *a.Resolution)
			api.checked(t, 1)
		})
	})
}

// TestNoActionIsAppliedWithoutAChange: an action whose target the campaign
// reached by other means ends NOT_NEEDED before the call; when the platform
// itself reports no change (another change got there between the start
// and the call: "240 → 240"), the action ends NOT_NEEDED, not APPLIED.
func TestNoActionIsAppliedWithoutAChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand, retarget := b.campaign("Brand Search"), b.campaign("Retargeting – Cart Abandoners")
	setBudget := func(c *platforms.Campaign, v float64) {
		_, err := b.ps.Simulator().Apply(ctx, b.tenant, platforms.Change{IdempotencyKey: "ui:" + uuid.NewString(), CampaignID: c.ID, DailyBudget: &v})
		require.NoError(t, err)
	}

	t.Run("already at the target before the start", func(t *testing.T) {
		a := b.increase(t, brand, 10)
		setBudget(brand, 165)
		a, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.NotNeeded, a.Status)
		require.Equal(t, "the daily budget is already 165.00", *a.Resolution)
		require.Equal(t, 165.0, b.budget(t, brand.ID), "not raised a second time")
		api.checked(t, 0)
	})
	t.Run("the platform reports no change", func(t *testing.T) {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &retarget.ID,
			Params: automation.ActionParams{Percent: pct(20)}}, "user:1")
		require.NoError(t, err)
		api.set(func(ch platforms.Change) error {
			if ch.IdempotencyKey == a.ID.String() {
				setBudget(retarget, 160) // someone else's cut lands first
			}
			return nil
		}, nil)
		a, err = b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.NotNeeded, a.Status)
		require.Equal(t, "the platform reported no change: the daily budget was already 160.00", *a.Resolution)
		require.Nil(t, a.AppliedAt)
		require.Equal(t, 1, a.Attempts)
		api.checked(t, 1)
	})
	t.Run("positive control: a real change is applied", func(t *testing.T) {
		api.set(nil, nil)
		a := b.increase(t, retarget, 10)
		a, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		require.Equal(t, 176.0, b.budget(t, retarget.ID))
	})
	t.Run("pause_all with no active campaign is not needed", func(t *testing.T) {
		for _, c := range b.campaigns {
			b.pause(t, &c)
		}
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseAll, Platform: platforms.Simulator}, "user:1")
		require.NoError(t, err)
		a, err = b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.NotNeeded, a.Status)
		require.Equal(t, "no campaign is active", *a.Resolution)
	})
}

// TestUnblockingKeepsOneOpenActionPerChange: actions blocked by the kill
// switch return to the queue when it is switched off; of two blocked
// proposals of one kind for one campaign, the newer stays and the older is
// SUPERSEDED (the unique index would refuse two open ones).
func TestUnblockingKeepsOneOpenActionPerChange(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	brand := b.campaign("Brand Search")
	queue := func(p float64) *automation.Action {
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.ReduceBudget, CampaignID: &brand.ID,
			Params: automation.ActionParams{Percent: pct(p)}}, "user:1")
		require.NoError(t, err)
		return a
	}
	older := queue(10)
	_, err := b.auto.SetKillSwitch(ctx, b.tenant, true, "user:1")
	require.NoError(t, err)
	newer := queue(20)
	require.Equal(t, automation.Blocked, newer.Status)
	older, err = b.auto.Action(ctx, b.tenant, older.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Blocked, older.Status, "blocked by the kill switch")

	_, err = b.auto.SetKillSwitch(ctx, b.tenant, false, "user:1")
	require.NoError(t, err)
	older, err = b.auto.Action(ctx, b.tenant, older.ID)
	require.NoError(t, err)
	newer, err = b.auto.Action(ctx, b.tenant, newer.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Queued, newer.Status, "the newer proposal is back in the queue")
	require.Equal(t, automation.Superseded, older.Status)
	require.Equal(t, "replaced by a newer proposal: reduce budget to 120.00 (a person's proposal)", *older.Resolution)
}
