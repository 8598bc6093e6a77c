package automation_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// timeline is action id's gate timeline, oldest first.
func (b *bundle) timeline(t *testing.T, id uuid.UUID) []automation.GateDecision {
	t.Helper()
	m, err := b.auto.GateTimelines(context.Background(), b.tenant, []uuid.UUID{id})
	require.NoError(t, err)
	return m[id]
}

func (b *bundle) reload(t *testing.T, id uuid.UUID) automation.Action {
	t.Helper()
	a, err := b.auto.Action(context.Background(), b.tenant, id)
	require.NoError(t, err)
	return *a
}

func causes(es []automation.GateDecision) []automation.GateCause {
	var out []automation.GateCause
	for _, e := range es {
		out = append(out, e.Cause)
	}
	return out
}

// held queues the built-in rules' proposals under APPROVAL_REQUIRED (every
// one waits for a person) and returns them by type.
func (b *bundle) held(t *testing.T) map[automation.ActionType]automation.Action {
	t.Helper()
	ctx := context.Background()
	_, err := b.auto.SetAutopilotLevel(ctx, b.tenant, automation.ApprovalRequired, "user:1")
	require.NoError(t, err)
	queued, err := b.auto.EvaluateRules(ctx, b.tenant, true)
	require.NoError(t, err)
	out := map[automation.ActionType]automation.Action{}
	for _, a := range queued {
		require.Equal(t, automation.Hold, a.Decision, "%s: %v", a.Type, a.Reasons)
		out[a.Type] = a
	}
	return out
}

// TestRegateAfterAScoreChangeKeepsTheBusinessReason: re-gating after the
// score fell appends a decision with the new score to each waiting
// action's timeline — whether its decision changed (HOLD → BLOCK) or not
// (HOLD → HOLD, whose score used to stay at the old value) — and leaves
// the rule's business reason where it was.
func TestRegateAfterAScoreChangeKeepsTheBusinessReason(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	held := b.held(t)
	scale, ok := held[automation.IncreaseBudget]
	require.True(t, ok, "the built-in scaling rule proposes a budget increase: %v", held)
	cut, ok := held[automation.ReduceBudget]
	require.True(t, ok, "the built-in rules propose a budget cut: %v", held)
	// As stored: another rule's proposal of the same change may have joined.
	scale, cut = b.reload(t, scale.ID), b.reload(t, cut.ID)

	t.Run("positive control: the proposal's decision and reason", func(t *testing.T) {
		require.NotEmpty(t, scale.Sources)
		require.Contains(t, scale.Sources[0].Reason, "ROAS", "the rule's business reason")
		tl := b.timeline(t, scale.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed}, causes(tl))
		require.Equal(t, automation.Hold, tl[0].Decision)
		require.Equal(t, *scale.Score, *tl[0].Score)
		require.False(t, tl[0].WouldExecute)
	})
	before := *scale.Score

	require.NoError(t, b.ps.Simulator().Degrade(ctx, b.tenant, platforms.ComponentEMQ, platforms.Critical))
	_, err := b.sig.Recompute(ctx, b.tenant)
	require.NoError(t, err)

	t.Run("a changed decision is appended with its score; the business reason stays", func(t *testing.T) {
		a, err := b.auto.Action(ctx, b.tenant, scale.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Blocked, a.Status, "high-risk actions are not allowed in LIMITED mode")
		require.Equal(t, scale.Sources, a.Sources, "re-gating never touches the proposal's reasons")
		for _, r := range a.Reasons {
			require.NotContains(t, r, "ROAS", "the gate's reasons are the gate's: %v", a.Reasons)
		}
		tl := b.timeline(t, a.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed, automation.CauseScoreChanged}, causes(tl))
		require.Equal(t, []automation.Decision{automation.Hold, automation.Block}, []automation.Decision{tl[0].Decision, tl[1].Decision})
		require.Equal(t, before, *tl[0].Score, "the first decision keeps its score")
		require.Less(t, *tl[1].Score, before)
		require.Equal(t, *tl[1].Score, *a.Score)
		require.Equal(t, automation.System, tl[1].Actor)
	})
	t.Run("an unchanged decision is appended with the new score too", func(t *testing.T) {
		a, err := b.auto.Action(ctx, b.tenant, cut.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Queued, a.Status)
		require.Equal(t, automation.Hold, a.Decision, "%v", a.Reasons)
		require.Less(t, *a.Score, before, "the action shows the score of its latest decision, not the one it was proposed at")
		tl := b.timeline(t, a.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed, automation.CauseScoreChanged}, causes(tl))
		require.Equal(t, *a.Score, *tl[1].Score)
		require.Equal(t, cut.Sources, a.Sources)
	})
	t.Run("a settings change appends decisions naming the person", func(t *testing.T) {
		_, err := b.auto.SetKillSwitch(ctx, b.tenant, true, "user:1")
		require.NoError(t, err)
		tl := b.timeline(t, cut.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed, automation.CauseScoreChanged, automation.CauseSettingsChanged}, causes(tl))
		require.Equal(t, automation.Block, tl[2].Decision)
		require.Equal(t, "user:1", tl[2].Actor)
	})
}

