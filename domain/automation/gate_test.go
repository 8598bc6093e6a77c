package automation_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/automation"
)

func score(v float64) *float64 { return &v }

func TestDecidePerRiskClassAndMode(t *testing.T) {
	t.Parallel()
	cfg := automation.DefaultConfig()
	guarded := automation.DefaultSettings([16]byte{})
	guarded.AutopilotLevel = automation.GuardedAuto
	type tc struct {
		action automation.ActionType
		score  float64
		want   automation.Decision
	}
	modeOf := func(s float64) automation.Mode { return cfg.ModeFor(s, "") }
	for _, c := range []tc{
		// high-risk needs ≥ 80 (and NORMAL mode)
		{automation.IncreaseBudget, 80, automation.Pass},
		{automation.IncreaseBudget, 79.9, automation.Hold},
		{automation.IncreaseBid, 70, automation.Hold},
		{automation.LaunchCampaign, 69.9, automation.Block}, // LIMITED
		{automation.ExpandTargeting, 39, automation.Block},  // FROZEN
		// standard needs ≥ 70
		{automation.UpdateBudget, 70, automation.Pass},
		{automation.UpdateStatus, 69.9, automation.Block}, // LIMITED allows conservative only
		// conservative needs ≥ 60
		{automation.ReduceBudget, 60, automation.Pass},
		{automation.PauseUnderperforming, 59.9, automation.Hold}, // CUTS_ONLY: allowed, held below 60
		{automation.ReduceBid, 40, automation.Hold},
		{automation.ReduceBudget, 39.9, automation.Block}, // FROZEN
		// always allowed
		{automation.PauseAll, 0, automation.Pass},
		{automation.EmergencyStop, 10, automation.Pass},
	} {
		reduces := c.action == automation.ReduceBudget || c.action == automation.ReduceBid || c.action == automation.PauseUnderperforming
		got := cfg.Decide(automation.GateInput{Action: c.action, Reduces: reduces, Score: score(c.score), Mode: modeOf(c.score), Settings: guarded})
		require.Equal(t, c.want, got.Decision, "%s at %.1f (mode %s): %v", c.action, c.score, modeOf(c.score), got.Reasons)
		require.Equal(t, c.want == automation.Pass, got.WouldExecute)
	}
}

func TestModeHysteresis(t *testing.T) {
	t.Parallel()
	cfg := automation.DefaultConfig()
	for _, c := range []struct {
		score      float64
		prev, want automation.Mode
	}{
		{70, "", automation.Normal}, {69.9, "", automation.Limited}, {60, "", automation.Limited}, {59.9, "", automation.CutsOnly},
		{40, "", automation.CutsOnly}, {39.9, "", automation.Frozen},
		{68, automation.Normal, automation.Normal}, {67.9, automation.Normal, automation.Limited},
		{71.9, automation.Limited, automation.Limited}, {72, automation.Limited, automation.Normal},
		{71, automation.Limited, automation.Limited}, {58, automation.Limited, automation.Limited}, {57.9, automation.Limited, automation.CutsOnly},
		{41.9, automation.Frozen, automation.Frozen}, {42, automation.Frozen, automation.CutsOnly},
	} {
		require.Equal(t, c.want, cfg.ModeFor(c.score, c.prev), "score %v from %q", c.score, c.prev)
	}
}

func TestDecideLevelsKillSwitchAndEnforcement(t *testing.T) {
	t.Parallel()
	cfg := automation.DefaultConfig()
	base := automation.DefaultSettings([16]byte{})
	with := func(f func(*automation.Settings)) automation.Settings { s := base; f(&s); return s }
	violation := []automation.Violation{{Type: automation.BudgetExceeded, Message: "raises the daily budget by 50% (max 30% per change)"}}
	for _, c := range []struct {
		name     string
		in       automation.GateInput
		want     automation.Decision
		execute  bool
		warnings int
	}{
		{"GUARDED_AUTO executes a pass", automation.GateInput{Settings: with(func(s *automation.Settings) { s.AutopilotLevel = automation.GuardedAuto })}, automation.Pass, true, 0},
		{"GUARDED_AUTO without the autopilot flag holds a pass", automation.GateInput{AutopilotOff: true,
			Settings: with(func(s *automation.Settings) { s.AutopilotLevel = automation.GuardedAuto })}, automation.Hold, false, 0},
		{"without the autopilot flag an approval still executes", automation.GateInput{AutopilotOff: true, Approved: true,
			Settings: with(func(s *automation.Settings) { s.AutopilotLevel = automation.GuardedAuto })}, automation.Hold, true, 0},
		{"without the autopilot flag a person's own action runs", automation.GateInput{AutopilotOff: true, Human: true,
			Settings: with(func(s *automation.Settings) { s.AutopilotLevel = automation.GuardedAuto })}, automation.Pass, true, 0},
		{"APPROVAL_REQUIRED holds a pass", automation.GateInput{Settings: base}, automation.Hold, false, 0},
		{"APPROVAL_REQUIRED executes once approved", automation.GateInput{Settings: base, Approved: true}, automation.Hold, true, 0},
		{"SUGGEST_ONLY holds a pass", automation.GateInput{Settings: with(func(s *automation.Settings) { s.AutopilotLevel = automation.SuggestOnly })}, automation.Hold, false, 0},
		{"a person's own action is not held by the level", automation.GateInput{Settings: base, Human: true}, automation.Pass, true, 0},
		{"kill switch blocks", automation.GateInput{Settings: with(func(s *automation.Settings) { s.KillSwitch = true }), Human: true}, automation.Block, false, 0},
		{"kill switch yields to a manual override", automation.GateInput{Settings: with(func(s *automation.Settings) { s.KillSwitch = true }), Override: true}, automation.Block, true, 0},
		{"ADVISORY only warns", automation.GateInput{Human: true, Violation: violation, Settings: with(func(s *automation.Settings) { s.EnforcementMode = automation.Advisory })}, automation.Pass, true, 1},
		{"SOFT_BLOCK holds for confirmation", automation.GateInput{Human: true, Violation: violation, Settings: base}, automation.Hold, false, 1},
		{"HARD_BLOCK refuses", automation.GateInput{Human: true, Violation: violation, Settings: with(func(s *automation.Settings) { s.EnforcementMode = automation.HardBlock })}, automation.Block, false, 0},
		{"a rule by violation type overrides the mode", automation.GateInput{Human: true, Violation: violation, Settings: base,
			Rules: map[automation.ViolationType]automation.EnforcementMode{automation.BudgetExceeded: automation.HardBlock}}, automation.Block, false, 0},
		{"no health yet holds", automation.GateInput{Human: true, Settings: base, Score: nil, Mode: automation.Normal, Action: automation.UpdateBudget}, automation.Hold, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.Action == "" {
				in.Action, in.Score = automation.UpdateBudget, score(90)
			}
			in.Mode = automation.Normal
			got := cfg.Decide(in)
			require.Equal(t, c.want, got.Decision, "reasons %v", got.Reasons)
			require.Equal(t, c.execute, got.WouldExecute)
			require.Len(t, got.Warnings, c.warnings)
		})
	}
}
