package automation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// GateCause is why the gate decided on an action.
type GateCause string

// Gate causes.
const (
	// CauseProposed: a rule or a person proposed the action.
	CauseProposed GateCause = "PROPOSED"
	// CauseScoreChanged: the overall score moved the autopilot mode and the
	// waiting actions were re-gated.
	CauseScoreChanged GateCause = "SCORE_CHANGED"
	// CauseSettingsChanged: a person changed the kill switch, the autopilot
	// level or the enforcement settings and the waiting actions were re-gated.
	CauseSettingsChanged GateCause = "SETTINGS_CHANGED"
	// CauseApproval: a person approved the action.
	CauseApproval GateCause = "APPROVAL"
	// CauseExecution: the gate was re-checked as the action's execution
	// started (for an approved action, on behalf of the approver).
	CauseExecution GateCause = "EXECUTION"
	// CauseOverride: a person applied the action over the gate.
	CauseOverride GateCause = "OVERRIDE"
	// CauseDryRun: simulateAction or simulateRule; no action exists.
	CauseDryRun GateCause = "DRY_RUN"
)

// TimelineLimit bounds an action's gate timeline as GateTimelines returns
// it: the newest decisions, oldest first (GateDecisions pages through all).
const TimelineLimit = 20

// GateDecision is one trust-gate decision (dry runs included), kept in
// trust_gate_audit so a person can see why automation did or did not act.
// A decision is never changed once written: an action's decisions, oldest
// first, are its gate timeline. The API shows it as TrustAuditEntry; it is
// not an audit.Entry.
type GateDecision struct {
	bun.BaseModel `bun:"table:trust_gate_audit,alias:g"`
	TenantID      uuid.UUID          `bun:"tenant_id,pk"`
	ID            uuid.UUID          `bun:"id,pk"`
	At            time.Time          `bun:"at"`
	Decision      Decision           `bun:"decision"`
	ActionType    ActionType         `bun:"action_type"`
	RiskClass     RiskClass          `bun:"risk_class"`
	ActionID      *uuid.UUID         `bun:"action_id"`
	EntityType    string             `bun:"entity_type"`
	EntityID      string             `bun:"entity_id"`
	Platform      string             `bun:"platform"`
	Score         *float64           `bun:"score"`
	Status        string             `bun:"status"`
	Mode          Mode               `bun:"mode"`
	Thresholds    map[string]float64 `bun:"thresholds,type:jsonb"`
	Reasons       []string           `bun:"reasons,type:jsonb"`
	Warnings      []string           `bun:"warnings,type:jsonb"`
	DryRun        bool               `bun:"dry_run"`
	Actor         string             `bun:"actor"`
	// Cause is why the gate ran; "" for decisions recorded before causes
	// were kept (migration 0029).
	Cause GateCause `bun:"cause,nullzero"`
	// WouldExecute is true when the decision let the action run: PASS, a
	// HOLD a person's approval satisfied, or a manual override.
	WouldExecute bool `bun:"would_execute"`
	// ActorEmail is the e-mail address of the person Actor names, filled
	// by the reads (GateDecisions, GateDecisionsByID, GateTimelines); ""
	// for system or a deleted account.
	ActorEmail string `bun:"-"`
}

// audit appends the gate decision ev on a, made for cause on behalf of
// actor, to trust_gate_audit and returns its id.
func (s *Service) audit(ctx context.Context, tx bun.Tx, a *Action, ev evaluation, cause GateCause, actor string) (uuid.UUID, error) {
	dryRun := cause == CauseDryRun
	e := &GateDecision{TenantID: a.TenantID, ID: uuid.New(), At: s.DB.Now(ctx), Decision: ev.Decision, ActionType: a.Type, RiskClass: ev.RiskClass,
		Platform: a.Platform, Score: ev.score, Status: string(ev.status), Mode: ev.Mode, Reasons: ev.Reasons, Warnings: ev.Warnings,
		DryRun: dryRun, Actor: actor, Thresholds: map[string]float64{"required": ev.Threshold}, Cause: cause, WouldExecute: ev.WouldExecute}
	if !dryRun {
		e.ActionID = &a.ID
	}
	if a.CampaignID != nil {
		e.EntityType, e.EntityID = "campaign", a.CampaignID.String()
	} else {
		e.EntityType, e.EntityID = "account", a.Platform
	}
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		return uuid.Nil, fmt.Errorf("audit gate decision: %w", err)
	}
	return e.ID, nil
}

