package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Defaults of Config.
const (
	DefaultTrial = 14 * 24 * time.Hour
	DefaultGrace = 7 * 24 * time.Hour
)

// Config are the billing settings (internal/config fills them).
type Config struct {
	// Force is STRATUM_FEATURES_FORCE parsed (ParseForce).
	Force map[Flag]bool
	// Trial is how long a sign-up's trial of TrialPlan lasts (default
	// DefaultTrial); Grace how long paid flags stay on after a failed
	// payment (default DefaultGrace).
	Trial, Grace time.Duration
	// TrialPlan is the plan a sign-up tries (default Professional).
	TrialPlan Plan
}

func (c Config) trial() time.Duration { return cmp(c.Trial, DefaultTrial) }
func (c Config) grace() time.Duration { return cmp(c.Grace, DefaultGrace) }
func (c Config) trialPlan() Plan {
	if _, ok := ParsePlan(string(c.TrialPlan)); ok {
		return c.TrialPlan
	}
	return Professional
}

func cmp(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Service reads and changes tenants' plans, billing state and overrides.
type Service struct {
	DB     *db.DB
	Config Config

	hints planHints
}

// Entitlements resolves what tenant may use now.
func (s *Service) Entitlements(ctx context.Context, tenant uuid.UUID) (e Entitlements, err error) {
	defer derrors.Wrap(&err, "billing.Service.Entitlements(%s)", tenant)
	began := time.Now() // a hint is as old as the read's start
	// Read in the transaction's begin message when this call begins it
	// (one round trip fewer for every signed-in operation).
	ctx = db.WithFirstRead(ctx, EntitlementsRead(tenant))
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if raw, ok := db.FirstRead(ctx); ok {
			e, err = s.resolveRow(ctx, raw)
		} else {
			e, err = s.EntitlementsTx(ctx, tx, tenant)
		}
		return err
	})
	if err == nil {
		s.hints.put(tenant, e.Plan, began)
	}
	return e, err
}

// entitlementsRow is EntitlementsRead's JSON: the billing row's columns by
// State's field names, and the overrides.
type entitlementsRow struct {
	State
	Overrides []Override
}

// EntitlementsRead is the statement that reads tenant's billing row and
// overrides as one JSON value: sent in a transaction's begin message by
// Entitlements, as a statement by EntitlementsTx. Exported for the
// read-path benchmark, which replays the server's SQL.
func EntitlementsRead(tenant uuid.UUID) string {
	// The id is written into the text: uuid.UUID.String is hex digits and dashes.
	return `SELECT json_build_object('TenantID', b.tenant_id, 'Plan', b.plan, 'Status', b.status,
		'TrialEndsAt', b.trial_ends_at, 'CurrentPeriodEnd', b.current_period_end, 'CancelAtPeriodEnd', b.cancel_at_period_end,
		'GraceEndsAt', b.grace_ends_at, 'StripeCustomerID', b.stripe_customer_id, 'StripeSubscriptionID', b.stripe_subscription_id,
		'SubscriptionAsOf', b.subscription_as_of, 'CreatedAt', b.created_at, 'UpdatedAt', b.updated_at,
		'Overrides', (SELECT COALESCE(json_agg(json_build_object('TenantID', o.tenant_id, 'Flag', o.flag, 'Enabled', o.enabled,
			'ExpiresAt', o.expires_at, 'SetBy', o.set_by, 'Reason', o.reason, 'CreatedAt', o.created_at) ORDER BY o.flag), '[]')
			FROM tenant_feature_overrides o WHERE o.tenant_id = b.tenant_id))
		FROM tenant_billing b WHERE b.tenant_id = '` + tenant.String() + `'`
}

// EntitlementsTx is Entitlements inside the caller's tenant transaction (a
// limit check before creating the counted thing).
func (s *Service) EntitlementsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (e Entitlements, err error) {
	defer derrors.Wrap(&err, "billing.Service.EntitlementsTx(%s)", tenant)
	// One statement, so one round trip (every signed-in GraphQL operation
	// reads this): the billing row and its overrides as one JSON value.
	var raw []byte
	if err := tx.QueryRowContext(ctx, EntitlementsRead(tenant)).Scan(&raw); err != nil {
		return Entitlements{}, err
	}
	return s.resolveRow(ctx, raw)
}

// resolveRow resolves EntitlementsRead's JSON at the transaction's time.
func (s *Service) resolveRow(ctx context.Context, raw []byte) (Entitlements, error) {
	var row entitlementsRow
	if err := json.Unmarshal(raw, &row); err != nil {
		return Entitlements{}, fmt.Errorf("decode entitlements: %w", err)
	}
	return Resolve(row.State, row.Overrides, s.Config.Force, db.TxNow(ctx)), nil
}

// StartTrialTx puts a new tenant on a trial of the trial plan, in the
// sign-up's transaction.
func (s *Service) StartTrialTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "billing.Service.StartTrialTx(%s)", tenant)
	now := db.TxNow(ctx)
	_, err = tx.NewUpdate().Table("tenant_billing").
		Set("plan = ?", s.Config.trialPlan()).Set("status = ?", Trialing).
		Set("trial_ends_at = ?", now.Add(s.Config.trial())).Set("updated_at = ?", now).
		Where("tenant_id = ?", tenant).Exec(ctx)
	return err
}

// GraceEnd is when paid flags lapse after a payment failing at failedAt.
func (s *Service) GraceEnd(failedAt time.Time) time.Time { return failedAt.Add(s.Config.grace()) }
