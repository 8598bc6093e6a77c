package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// GateDecision is one trust-gate decision (dry runs included), kept in
// trust_gate_audit so a person can see why automation did or did not act.
// The API shows it as TrustAuditEntry; it is not an audit.Entry.
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
}

func (s *Service) audit(ctx context.Context, tx bun.Tx, a *Action, ev evaluation, dryRun bool, actor string) error {
	e := &GateDecision{TenantID: a.TenantID, ID: uuid.New(), At: s.DB.Now(ctx), Decision: ev.Decision, ActionType: a.Type, RiskClass: ev.RiskClass,
		Platform: a.Platform, Score: ev.score, Status: string(ev.status), Mode: ev.Mode, Reasons: ev.Reasons, Warnings: ev.Warnings,
		DryRun: dryRun, Actor: actor, Thresholds: map[string]float64{"required": ev.Threshold}}
	if !dryRun {
		e.ActionID = &a.ID
	}
	if a.CampaignID != nil {
		e.EntityType, e.EntityID = "campaign", a.CampaignID.String()
	} else {
		e.EntityType, e.EntityID = "account", a.Platform
	}
	if _, err := tx.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("audit gate decision: %w", err)
	}
	return nil
}

// GateDecisionFilter selects gate decisions; nil means any.
type GateDecisionFilter struct {
	Decision *Decision
	ActionID *uuid.UUID
	DryRun   *bool
	Since    *time.Time
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
		if f.DryRun != nil {
			q = q.Where("g.dry_run = ?", *f.DryRun)
		}
		if f.Since != nil {
			q = q.Where("g.at >= ?", *f.Since)
		}
		page, err = relay.Paginate(ctx, q, args, "g.at", "g.id",
			func(e *GateDecision) relay.Cursor { return relay.Cursor{At: e.At, ID: e.ID} })
		return err
	})
	return page, err
}
