package billing

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Status is a tenant's billing status, as Stripe's subscription statuses
// map onto it.
type Status string

const (
	Trialing Status = "TRIALING"
	Active   Status = "ACTIVE"
	PastDue  Status = "PAST_DUE"
	Canceled Status = "CANCELED"
)

// State is a tenant's row of tenant_billing.
type State struct {
	bun.BaseModel `bun:"table:tenant_billing"`

	TenantID             uuid.UUID  `bun:"tenant_id,pk"`
	Plan                 Plan       `bun:"plan"`
	Status               Status     `bun:"status"`
	TrialEndsAt          *time.Time `bun:"trial_ends_at"`
	CurrentPeriodEnd     *time.Time `bun:"current_period_end"`
	CancelAtPeriodEnd    bool       `bun:"cancel_at_period_end"`
	GraceEndsAt          *time.Time `bun:"grace_ends_at"`
	StripeCustomerID     *string    `bun:"stripe_customer_id"`
	StripeSubscriptionID *string    `bun:"stripe_subscription_id"`
	SubscriptionAsOf     *time.Time `bun:"subscription_as_of"`
	CreatedAt            time.Time  `bun:"created_at"`
	UpdatedAt            time.Time  `bun:"updated_at"`
}

// HasSubscription reports whether the tenant has a live Stripe
// subscription: one it is ACTIVE, PAST_DUE or TRIALING on. A sign-up's
// trial has no subscription id, nor has a plan an operator set.
func (s State) HasSubscription() bool {
	return s.StripeSubscriptionID != nil && *s.StripeSubscriptionID != "" &&
		(s.Status == Active || s.Status == PastDue || s.Status == Trialing)
}

// EffectivePlan is the plan whose flags and limits apply at now: the
// tenant's plan while it is active, trialing before the trial's end, or
// past due within the grace period; Starter otherwise (a lapsed trial, a
// payment failed beyond grace, a canceled subscription). Data is never
// deleted by the fall-back.
func (s State) EffectivePlan(now time.Time) Plan {
	switch s.Status {
	case Active:
		return s.Plan
	case Trialing:
		if s.TrialEndsAt == nil || now.Before(*s.TrialEndsAt) {
			return s.Plan
		}
	case PastDue:
		if s.GraceEndsAt != nil && now.Before(*s.GraceEndsAt) {
			return s.Plan
		}
	}
	return Starter
}

// Override is an operator's setting of one flag for one tenant.
type Override struct {
	bun.BaseModel `bun:"table:tenant_feature_overrides"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk"`
	Flag      Flag       `bun:"flag,pk"`
	Enabled   bool       `bun:"enabled"`
	ExpiresAt *time.Time `bun:"expires_at"`
	SetBy     string     `bun:"set_by"`
	Reason    string     `bun:"reason"`
	CreatedAt time.Time  `bun:"created_at"`
}

// Live reports whether the override applies at now.
func (o Override) Live(now time.Time) bool { return o.ExpiresAt == nil || now.Before(*o.ExpiresAt) }

// Source says which setting decided a flag.
type Source string

const (
	FromPlan     Source = "PLAN"
	FromOverride Source = "OVERRIDE"
	FromGlobal   Source = "GLOBAL"
)

// Feature is one flag as it resolves for a tenant.
type Feature struct {
	FlagSpec
	Enabled bool
	Source  Source
	// ExpiresAt is when a deciding override lapses.
	ExpiresAt *time.Time
}

// Entitlements is what a tenant may use at one moment: its effective plan,
// each flag resolved, and the plan's limits.
type Entitlements struct {
	State State
	// Plan is the effective plan (State.EffectivePlan at At).
	Plan     Plan
	At       time.Time
	features map[Flag]Feature
}

// Resolve applies the resolution order (ADR 0014) to every catalogue flag:
// a live per-tenant override, then the global force, then the effective
// plan's default.
func Resolve(st State, overrides []Override, force map[Flag]bool, now time.Time) Entitlements {
	e := Entitlements{State: st, Plan: st.EffectivePlan(now), At: now, features: make(map[Flag]Feature, len(flags))}
	byFlag := make(map[Flag]Override, len(overrides))
	for _, o := range overrides {
		if o.Live(now) {
			byFlag[o.Flag] = o
		}
	}
	for _, spec := range flags {
		f := Feature{FlagSpec: spec, Enabled: PlanHas(e.Plan, spec.Key), Source: FromPlan}
		if on, ok := force[spec.Key]; ok {
			f.Enabled, f.Source = on, FromGlobal
		}
		if o, ok := byFlag[spec.Key]; ok {
			f.Enabled, f.Source, f.ExpiresAt = o.Enabled, FromOverride, o.ExpiresAt
		}
		e.features[spec.Key] = f
	}
	return e
}

// Enabled reports whether flag f is on; a flag outside the catalogue is off.
func (e Entitlements) Enabled(f Flag) bool { return e.features[f].Enabled }

// Feature is flag f as resolved (zero for a flag outside the catalogue).
func (e Entitlements) Feature(f Flag) Feature { return e.features[f] }

// Features lists every flag as resolved, in catalogue order.
func (e Entitlements) Features() []Feature {
	out := make([]Feature, 0, len(flags))
	for _, spec := range flags {
		out = append(out, e.features[spec.Key])
	}
	return out
}

// Limit is limit l's value on the effective plan (0 for an unknown limit).
func (e Entitlements) Limit(l Limit) int64 {
	spec, ok := LimitByKey(string(l))
	if !ok {
		return 0
	}
	return spec.Of(e.Plan)
}