// TestAppliedActionKeepsTheDecisionThatLetItRun: an action applied after a
// person's approval records the decision that let it run (PASS, on the
// approver's behalf) as its deciding decision — not the HOLD it was
// proposed with — and so does one autopilot ran on its own.
func TestAppliedActionKeepsTheDecisionThatLetItRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	approver := "user:" + testdb.MustInsertUser(t, b.tdb.DB, testdb.User{Email: "ana@example.test"}).String()
	held := b.held(t)
	cut := held[automation.ReduceBudget]

	t.Run("positive control: held for approval, no deciding decision yet", func(t *testing.T) {
		require.Equal(t, automation.Hold, cut.Decision)
		require.Nil(t, cut.DecidingGateID)
	})
	t.Run("approved, then applied: the PASS on the approver's behalf decided", func(t *testing.T) {
		_, err := b.auto.Approve(ctx, b.tenant, cut.ID, approver)
		require.NoError(t, err)
		a, err := b.auto.Execute(ctx, b.tenant, cut.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
		tl := b.timeline(t, a.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed, automation.CauseApproval, automation.CauseExecution}, causes(tl))
		require.NotNil(t, a.DecidingGateID)
		deciding := tl[2]
		require.Equal(t, deciding.ID, *a.DecidingGateID)
		require.Equal(t, automation.Pass, deciding.Decision)
		require.True(t, deciding.WouldExecute)
		require.Equal(t, approver, deciding.Actor)
		require.Equal(t, "ana@example.test", deciding.ActorEmail)
		require.Equal(t, *a.Score, *deciding.Score)
		require.Equal(t, automation.Hold, tl[0].Decision, "the proposal's HOLD stays in the timeline")

		byID, err := b.auto.GateDecisionByID(ctx, b.tenant, deciding.ID)
		require.NoError(t, err)
		require.Equal(t, "ana@example.test", byID.ActorEmail)
	})
	t.Run("autopilot: the PASS by system decided", func(t *testing.T) {
		_, err := b.auto.SetAutopilotLevel(ctx, b.tenant, automation.GuardedAuto, "user:1")
		require.NoError(t, err)
		brand := b.campaign("Brand Search")
		a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &brand.ID, Params: automation.ActionParams{Percent: pct(10)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
		a, err = b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		tl := b.timeline(t, a.ID)
		require.Equal(t, []automation.GateCause{automation.CauseProposed, automation.CauseExecution}, causes(tl))
		require.Equal(t, tl[1].ID, *a.DecidingGateID)
		require.Equal(t, automation.System, tl[1].Actor)
		require.Empty(t, tl[1].ActorEmail)
	})
}

// TestQueuePhasesAreDisjoint: the queue's two lists — waiting and handled
// — never hold the same action, and together hold every action.
func TestQueuePhasesAreDisjoint(t *testing.T) {
	t.Parallel()
	all := []automation.ActionStatus{automation.Queued, automation.Approved, automation.Applied, automation.Failed, automation.Dismissed,
		automation.Blocked, automation.Superseded, automation.NotNeeded}
	t.Run("every status is in exactly one phase", func(t *testing.T) {
		for _, st := range all {
			var in []automation.Phase
			for _, p := range []automation.Phase{automation.Waiting, automation.Handled} {
				for _, x := range p.Statuses() {
					if x == st {
						in = append(in, p)
					}
				}
			}
			require.Equal(t, []automation.Phase{automation.PhaseOf(st)}, in, "%s", st)
		}
	})

	b := setup(t)
	ctx := context.Background()
	held := b.held(t)
	cut, scale := held[automation.ReduceBudget], held[automation.IncreaseBudget]
	_, err := b.auto.Approve(ctx, b.tenant, cut.ID, "user:1")
	require.NoError(t, err)
	_, err = b.auto.Execute(ctx, b.tenant, cut.ID)
	require.NoError(t, err)
	_, err = b.auto.Dismiss(ctx, b.tenant, scale.ID, "user:1")
	require.NoError(t, err)

	ids := func(f automation.ActionFilter) map[uuid.UUID]automation.ActionStatus {
		page, err := b.auto.Actions(ctx, b.tenant, f, relay.Args{First: ptr(100)})
		require.NoError(t, err)
		out := map[uuid.UUID]automation.ActionStatus{}
		for _, a := range page.Items {
			out[a.ID] = a.Status
		}
		return out
	}
	waiting, handled, every := ids(automation.ActionFilter{Phase: automation.Waiting}), ids(automation.ActionFilter{Phase: automation.Handled}), ids(automation.ActionFilter{})
	t.Run("positive control: each list has what it should", func(t *testing.T) {
		require.Equal(t, automation.Applied, handled[cut.ID])
		require.Equal(t, automation.Dismissed, handled[scale.ID])
		require.NotEmpty(t, waiting, "the other proposals wait")
		for _, st := range waiting {
			require.Equal(t, automation.Waiting, automation.PhaseOf(st))
		}
	})
	t.Run("no action is in both; together they are all", func(t *testing.T) {
		for id := range waiting {
			_, both := handled[id]
			require.False(t, both, "%v is waiting and handled", id)
		}
		require.Equal(t, len(every), len(waiting)+len(handled))
	})
	t.Run("a status filter narrows a phase", func(t *testing.T) {
		require.Empty(t, ids(automation.ActionFilter{Phase: automation.Waiting, Statuses: []automation.ActionStatus{automation.Applied}}))
		require.Len(t, ids(automation.ActionFilter{Phase: automation.Handled, Statuses: []automation.ActionStatus{automation.Applied}}), 1)
	})
}

func ptr[T any](v T) *T { return &v }
