package billing

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Operator is the platform operator behind an operator tool: who the audit
// entry and the override name.
type Operator struct {
	ID    uuid.UUID
	Email string
}

// FlagChange is an operator's setFeatureFlag: Enabled nil removes the
// tenant's override of Flag; ExpiresAt nil keeps it until removed.
type FlagChange struct {
	Tenant    uuid.UUID
	Flag      string
	Enabled   *bool
	ExpiresAt *time.Time
	Reason    string
}

// MaxReason bounds an override's reason (the column's check).
const MaxReason = 500

// SetFlag sets or removes a tenant's override of one flag and records it in
// the tenant's audit log, in one transaction. An unknown flag, an expiry
// not in the future, a reason over MaxReason characters or an unknown
// tenant is refused with BAD_USER_INPUT on its input field and nothing is
// written. The caller has checked that op is a platform operator.
func (s *Service) SetFlag(ctx context.Context, op Operator, c FlagChange) (_ Entitlements, err error) {
	defer derrors.Wrap(&err, "billing.Service.SetFlag(%s, %s)", c.Tenant, c.Flag)
	spec, ok := FlagByKey(c.Flag)
	if !ok {
		return Entitlements{}, apperr.Invalid([]string{"input", "flag"}, "unknown feature flag %q; the catalogue has: %s", clip(c.Flag), flagKeys())
	}
	c.Reason = strings.TrimSpace(c.Reason)
	if utf8.RuneCountInString(c.Reason) > MaxReason {
		return Entitlements{}, apperr.Invalid([]string{"input", "reason"}, "the reason must be at most %d characters", MaxReason)
	}
	var e Entitlements
	err = s.DB.InTenant(ctx, c.Tenant, func(ctx context.Context, tx bun.Tx) error {
		now := db.TxNow(ctx)
		if c.Enabled != nil && c.ExpiresAt != nil && !c.ExpiresAt.After(now) {
			return apperr.Invalid([]string{"input", "expiresAt"}, "expiresAt must be in the future")
		}
		if err := lockState(ctx, tx, c.Tenant); err != nil {
			return err
		}
		details := map[string]any{"flag": spec.Key, "reason": c.Reason}
		if c.Enabled == nil {
			if _, err := tx.NewDelete().Model((*Override)(nil)).Where("tenant_id = ? AND flag = ?", c.Tenant, spec.Key).Exec(ctx); err != nil {
				return err
			}
			details["enabled"] = nil
		} else {
			o := &Override{TenantID: c.Tenant, Flag: spec.Key, Enabled: *c.Enabled, ExpiresAt: c.ExpiresAt,
				SetBy: op.label(), Reason: c.Reason, CreatedAt: now}
			if _, err := tx.NewInsert().Model(o).On("CONFLICT (tenant_id, flag) DO UPDATE").
				Set("enabled = EXCLUDED.enabled, expires_at = EXCLUDED.expires_at, set_by = EXCLUDED.set_by, reason = EXCLUDED.reason, created_at = EXCLUDED.created_at").
				Exec(ctx); err != nil {
				return err
			}
			details["enabled"], details["expiresAt"] = *c.Enabled, c.ExpiresAt
		}
		if err := s.auditOperator(ctx, tx, op, c.Tenant, "billing.feature_flag_set", details); err != nil {
			return err
		}
		e, err = s.EntitlementsTx(ctx, tx, c.Tenant)
		return err
	})
	if err == nil {
		s.ForgetPlan(c.Tenant)
	}
	return e, err
}

// SetPlan puts a tenant on plan (a sales-led deal): ACTIVE, no trial, no
// grace; audited in the tenant's audit log with the previous plan and
// status. An unknown plan or tenant is BAD_USER_INPUT, nothing written.
// Stripe's later subscription events still apply over it.
func (s *Service) SetPlan(ctx context.Context, op Operator, tenant uuid.UUID, plan string) (_ Entitlements, err error) {
	defer derrors.Wrap(&err, "billing.Service.SetPlan(%s, %s)", tenant, plan)
	p, ok := ParsePlan(plan)
	if !ok {
		return Entitlements{}, apperr.Invalid([]string{"input", "plan"}, "unknown plan %q; plans are STARTER, PROFESSIONAL and ENTERPRISE", clip(plan))
	}
	var e Entitlements
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var st State
		if err := tx.NewSelect().Model(&st).Where("tenant_id = ?", tenant).For("UPDATE").Scan(ctx); err != nil {
			return unknownTenant(err)
		}
		if err := SetPlanTx(ctx, tx, tenant, p); err != nil {
			return err
		}
		if err := s.auditOperator(ctx, tx, op, tenant, "billing.plan_set", map[string]any{"plan": p,
			"previousPlan": st.Plan, "previousStatus": st.Status}); err != nil {
			return err
		}
		e, err = s.EntitlementsTx(ctx, tx, tenant)
		return err
	})
	if err == nil {
		s.ForgetPlan(tenant)
	}
	return e, err
}

// SetPlanTx puts the tenant of tx on plan, ACTIVE, without a trial or a
// grace period (SetPlan; seeding the demo tenant). It writes no audit
// entry: callers that act for a person record one.
func SetPlanTx(ctx context.Context, tx bun.IDB, tenant uuid.UUID, plan Plan) (err error) {
	defer derrors.Wrap(&err, "billing.SetPlanTx(%s, %s)", tenant, plan)
	_, err = tx.NewUpdate().Model((*State)(nil)).Set("plan = ?", plan).Set("status = ?", Active).
		Set("trial_ends_at = NULL").Set("grace_ends_at = NULL").Set("updated_at = ?", db.TxNow(ctx)).
		Where("tenant_id = ?", tenant).Exec(ctx)
	return err
}

// auditOperator records an operator's change in the tenant's audit log and
// announces it on TopicChanged (billingChanged), both in tx.
func (s *Service) auditOperator(ctx context.Context, tx bun.Tx, op Operator, tenant uuid.UUID, action string, details map[string]any) error {
	if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, ActorType: audit.ActorOperator, ActorID: op.ID,
		ActorEmail: op.Email, Action: action, TargetType: relay.TypeTenant, TargetID: tenant, Details: details}); err != nil {
		return err
	}
	return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicChanged, ID: tenant.String()})
}

// lockState locks the tenant's billing row (so flag and plan changes of one
// tenant serialise) and answers BAD_USER_INPUT when the tenant is unknown.
func lockState(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	var st State
	err := tx.NewSelect().Model(&st).Column("tenant_id").Where("tenant_id = ?", tenant).For("UPDATE").Scan(ctx)
	return unknownTenant(err)
}

func unknownTenant(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Invalid([]string{"input", "tenantId"}, "no such tenant")
	}
	return err
}

func (op Operator) label() string {
	if op.Email != "" {
		return op.Email
	}
	return op.ID.String()
}

func flagKeys() string {
	keys := make([]string, len(flags))
	for i, f := range flags {
		keys[i] = string(f.Key)
	}
	return strings.Join(keys, ", ")
}

// clip shortens an unknown name echoed in an error (inputs are bounded by
// the body size only).
func clip(s string) string {
	if r := []rune(s); len(r) > 64 {
		return string(r[:64]) + "…"
	}
	return s
}