// GateDecisionFilter selects gate decisions; nil means any.
type GateDecisionFilter struct {
	Decision *Decision
	ActionID *uuid.UUID
	// CampaignID keeps decisions on that campaign (entity type campaign).
	CampaignID *uuid.UUID
	DryRun     *bool
	Since      *time.Time
}

// GateDecisions pages tenant's gate decisions, newest first (the trust audit log).
func (s *Service) GateDecisions(ctx context.Context, tenant uuid.UUID, f GateDecisionFilter, args relay.Args) (page *relay.Page[GateDecision], err error) {
	defer derrors.Wrap(&err, "automation.Service.GateDecisions(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*GateDecision)(nil))
		if f.Decision != nil {
			q = q.Where("g.decision = ?", *f.Decision)
		}
		if f.ActionID != nil {
			q = q.Where("g.action_id = ?", *f.ActionID)
		}
		if f.CampaignID != nil {
			q = q.Where("g.entity_type = 'campaign' AND g.entity_id = ?", f.CampaignID.String())
		}
		if f.DryRun != nil {
			q = q.Where("g.dry_run = ?", *f.DryRun)
		}
		if f.Since != nil {
			q = q.Where("g.at >= ?", *f.Since)
		}
		page, err = relay.Paginate(ctx, q, args, "g.at", "g.id",
			func(e *GateDecision) relay.Cursor { return relay.Cursor{At: e.At, ID: e.ID} })
		if err != nil {
			return err
		}
		return withActorEmails(ctx, tx, page.Items)
	})
	return page, err
}

// GateTimelines returns the gate timelines of tenant's actions ids, by
// action id: each action's newest TimelineLimit decisions, oldest first
// (an action without decisions is absent).
func (s *Service) GateTimelines(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (_ map[uuid.UUID][]GateDecision, err error) {
	defer derrors.Wrap(&err, "automation.Service.GateTimelines(%v)", tenant)
	out := make(map[uuid.UUID][]GateDecision, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var es []GateDecision
		newest := tx.NewSelect().Model((*GateDecision)(nil)).ColumnExpr("g.*").
			ColumnExpr("row_number() OVER (PARTITION BY g.action_id ORDER BY g.at DESC, g.id DESC) AS rank").
			Where("g.action_id IN (?) AND NOT g.dry_run", bun.List(ids))
		if err := tx.NewSelect().Model(&es).ModelTableExpr("(?) AS g", newest).Where("g.rank <= ?", TimelineLimit).
			OrderExpr("g.at, g.id").Scan(ctx); err != nil {
			return fmt.Errorf("load gate timelines: %w", err)
		}
		if err := withActorEmails(ctx, tx, es); err != nil {
			return err
		}
		for _, e := range es {
			out[*e.ActionID] = append(out[*e.ActionID], e)
		}
		return nil
	})
	return out, err
}

// withActorEmails fills the ActorEmail of the decisions made by a person.
// The ids come from the tenant's own rows (see auth.UserFactsTx).
func withActorEmails(ctx context.Context, tx bun.Tx, es []GateDecision) error {
	var ids []uuid.UUID
	for _, e := range es {
		if id, ok := userOf(e.Actor); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	facts, err := auth.UserFactsTx(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i := range es {
		if id, ok := userOf(es[i].Actor); ok {
			es[i].ActorEmail = facts[id].Email
		}
	}
	return nil
}

// userOf is the user id of an actor "user:<id>".
func userOf(actor string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(actor, "user:")
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}
