// Planning: a proposal (from a rule or a person's ActionInput) becomes an
// unsaved Action with the campaign settings before and after.

package automation

import (
	"context"
	"math"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
)

func settingsMap(st platforms.Settings) map[string]any {
	m := map[string]any{"status": st.Status, "dailyBudget": st.DailyBudget}
	if st.Bid != nil {
		m["bid"] = *st.Bid
	}
	return m
}

func num(m map[string]any, k string) (float64, bool) {
	v, ok := m[k].(float64)
	return v, ok
}

// reduces reports whether a planned change lowers spend or exposure.
func reduces(before, after map[string]any) bool {
	if after == nil {
		return false
	}
	if after["status"] == platforms.CampaignPaused && before["status"] != platforms.CampaignPaused {
		return true
	}
	if a, ok := num(after, "activeCampaigns"); ok {
		b, _ := num(before, "activeCampaigns")
		return a < b
	}
	b1, ok1 := num(before, "dailyBudget")
	a1, ok2 := num(after, "dailyBudget")
	b2, ok3 := num(before, "bid")
	a2, ok4 := num(after, "bid")
	budgetDown := ok1 && ok2 && a1 < b1
	bidDown := ok3 && ok4 && a2 < b2
	budgetUp := ok1 && ok2 && a1 > b1
	bidUp := ok3 && ok4 && a2 > b2
	return (budgetDown || bidDown) && !budgetUp && !bidUp
}

// plan turns an action on campaign c into a connector change and the
// settings before and after.
func plan(t ActionType, p ActionParams, c *platforms.Campaign) (platforms.Change, platforms.Settings, platforms.Settings, error) {
	before := c.Settings()
	after := before
	ch := platforms.Change{CampaignID: c.ID, Note: p.Note}
	field := func(name string) []string { return []string{"input", "params", name} }
	pct := 20.0
	if p.Percent != nil {
		if *p.Percent <= 0 || *p.Percent > 1000 {
			return ch, before, after, apperr.Invalid(field("percent"), "percent must be in (0, 1000]")
		}
		pct = *p.Percent
	}
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	budget := func(up bool, absolute bool) error {
		switch {
		case p.Amount != nil:
			if *p.Amount < 0 {
				return apperr.Invalid(field("amount"), "amount must not be negative")
			}
			after.DailyBudget = round(*p.Amount)
		case absolute:
			return apperr.Invalid(field("amount"), "amount is required for %s", t)
		case up:
			after.DailyBudget = round(before.DailyBudget * (1 + pct/100))
		default:
			after.DailyBudget = round(before.DailyBudget * math.Max(0, 1-pct/100))
		}
		ch.DailyBudget = &after.DailyBudget
		return nil
	}
	bid := func(up bool, absolute bool) error {
		if before.Bid == nil && p.Amount == nil {
			return apperr.Invalid(field("amount"), "campaign %q has no manual bid; give an amount", c.Name)
		}
		var v float64
		switch {
		case p.Amount != nil:
			v = *p.Amount
		case absolute:
			return apperr.Invalid(field("amount"), "amount is required for %s", t)
		case up:
			v = *before.Bid * (1 + pct/100)
		default:
			v = *before.Bid * math.Max(0, 1-pct/100)
		}
		v = round(v)
		after.Bid, ch.Bid = &v, &v
		return nil
	}
	status := func(s string) {
		after.Status = s
		ch.Status = &after.Status
	}
	var err error
	switch t {
	case IncreaseBudget:
		err = budget(true, false)
	case ReduceBudget:
		err = budget(false, false)
	case UpdateBudget:
		err = budget(false, true)
	case IncreaseBid:
		err = bid(true, false)
	case ReduceBid:
		err = bid(false, false)
	case UpdateBid:
		err = bid(false, true)
	case PauseUnderperforming:
		status(platforms.CampaignPaused)
	case LaunchCampaign, ResumePaused:
		status(platforms.CampaignActive)
	case UpdateStatus:
		if p.Status == nil || (*p.Status != platforms.CampaignActive && *p.Status != platforms.CampaignPaused) {
			return ch, before, after, apperr.Invalid(field("status"), "status must be ACTIVE or PAUSED")
		}
		status(*p.Status)
	case ExpandTargeting:
		if ch.Note == "" {
			ch.Note = "expand targeting"
		}
	default:
		return ch, before, after, apperr.Invalid([]string{"input", "type"}, "unknown action type %q", t)
	}
	return ch, before, after, err
}

