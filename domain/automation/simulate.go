package automation

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Simulation is a dry run of one action through the full pipeline.
type Simulation struct {
	Type         ActionType
	CampaignID   *uuid.UUID
	CampaignName string
	Platform     string
	WouldExecute bool
	Decision     Decision
	RiskClass    RiskClass
	Threshold    float64
	Score        *float64
	Status       string
	Mode         Mode
	Before       map[string]any
	After        map[string]any
	Reasons      []string
	Warnings     []string
}

func (s *Service) simulateTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, g *gateCtx, p proposal) (*Simulation, error) {
	a, _, err := s.build(ctx, tx, tenant, p)
	if err != nil {
		return nil, err
	}
	ev, err := s.gate(ctx, tx, g, a, p.Human, false, false)
	if err != nil {
		return nil, err
	}
	if p.Reason != "" {
		ev.Reasons = append([]string{p.Reason}, ev.Reasons...)
	}
	if _, err := s.audit(ctx, tx, a, ev, CauseDryRun, p.Actor); err != nil {
		return nil, err
	}
	sim := &Simulation{Type: a.Type, CampaignID: a.CampaignID, Platform: a.Platform, WouldExecute: ev.WouldExecute, Decision: ev.Decision,
		RiskClass: ev.RiskClass, Threshold: ev.Threshold, Score: ev.score, Status: string(ev.status), Mode: ev.Mode,
		Before: a.Before, After: a.After, Reasons: ev.Reasons, Warnings: ev.Warnings}
	if p.Campaign != nil {
		sim.CampaignName = p.Campaign.Name
	}
	return sim, nil
}

// SimulateAction runs in through the gate without executing it (what-if)
// and records a dry-run audit row. Nothing else is written.
func (s *Service) SimulateAction(ctx context.Context, tenant uuid.UUID, in ActionInput, actor string) (sim *Simulation, err error) {
	defer derrors.Wrap(&err, "automation.Service.SimulateAction(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, g, err := s.personProposal(ctx, tx, tenant, in, actor)
		if err != nil {
			return err
		}
		if sim, err = s.simulateTx(ctx, tx, tenant, g, p); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "action.simulate", "", uuid.Nil, map[string]any{"type": sim.Type, "decision": sim.Decision})
	})
	return sim, err
}

// MaxDryRunCampaigns bounds the campaigns a rule's dry run explains; the
// others are counted (RuleSimulation.CampaignsNotShown).
const MaxDryRunCampaigns = 50

// RuleSimulation is a dry run of a rule over the tenant's campaigns.
type RuleSimulation struct {
	// CampaignsEvaluated counts campaigns in the rule's scope.
	CampaignsEvaluated int
	// Actions are the proposals the rule would make now, each through the gate
	// as an automatic action. Cooldown is reported as a warning, not applied.
	Actions []Simulation
	// Campaigns explain the rule's result per campaign in scope: those with a
	// proposal first, then those evaluated, then those not looked at (paused),
	// at most MaxDryRunCampaigns.
	Campaigns []CampaignSimulation
	// CampaignsNotShown counts campaigns in scope beyond Campaigns.
	CampaignsNotShown int
}

// CampaignSimulation is what a rule read and would do for one campaign.
type CampaignSimulation struct {
	CampaignEvaluation
	// Proposals are the campaign's entries of RuleSimulation.Actions.
	Proposals []Simulation
}

// SimulateRule evaluates a rule without queueing anything: an existing rule
// (ruleID) or a draft (in, validated like CreateRule). Each proposal writes
// a dry-run audit row.
func (s *Service) SimulateRule(ctx context.Context, tenant uuid.UUID, ruleID *uuid.UUID, in *RuleInput, actor string) (out *RuleSimulation, err error) {
	defer derrors.Wrap(&err, "automation.Service.SimulateRule(%v)", tenant)
	var r *Rule
	switch {
	case ruleID != nil:
		if r, err = s.Rule(ctx, tenant, *ruleID); err != nil {
			return nil, err
		}
	case in != nil:
		if r, err = s.newRule(tenant, *in); err != nil {
			return nil, err
		}
	default:
		return nil, apperr.Invalid([]string{"input"}, "give a rule id or a rule")
	}
	out = &RuleSimulation{Actions: []Simulation{}, Campaigns: []CampaignSimulation{}}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		data, cs, err := loadCampaignData(ctx, tx, now)
		if err != nil {
			return err
		}
		g, err := s.loadGate(ctx, tx, tenant)
		if err != nil {
			return err
		}
		for j := range cs {
			if !inScope(r.Scope, &cs[j]) {
				continue
			}
			out.CampaignsEvaluated++
			ev := r.evaluate(*data[cs[j].ID])
			report := CampaignSimulation{CampaignEvaluation: *ev, Proposals: []Simulation{}}
			for _, cand := range ev.candidates {
				sim, err := s.simulateTx(ctx, tx, tenant, g, proposal{RuleID: &r.ID, RuleName: r.Name, Campaign: &cs[j], Type: cand.Type,
					Params: cand.Params, Actor: actor, Reason: cand.Reason})
				if err != nil {
					return err
				}
				if cooling, err := s.cooling(ctx, tx, r, cs[j].ID, cand.Type, now); err != nil {
					return err
				} else if cooling {
					sim.WouldExecute = false
					sim.Warnings = append(sim.Warnings, fmt.Sprintf("in cooldown: the rule proposed this within the last %d s", r.CooldownSeconds))
				}
				out.Actions = append(out.Actions, *sim)
				report.Proposals = append(report.Proposals, *sim)
			}
			out.Campaigns = append(out.Campaigns, report)
		}
		out.Campaigns, out.CampaignsNotShown = firstCampaigns(out.Campaigns, MaxDryRunCampaigns)
		typ, target := "", uuid.Nil // a draft has no row to point at
		if ruleID != nil {
			typ, target = relay.TypeAutomationRule, r.ID
		}
		return record(ctx, tx, tenant, "automation_rule.simulate", typ, target, map[string]any{"name": r.Name, "proposals": len(out.Actions)})
	})
	return out, err
}

// firstCampaigns orders a dry run's campaigns (proposals first, then
// evaluated, then not looked at; otherwise as listed) and keeps the first n.
func firstCampaigns(cs []CampaignSimulation, n int) ([]CampaignSimulation, int) {
	rank := func(c *CampaignSimulation) int {
		switch {
		case c.Proposes():
			return 0
		case c.Evaluated:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(cs, func(a, b CampaignSimulation) int { return rank(&a) - rank(&b) })
	if len(cs) <= n {
		return cs, 0
	}
	return cs[:n], len(cs) - n
}
