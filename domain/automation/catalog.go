package automation

import (
	"github.com/stratumhq/stratum/domain/signals"
)

// ActionType is an action from the catalogue.
type ActionType string

// The action catalogue.
const (
	IncreaseBudget       ActionType = "increase_budget"
	IncreaseBid          ActionType = "increase_bid"
	LaunchCampaign       ActionType = "launch_campaign"
	ExpandTargeting      ActionType = "expand_targeting"
	UpdateBudget         ActionType = "update_budget"
	UpdateBid            ActionType = "update_bid"
	UpdateStatus         ActionType = "update_status"
	PauseUnderperforming ActionType = "pause_underperforming"
	ReduceBudget         ActionType = "reduce_budget"
	ReduceBid            ActionType = "reduce_bid"
	PauseAll             ActionType = "pause_all"
	EmergencyStop        ActionType = "emergency_stop"
	// ResumePaused re-activates a campaign a dayparting rule paused (and
	// only such a campaign; see daypart.go).
	ResumePaused ActionType = "resume_paused"
)

// RiskClass groups actions by how much harm a wrong one does.
type RiskClass string

// Risk classes.
const (
	HighRisk      RiskClass = "HIGH_RISK"
	Standard      RiskClass = "STANDARD"
	Conservative  RiskClass = "CONSERVATIVE"
	AlwaysAllowed RiskClass = "ALWAYS_ALLOWED"
)

var riskOf = map[ActionType]RiskClass{
	IncreaseBudget: HighRisk, IncreaseBid: HighRisk, LaunchCampaign: HighRisk, ExpandTargeting: HighRisk,
	UpdateBudget: Standard, UpdateBid: Standard, UpdateStatus: Standard, ResumePaused: Standard,
	PauseUnderperforming: Conservative, ReduceBudget: Conservative, ReduceBid: Conservative,
	PauseAll: AlwaysAllowed, EmergencyStop: AlwaysAllowed,
}

// RiskOf returns t's risk class and whether t is in the catalogue.
func RiskOf(t ActionType) (RiskClass, bool) {
	c, ok := riskOf[t]
	return c, ok
}

// Thresholds are the minimum scores per risk class.
type Thresholds map[RiskClass]float64

// Mode is the autopilot mode derived from the overall signal-health score.
type Mode string

// Autopilot modes, best first.
const (
	Normal   Mode = "NORMAL"    // everything may run (class thresholds apply)
	Limited  Mode = "LIMITED"   // conservative actions and reductions only
	CutsOnly Mode = "CUTS_ONLY" // pauses and reductions only
	Frozen   Mode = "FROZEN"    // only pause_all and emergency_stop
)

func (m Mode) rank() int { return map[Mode]int{Normal: 0, Limited: 1, CutsOnly: 2, Frozen: 3}[m] }

// Worse reports whether m is more restrictive than n.
func (m Mode) Worse(n Mode) bool { return m.rank() > n.rank() }

// Level is the tenant's chosen autopilot level.
type Level string

// Autopilot levels.
const (
	SuggestOnly      Level = "SUGGEST_ONLY"      // never executes on its own; everything is a suggestion
	GuardedAuto      Level = "GUARDED_AUTO"      // executes what the gate passes
	ApprovalRequired Level = "APPROVAL_REQUIRED" // executes after a person approves
)

// EnforcementMode says what a guardrail violation does.
type EnforcementMode string

// Enforcement modes.
const (
	Advisory  EnforcementMode = "ADVISORY"   // warn only
	SoftBlock EnforcementMode = "SOFT_BLOCK" // warn and require confirmation (HOLD)
	HardBlock EnforcementMode = "HARD_BLOCK" // refuse (BLOCK)
)

// ViolationType names a guardrail.
type ViolationType string

// Guardrails.
const (
	BudgetExceeded        ViolationType = "BUDGET_EXCEEDED"
	ROASBelowThreshold    ViolationType = "ROAS_BELOW_THRESHOLD"
	DailySpendLimit       ViolationType = "DAILY_SPEND_LIMIT"
	CampaignPauseRequired ViolationType = "CAMPAIGN_PAUSE_REQUIRED"
	FrequencyCapExceeded  ViolationType = "FREQUENCY_CAP_EXCEEDED"
)

// Config holds the gate's thresholds.
type Config struct {
	// Thresholds per risk class (defaults: high-risk 80, standard 70, conservative 60, always-allowed 0).
	Thresholds Thresholds
	// ModeAt are the lower bounds of NORMAL, LIMITED and CUTS_ONLY (defaults 70, 60, 40; below is FROZEN).
	NormalAt, LimitedAt, CutsOnlyAt float64
	// ModeHysteresis is the margin the score must cross a mode bound by (default 2, as signal status).
	ModeHysteresis float64
}

// DefaultConfig returns the published thresholds.
func DefaultConfig() Config {
	return Config{
		Thresholds: Thresholds{HighRisk: 80, Standard: 70, Conservative: 60, AlwaysAllowed: 0},
		NormalAt:   70, LimitedAt: 60, CutsOnlyAt: 40, ModeHysteresis: 2,
	}
}

// RawMode is the mode for score without hysteresis.
func (c Config) RawMode(score float64) Mode {
	switch {
	case score >= c.NormalAt:
		return Normal
	case score >= c.LimitedAt:
		return Limited
	case score >= c.CutsOnlyAt:
		return CutsOnly
	}
	return Frozen
}

// ModeFor is the mode for score given the previous mode prev ("" when
// none), with the same hysteresis rule as signal status.
func (c Config) ModeFor(score float64, prev Mode) Mode {
	return signals.Band(score, prev, c.ModeHysteresis, c.RawMode)
}

// Allows reports whether mode m lets an action of class run at all (it may
// still be held by the class threshold). reduces is true for changes that
// lower spend or exposure (pauses, budget or bid decreases).
func (m Mode) Allows(class RiskClass, reduces bool) bool {
	switch {
	case class == AlwaysAllowed || m == Normal:
		return true
	case m == Frozen:
		return false
	case m == Limited:
		return class == Conservative || reduces
	}
	return reduces // CUTS_ONLY
}
