package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/relay"
)

// AuditEntry is one trust-gate decision.
type AuditEntry struct {
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
	e := &AuditEntry{TenantID: a.TenantID, ID: uuid.New(), At: s.now(), Decision: ev.Decision, ActionType: a.Type, RiskClass: ev.RiskClass,
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

// AuditFilter selects audit entries; nil means any.
type AuditFilter struct {
	Decision *Decision
	ActionID *uuid.UUID
	DryRun   *bool
	Since    *time.Time
}

// AuditLog pages tenant's gate decisions, newest first.
func (s *Service) AuditLog(ctx context.Context, tenant uuid.UUID, f AuditFilter, args relay.Args) (page *relay.Page[AuditEntry], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*AuditEntry)(nil))
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
			func(e *AuditEntry) relay.Cursor { return relay.Cursor{At: e.At, ID: e.ID} })
		return err
	})
	return page, err
}
