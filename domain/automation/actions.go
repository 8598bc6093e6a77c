package automation

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/relay"
)

// TopicActionStatusUpdated is published when an action is queued or its
// status or gate decision changes (envelope ID: the action id).
const TopicActionStatusUpdated = "automation.action_status_updated"

// ActionStatus is an action's place in the queue.
type ActionStatus string

// Action statuses.
const (
	Queued    ActionStatus = "QUEUED"    // waiting: for execution (PASS) or review (HOLD)
	Approved  ActionStatus = "APPROVED"  // a person approved; waiting for execution
	Applied   ActionStatus = "APPLIED"   // executed on the platform
	Failed    ActionStatus = "FAILED"    // the platform refused or errored
	Dismissed ActionStatus = "DISMISSED" // a person dismissed it
	Blocked   ActionStatus = "BLOCKED"   // the gate refused; manual override only
)

// ActionParams parameterise an action. Percent applies to increase/reduce
// actions (default 20), Amount sets an absolute budget or bid, Status is
// ACTIVE or PAUSED for update_status.
type ActionParams struct {
	Percent *float64 `json:"percent,omitempty"`
	Amount  *float64 `json:"amount,omitempty"`
	Status  *string  `json:"status,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// Action is one entry of the action queue.
type Action struct {
	bun.BaseModel  `bun:"table:automation_actions,alias:a"`
	TenantID       uuid.UUID      `bun:"tenant_id,pk"`
	ID             uuid.UUID      `bun:"id,pk"`
	RuleID         *uuid.UUID     `bun:"rule_id"`
	RuleName       string         `bun:"rule_name"`
	CampaignID     *uuid.UUID     `bun:"campaign_id"`
	Platform       string         `bun:"platform"`
	Type           ActionType     `bun:"action_type"`
	RiskClass      RiskClass      `bun:"risk_class"`
	Params         ActionParams   `bun:"params,type:jsonb"`
	Before         map[string]any `bun:"before_value,type:jsonb"`
	After          map[string]any `bun:"after_value,type:jsonb"`
	Status         ActionStatus   `bun:"status"`
	Decision       Decision       `bun:"decision"`
	Reasons        []string       `bun:"reasons,type:jsonb"`
	Warnings       []string       `bun:"warnings,type:jsonb"`
	Score          *float64       `bun:"score"`
	DedupeKey      *string        `bun:"dedupe_key"`
	CreatedBy      string         `bun:"created_by"`
	ApprovedBy     *string        `bun:"approved_by"`
	ApprovedAt     *time.Time     `bun:"approved_at"`
	AppliedBy      *string        `bun:"applied_by"`
	AppliedAt      *time.Time     `bun:"applied_at"`
	OverrideReason *string        `bun:"override_reason"`
	DismissedBy    *string        `bun:"dismissed_by"`
	Error          *string        `bun:"error"`
	Attempts       int            `bun:"attempts"`
	CreatedAt      time.Time      `bun:"created_at"`
	UpdatedAt      time.Time      `bun:"updated_at"`

	// Execution is set while the action's execution is in flight (see
	// Execute); it is internal, not part of the API.
	Execution *Execution `bun:"execution,type:jsonb"`
}

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
	before := platforms.Settings{Status: c.Status, DailyBudget: c.DailyBudget, Bid: c.Bid}
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
	case LaunchCampaign:
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

// gateCtx is what the gate reads besides the action.
type gateCtx struct {
	settings *Settings
	rules    map[ViolationType]EnforcementRule
	health   map[string]*signals.Health
}

func (s *Service) loadGate(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (*gateCtx, error) {
	st, err := settingsTx(ctx, tx, tenant, false)
	if err != nil {
		return nil, err
	}
	g := &gateCtx{settings: st, rules: map[ViolationType]EnforcementRule{}, health: map[string]*signals.Health{}}
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
		Settings: *g.settings, Violation: viol, Rules: modes, Human: human, Approved: approved, Override: override})
	return evaluation{GateResult: res, score: score, status: status}, nil
}

func (s *Service) publishAction(ctx context.Context, tx bun.Tx, a *Action) error {
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: a.TenantID, Topic: TopicActionStatusUpdated, ID: a.ID.String()})
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

// build plans p into an unsaved action.
func (s *Service) build(ctx context.Context, tx bun.Tx, tenant uuid.UUID, p proposal) (*Action, platforms.Change, error) {
	now := s.now()
	class, ok := RiskOf(p.Type)
	if !ok {
		return nil, platforms.Change{}, apperr.Invalid([]string{"input", "type"}, "unknown action type %q", p.Type)
	}
	a := &Action{TenantID: tenant, ID: uuid.New(), RuleID: p.RuleID, RuleName: p.RuleName, Platform: p.Platform, Type: p.Type, RiskClass: class,
		Params: p.Params, DedupeKey: p.DedupeKey, CreatedBy: p.Actor, CreatedAt: now, UpdatedAt: now, Reasons: []string{}, Warnings: []string{}}
	var ch platforms.Change
	switch {
	case p.Campaign != nil:
		a.CampaignID, a.Platform = &p.Campaign.ID, p.Campaign.Platform
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

// proposeTx gates and queues a proposal. With a dedupe key already used it
// returns (nil, nil): the proposal was queued before.
func (s *Service) proposeTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, g *gateCtx, p proposal) (*Action, error) {
	a, _, err := s.build(ctx, tx, tenant, p)
	if err != nil {
		return nil, err
	}
	ev, err := s.gate(ctx, tx, g, a, p.Human, false, false)
	if err != nil {
		return nil, err
	}
	s.setDecision(a, ev)
	if p.Reason != "" {
		a.Reasons = append([]string{p.Reason}, a.Reasons...)
	}
	res, err := tx.NewInsert().Model(a).On("CONFLICT (tenant_id, dedupe_key) DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue action: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	if err := s.audit(ctx, tx, a, ev, false, p.Actor); err != nil {
		return nil, err
	}
	if err := s.publishAction(ctx, tx, a); err != nil {
		return nil, err
	}
	return a, s.executable(ctx, tx, a, ev)
}

func (s *Service) setDecision(a *Action, ev evaluation) {
	a.Decision, a.Reasons, a.Warnings, a.Score = ev.Decision, ev.Reasons, ev.Warnings, ev.score
	switch {
	case ev.Decision == Block:
		a.Status = Blocked
	case a.Status == Approved:
	default:
		a.Status = Queued
	}
}

func (s *Service) executable(ctx context.Context, tx bun.Tx, a *Action, ev evaluation) error {
	if !ev.WouldExecute || (a.Status != Queued && a.Status != Approved) || s.OnExecutable == nil {
		return nil
	}
	return s.OnExecutable(ctx, tx, a.TenantID, a.ID)
}

// ActionInput is a manually queued action.
type ActionInput struct {
	Type       ActionType
	CampaignID *uuid.UUID
	// Platform scopes pause_all / emergency_stop ("" for all platforms).
	Platform string
	Params   ActionParams
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

// QueueAction queues an action proposed by actor (a person). It passes the
// gate like any other: PASS executes, HOLD waits for review, BLOCK blocks.
func (s *Service) QueueAction(ctx context.Context, tenant uuid.UUID, in ActionInput, actor string) (a *Action, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		p, err := s.proposalFor(ctx, tx, in, actor)
		if err != nil {
			return err
		}
		g, err := s.loadGate(ctx, tx, tenant)
		if err != nil {
			return err
		}
		if a, err = s.proposeTx(ctx, tx, tenant, g, p); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "action.queue", relay.TypeAction, a.ID, map[string]any{"type": a.Type, "decision": a.Decision})
	})
	return a, err
}

// lockAction loads and locks an action.
func lockAction(ctx context.Context, tx bun.Tx, id uuid.UUID) (*Action, error) {
	a := new(Action)
	if err := tx.NewSelect().Model(a).Where("a.id = ?", id).For("NO KEY UPDATE").Scan(ctx); err != nil {
		return nil, db.NotFound(err, "action not found")
	}
	return a, nil
}

func (s *Service) save(ctx context.Context, tx bun.Tx, a *Action) error {
	a.UpdatedAt = s.now()
	if _, err := tx.NewUpdate().Model(a).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("update action: %w", err)
	}
	return s.publishAction(ctx, tx, a)
}

// Approve approves a queued action as actor. The gate runs again: a HOLD is
// satisfied by the approval, a BLOCK is not (the action becomes BLOCKED and
// Approve returns CONFLICT; applyAction with a reason overrides it).
func (s *Service) Approve(ctx context.Context, tenant, id uuid.UUID, actor string) (*Action, error) {
	var a *Action
	var blocked error
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) (err error) {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		if a.Status != Queued {
			return apperr.Conflictf("only QUEUED actions can be approved (this one is %s)", a.Status)
		}
		if a.Execution != nil {
			return errInFlight
		}
		g, err := s.loadGate(ctx, tx, tenant)
		if err != nil {
			return err
		}
		ev, err := s.gate(ctx, tx, g, a, true, true, false)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, ev, false, actor); err != nil {
			return err
		}
		now := s.now()
		s.setDecision(a, ev)
		if a.Status == Blocked {
			blocked = apperr.Conflictf("the trust gate blocks this action: %s", strings.Join(ev.Reasons, "; "))
		} else {
			a.Status, a.ApprovedBy, a.ApprovedAt = Approved, &actor, &now
		}
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		if err := record(ctx, tx, tenant, "action.approve", relay.TypeAction, a.ID, map[string]any{"decision": a.Decision, "status": a.Status}); err != nil {
			return err
		}
		return s.executable(ctx, tx, a, ev)
	})
	if err != nil {
		return nil, err
	}
	return a, blocked
}

// Dismiss dismisses a pending, blocked or failed action as actor.
func (s *Service) Dismiss(ctx context.Context, tenant, id uuid.UUID, actor string) (a *Action, err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if a, err = lockAction(ctx, tx, id); err != nil {
			return err
		}
		switch a.Status {
		case Queued, Approved, Blocked, Failed:
		default:
			return apperr.Conflictf("a %s action cannot be dismissed", a.Status)
		}
		if a.Execution != nil {
			return errInFlight
		}
		a.Status, a.DismissedBy = Dismissed, &actor
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		return record(ctx, tx, tenant, "action.dismiss", relay.TypeAction, a.ID, nil)
	})
	return a, err
}

// regate re-runs the gate on pending actions after the mode, level or kill
// switch changed: QUEUED and APPROVED actions, and actions BLOCKED by the
// gate in the last 24 h (not those a person dealt with). Actions whose
// execution is in flight are past the gate and left alone.
func (s *Service) regate(ctx context.Context, tx bun.Tx, tenant uuid.UUID, st *Settings, actor string) error {
	var pending []Action
	if err := tx.NewSelect().Model(&pending).
		Where("a.status IN (?) OR (a.status = ? AND a.created_at > ? AND a.override_reason IS NULL)", bun.List([]ActionStatus{Queued, Approved}), Blocked, s.now().Add(-24*time.Hour)).
		Where("a.execution IS NULL").
		OrderExpr("a.created_at").For("NO KEY UPDATE").Scan(ctx); err != nil {
		return fmt.Errorf("load pending actions: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	g, err := s.loadGate(ctx, tx, tenant)
	if err != nil {
		return err
	}
	g.settings = st
	for i := range pending {
		a := &pending[i]
		ev, err := s.gate(ctx, tx, g, a, a.CreatedBy != System, a.Status == Approved, false)
		if err != nil {
			return err
		}
		prevStatus, prevDecision := a.Status, a.Decision
		if a.Status == Blocked && ev.Decision != Block {
			a.Status = Queued
		}
		s.setDecision(a, ev)
		if a.Status == prevStatus && a.Decision == prevDecision {
			continue
		}
		if err := s.audit(ctx, tx, a, ev, false, actor); err != nil {
			return err
		}
		if err := s.save(ctx, tx, a); err != nil {
			return err
		}
		if err := s.executable(ctx, tx, a, ev); err != nil {
			return err
		}
	}
	return nil
}

// ActionFilter selects actions; empty means any.
type ActionFilter struct {
	Statuses   []ActionStatus
	RuleID     *uuid.UUID
	CampaignID *uuid.UUID
}

// Actions pages tenant's actions, newest first.
func (s *Service) Actions(ctx context.Context, tenant uuid.UUID, f ActionFilter, args relay.Args) (page *relay.Page[Action], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Action)(nil))
		if len(f.Statuses) > 0 {
			q = q.Where("a.status IN (?)", bun.List(f.Statuses))
		}
		if f.RuleID != nil {
			q = q.Where("a.rule_id = ?", *f.RuleID)
		}
		if f.CampaignID != nil {
			q = q.Where("a.campaign_id = ?", *f.CampaignID)
		}
		page, err = relay.Paginate(ctx, q, args, "a.created_at", "a.id",
			func(a *Action) relay.Cursor { return relay.Cursor{At: a.CreatedAt, ID: a.ID} })
		return err
	})
	return page, err
}

// Action returns one action or NOT_FOUND.
func (s *Service) Action(ctx context.Context, tenant, id uuid.UUID) (*Action, error) {
	return db.ByID[Action](ctx, s.DB, tenant, id, "action not found")
}
