package resolvers

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
)

// entitlements is the tenant's entitlements for this request (resolved at
// most once per request and tenant: billing.Service.For with the cache
// Entitlements puts in the context).
func (r *Resolver) entitlements(ctx context.Context, tenant uuid.UUID) (billing.Entitlements, error) {
	return r.Svc.Billing.For(ctx, tenant)
}

// featureGate is the @feature directive: the field runs only when the
// principal's tenant has flag key.
func (r *Resolver) featureGate(ctx context.Context, next graphql.Resolver, key string) (any, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	e, err := r.entitlements(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if err := Disabled(e, billing.Flag(key)); err != nil {
		return nil, err
	}
	return next(ctx)
}

// Disabled is nil when flag is on in e, else the FEATURE_DISABLED error
// clients see: extensions.feature is the flag, extensions.requiredPlan the
// cheapest plan that has it (as the Plan enum names it).
func Disabled(e billing.Entitlements, flag billing.Flag) error {
	if e.Enabled(flag) {
		return nil
	}
	f := e.Feature(flag)
	msg := fmt.Sprintf("%s is not available on this workspace's %s plan; it unlocks with %s", flag, e.Plan.Title(), f.From.Title())
	switch f.Source {
	case billing.FromOverride:
		msg = fmt.Sprintf("%s is switched off for this workspace by a Stratum operator", flag)
	case billing.FromGlobal:
		msg = fmt.Sprintf("%s is switched off on this installation", flag)
	}
	return &apperr.Error{Code: apperr.FeatureDisabled, Message: msg,
		Extensions: map[string]any{"feature": string(flag), "requiredPlan": planModel(f.From)}}
}

// CheckFeatureKeys fails when a @feature directive of schema names a flag
// outside the catalogue (the server refuses to start; a test runs it).
func CheckFeatureKeys(schema *ast.Schema) error {
	var bad []string
	for _, typ := range schema.Types {
		for _, f := range typ.Fields {
			for _, d := range f.Directives.ForNames("feature") {
				key := ""
				if a := d.Arguments.ForName("key"); a != nil && a.Value != nil {
					key = a.Value.Raw
				}
				if _, ok := billing.FlagByKey(key); !ok {
					bad = append(bad, fmt.Sprintf("%s.%s: @feature(key: %q)", typ.Name, f.Name, key))
				}
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("the schema gates fields on flags outside the catalogue (domain/billing/catalog.go): %s", strings.Join(bad, "; "))
	}
	return nil
}

// RequestEntitlements is a gqlgen extension that gives each query and
// mutation operation its entitlements cache, and sets the principal's plan
// to the tenant's effective plan — the plan in an access token is the one
// at log-in and may have changed since (ADR 0014) — as this process read
// it less than billing.PlanHintTTL ago, or read now. Register it before
// the cost limit, which sizes the bucket by the plan. Subscriptions get no
// cache: they live long, and each event resolves fresh.
type RequestEntitlements struct{ Billing *billing.Service }

// ExtensionName implements graphql.HandlerExtension.
func (RequestEntitlements) ExtensionName() string { return "RequestEntitlements" }

// Validate implements graphql.HandlerExtension: the schema's @feature keys
// must all be in the catalogue.
func (RequestEntitlements) Validate(es graphql.ExecutableSchema) error {
	return CheckFeatureKeys(es.Schema())
}

// InterceptOperation implements graphql.OperationInterceptor.
func (x RequestEntitlements) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	ctx = billing.WithRequestCache(ctx)
	if p, ok := auth.FromContext(ctx); ok && p.TenantID != uuid.Nil {
		// The cost limit's plan: this process's read of less than a second
		// ago (billing.PlanHint), else read now (and kept for the fields).
		plan, ok := x.Billing.PlanHint(p.TenantID)
		if !ok {
			if e, err := x.Billing.For(ctx, p.TenantID); err == nil {
				plan, ok = e.Plan, true
			}
			// A failed read leaves the token's plan; the fields that need
			// entitlements read again and report the error themselves.
		}
		if ok && string(plan) != p.Plan {
			cp := *p
			cp.Plan = string(plan)
			ctx = auth.WithPrincipal(ctx, &cp)
		}
	}
	return next(ctx)
}

func planModel(p billing.Plan) model.Plan { return model.Plan(strings.ToUpper(string(p))) }

func featuresModel(e billing.Entitlements, skips []billing.Skip) []*model.Feature {
	byFlag := map[billing.Flag][]*model.FeatureSkip{}
	for _, s := range skips {
		byFlag[s.Flag] = append(byFlag[s.Flag], &model.FeatureSkip{JobKind: s.JobKind, Reason: s.Reason,
			FirstSkippedAt: s.FirstSkippedAt, LastSkippedAt: s.LastSkippedAt, Count: int(s.Skips)})
	}
	out := make([]*model.Feature, 0, len(billing.Flags()))
	for _, f := range e.Features() {
		sk := byFlag[f.Key]
		if sk == nil {
			sk = []*model.FeatureSkip{}
		}
		out = append(out, &model.Feature{Key: string(f.Key), Enabled: f.Enabled, Source: f.Source, Description: f.Description,
			UnlockedBy: planModel(f.From), ExpiresAt: f.ExpiresAt, SkippedJobs: sk})
	}
	return out
}

func billingModel(e billing.Entitlements) *model.TenantBilling {
	st := e.State
	return &model.TenantBilling{Plan: planModel(st.Plan), Status: st.Status, TrialEndsAt: st.TrialEndsAt,
		CurrentPeriodEnd: st.CurrentPeriodEnd, CancelAtPeriodEnd: st.CancelAtPeriodEnd, GraceEndsAt: st.GraceEndsAt,
		EffectivePlan: planModel(e.Plan)}
}

// operatorOf is the platform operator calling an operator tool (the
// @operator directive has checked the flag).
func (r *Resolver) operatorOf(ctx context.Context) (billing.Operator, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return billing.Operator{}, err
	}
	if !p.IsUser() || !p.Operator {
		return billing.Operator{}, apperr.Forbiddenf("only platform operators can use this field")
	}
	op := billing.Operator{ID: p.UserID}
	if u, err := r.Svc.Auth.UserByID(ctx, p.UserID); err == nil {
		op.Email = u.Email
	}
	return op, nil
}

// operatorPayload maps an operator tool's outcome.
func operatorPayload(e billing.Entitlements, err error) (*model.OperatorBillingPayload, error) {
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.OperatorBillingPayload{UserErrors: ue}, err
	}
	return &model.OperatorBillingPayload{Billing: billingModel(e), Features: featuresModel(e, nil), UserErrors: ue}, nil
}

// catalogueModel is the catalogue of plans, flags and limits, and what
// stripe sells (nil or disabled: nothing).
func catalogueModel(stripe *billing.Stripe) *model.BillingCatalogue {
	enabled := stripe != nil && stripe.Enabled()
	out := &model.BillingCatalogue{StripeEnabled: enabled}
	for _, p := range billing.Plans() {
		out.Plans = append(out.Plans, &model.CataloguePlan{Plan: planModel(p), CheckoutAvailable: enabled && stripe.Sells(p)})
	}
	for _, f := range billing.Flags() {
		out.Features = append(out.Features, &model.CatalogueFeature{Key: string(f.Key), Description: f.Description, UnlockedBy: planModel(f.From)})
	}
	for _, l := range billing.Limits() {
		cl := &model.CatalogueLimit{Limit: string(l.Key), Description: l.Description, Unit: l.Unit}
		for _, p := range billing.Plans() {
			cl.Values = append(cl.Values, &model.PlanLimitValue{Plan: planModel(p), Max: int(l.Of(p))})
		}
		out.Limits = append(out.Limits, cl)
	}
	return out
}