// proposal is an action to queue.
type proposal struct {
	RuleID    *uuid.UUID
	RuleName  string
	Campaign  *platforms.Campaign
	Platform  string
	Type      ActionType
	Params    ActionParams
	DedupeKey *string
	Actor     string
	Human     bool
	// Reason explains why the rule proposed it (first of the reasons).
	Reason string
}

// source is p as one of an action's sources.
func (p proposal) source(at time.Time) ActionSource {
	return ActionSource{RuleID: p.RuleID, RuleName: p.RuleName, Actor: p.Actor, Reason: p.Reason, At: at}
}

// build plans p into an unsaved action.
func (s *Service) build(ctx context.Context, tx bun.Tx, tenant uuid.UUID, p proposal) (*Action, platforms.Change, error) {
	now := s.DB.Now(ctx)
	class, ok := RiskOf(p.Type)
	if !ok {
		return nil, platforms.Change{}, apperr.Invalid([]string{"input", "type"}, "unknown action type %q", p.Type)
	}
	a := &Action{TenantID: tenant, ID: uuid.New(), RuleID: p.RuleID, RuleName: p.RuleName, Platform: p.Platform, Type: p.Type, RiskClass: class,
		Params: p.Params, DedupeKey: p.DedupeKey, CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now, Reasons: []string{}, Warnings: []string{},
		Sources: []ActionSource{p.source(now)}}
	var ch platforms.Change
	switch {
	case p.Campaign != nil:
		kind := kindOf(p.Type)
		a.CampaignID, a.Platform, a.ChangeKind = &p.Campaign.ID, p.Campaign.Platform, &kind
		var before, after platforms.Settings
		var err error
		if ch, before, after, err = plan(p.Type, p.Params, p.Campaign); err != nil {
			return nil, ch, err
		}
		a.Before, a.After = settingsMap(before), settingsMap(after)
	case p.Type == PauseAll || p.Type == EmergencyStop:
		f := platforms.CampaignFilter{}
		if p.Platform != "" {
			f.Platforms = []string{p.Platform}
		}
		cs, err := platforms.CampaignsTx(ctx, tx, f)
		if err != nil {
			return nil, ch, err
		}
		active := 0
		for _, c := range cs {
			if c.Status == platforms.CampaignActive {
				active++
			}
		}
		a.Before, a.After = map[string]any{"activeCampaigns": float64(active)}, map[string]any{"activeCampaigns": float64(0)}
	default:
		return nil, ch, apperr.Invalid([]string{"input", "campaignId"}, "%s needs a campaign", p.Type)
	}
	return a, ch, nil
}

// personProposal turns a person's input into a proposal and loads the
// tenant's gate for it (queueing and the what-if dry run share it).
func (s *Service) personProposal(ctx context.Context, tx bun.Tx, tenant uuid.UUID, in ActionInput, actor string) (proposal, *gateCtx, error) {
	p, err := s.proposalFor(ctx, tx, in, actor)
	if err != nil {
		return p, nil, err
	}
	g, err := s.loadGate(ctx, tx, tenant)
	return p, g, err
}

func (s *Service) proposalFor(ctx context.Context, tx bun.Tx, in ActionInput, actor string) (proposal, error) {
	p := proposal{Type: in.Type, Params: in.Params, Platform: in.Platform, Actor: actor, Human: true}
	if err := in.Params.validate([]string{"input", "params"}); err != nil {
		return p, err
	}
	if in.Platform != "" && !platforms.Valid(in.Platform) {
		return p, apperr.Invalid([]string{"input", "platform"}, "unknown platform %q", in.Platform)
	}
	if in.CampaignID != nil {
		cs, err := platforms.CampaignsTx(ctx, tx, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{*in.CampaignID}})
		if err != nil {
			return p, err
		}
		if len(cs) == 0 {
			return p, apperr.Invalid([]string{"input", "campaignId"}, "campaign not found")
		}
		p.Campaign = &cs[0]
	}
	return p, nil
}
