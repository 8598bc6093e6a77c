// Package billing is what a tenant may use and what it pays for: the
// catalogue of plans, feature flags and plan limits (catalog.go), the
// resolution of a tenant's flags (per-tenant override → global override →
// plan default), usage against the limits, and the tenant's billing state
// kept in step with Stripe (ADR 0014).
//
// It owns tenant_billing (the one source of a tenant's plan), the operators'
// tenant_feature_overrides and feature_skips (why a gated job did not run).
// Callers: the resolvers (@feature, viewer.features, tenant.billing, the
// operator tools) through Service.For, which resolves at most once per
// request; tenancy at sign-up (StartTrialTx) and for memberships (PlanTx),
// through the tenancy.Billing interface; automation's gate (FlagTx for
// autopilot); the jobs of gated features (Gate).
package billing
