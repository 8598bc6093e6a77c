package automation

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/signals"
)

// Decision is the trust gate's answer.
type Decision string

// Gate decisions, least restrictive first.
const (
	Pass  Decision = "PASS"  // execute
	Hold  Decision = "HOLD"  // queue for review and alert
	Block Decision = "BLOCK" // manual override only
)

func (d Decision) rank() int { return map[Decision]int{Pass: 0, Hold: 1, Block: 2}[d] }

func worst(a, b Decision) Decision {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Violation is a guardrail an action would break.
type Violation struct {
	Type    ViolationType `json:"type"`
	Message string        `json:"message"`
}

// GateInput is everything Decide looks at.
type GateInput struct {
	Action    ActionType
	Reduces   bool
	Score     *float64 // overall (or the lower of overall and platform) score; nil when never computed
	Status    signals.Status
	Mode      Mode
	Settings  Settings
	Violation []Violation
	// Rules are custom enforcement modes by violation type.
	Rules map[ViolationType]EnforcementMode
	// Human is true when a person proposes or approves the action.
	Human bool
	// Approved is true when a person approved it (satisfies HOLD).
	Approved bool
	// Override is true for a manual apply with a reason (satisfies BLOCK).
	Override bool
	// AutopilotOff is true when the tenant's autopilot feature flag is off
	// (plan, override or global setting): nothing runs without a person,
	// whatever the autopilot level says.
	AutopilotOff bool
}

// GateResult is a decision with its explanation.
type GateResult struct {
	Decision     Decision  `json:"decision"`
	WouldExecute bool      `json:"wouldExecute"`
	RiskClass    RiskClass `json:"riskClass"`
	Threshold    float64   `json:"threshold"`
	Mode         Mode      `json:"mode"`
	Reasons      []string  `json:"reasons"`
	Warnings     []string  `json:"warnings"`
}

// Decide runs the trust gate. It is pure: callers load the inputs.
func (c Config) Decide(in GateInput) GateResult {
	class, _ := RiskOf(in.Action)
	r := GateResult{Decision: Pass, RiskClass: class, Threshold: c.Thresholds[class], Mode: in.Mode, Reasons: []string{}, Warnings: []string{}}
	add := func(d Decision, format string, args ...any) {
		r.Decision = worst(r.Decision, d)
		r.Reasons = append(r.Reasons, fmt.Sprintf(format, args...))
	}
	if class == AlwaysAllowed {
		add(Pass, "%s is always allowed", in.Action.Word())
		r.WouldExecute = true
		return r
	}
	if in.Settings.KillSwitch {
		add(Block, "the kill switch is on")
	}
	switch {
	case in.Score == nil:
		add(Hold, "no signal health has been computed yet")
	case !in.Mode.Allows(class, in.Reduces):
		add(Block, "autopilot mode %q (score %.1f) does not allow %s actions", in.Mode.Word(), *in.Score, classLabel(class, in.Reduces))
	case *in.Score < r.Threshold:
		add(Hold, "signal health %.1f is below the %.0f required for %s actions", *in.Score, r.Threshold, classLabel(class, false))
	default:
		r.Reasons = append(r.Reasons, fmt.Sprintf("signal health %.1f meets the %.0f required for %s actions", *in.Score, r.Threshold, classLabel(class, false)))
	}
	for _, v := range in.Violation {
		mode := in.Settings.EnforcementMode
		if m, ok := in.Rules[v.Type]; ok {
			mode = m
		}
		switch mode {
		case Advisory:
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %s", v.Type.Word(), v.Message))
		case SoftBlock:
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %s", v.Type.Word(), v.Message))
			add(Hold, "%s needs confirmation: %s", v.Type.Word(), v.Message)
		default:
			add(Block, "%s: %s", v.Type.Word(), v.Message)
		}
	}
	if r.Decision == Pass && !in.Human && in.AutopilotOff && in.Settings.AutopilotLevel == GuardedAuto {
		add(Hold, "autopilot is off for this workspace (feature flag autopilot; its plan or an operator): waiting for approval")
	}
	if r.Decision == Pass && !in.Human {
		switch in.Settings.AutopilotLevel {
		case SuggestOnly:
			add(Hold, "autopilot level %q: suggestions are never executed automatically", SuggestOnly.Word())
		case ApprovalRequired:
			add(Hold, "autopilot level %q: waiting for approval", ApprovalRequired.Word())
		}
	}
	switch r.Decision {
	case Pass:
		r.WouldExecute = true
	case Hold:
		r.WouldExecute = in.Approved || in.Override
	case Block:
		r.WouldExecute = in.Override
	}
	if in.Override {
		r.Reasons = append(r.Reasons, "manual override")
	} else if in.Approved && r.Decision == Hold {
		r.Reasons = append(r.Reasons, "approved by a person")
	}
	return r
}

func classLabel(c RiskClass, reduces bool) string {
	s := map[RiskClass]string{HighRisk: "high-risk", Standard: "standard", Conservative: "conservative", AlwaysAllowed: "always-allowed"}[c]
	if reduces && c != Conservative {
		s += " (reducing)"
	}
	return s
}

// gateCtx is what the gate reads besides the action.
type gateCtx struct {
	// autopilotOff: the tenant's autopilot flag is off (Service.Autopilot).
	autopilotOff bool
	settings     *Settings
	rules        map[ViolationType]EnforcementRule
	health       map[string]*signals.Health
}

func (s *Service) loadGate(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (*gateCtx, error) {
	st, err := settingsTx(ctx, tx, tenant, false)
	if err != nil {
		return nil, err
	}
	g := &gateCtx{settings: st, rules: map[ViolationType]EnforcementRule{}, health: map[string]*signals.Health{}}
	if s.Autopilot != nil && st.AutopilotLevel == GuardedAuto {
		on, err := s.Autopilot(ctx, tx, tenant)
		if err != nil {
			return nil, err
		}
		g.autopilotOff = !on
	}
	var rules []EnforcementRule
	if err := tx.NewSelect().Model(&rules).Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rules {
		g.rules[r.ViolationType] = r
	}
	hs, err := signals.ListTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	for i := range hs {
		g.health[hs[i].Platform] = &hs[i]
	}
	return g, nil
}

// score is the lower of the overall and the platform's score.
func (g *gateCtx) score(platform string) (*float64, signals.Status) {
	o := g.health[signals.Overall]
	if o == nil {
		return nil, ""
	}
	sc, st := o.Score, o.Status
	if p := g.health[platform]; p != nil && platform != signals.Overall && p.Score < sc {
		sc, st = p.Score, p.Status
	}
	return &sc, st
}

// evaluation is an action's gate result and what it was based on.
type evaluation struct {
	GateResult
	score  *float64
	status signals.Status
}

// gate decides on a (not yet stored or locked) action.
func (s *Service) gate(ctx context.Context, tx bun.Tx, g *gateCtx, a *Action, human, approved, override bool) (evaluation, error) {
	score, status := g.score(a.Platform)
	viol, err := s.violations(ctx, tx, g, a)
	if err != nil {
		return evaluation{}, err
	}
	modes := map[ViolationType]EnforcementMode{}
	for vt, r := range g.rules {
		modes[vt] = r.Mode
	}
	res := s.cfg().Decide(GateInput{Action: a.Type, Reduces: reduces(a.Before, a.After), Score: score, Status: status, Mode: g.settings.AutopilotMode,
		Settings: *g.settings, Violation: viol, Rules: modes, Human: human, Approved: approved, Override: override,
		AutopilotOff: g.autopilotOff})
	return evaluation{GateResult: res, score: score, status: status}, nil
}
