// Package billing is what a tenant may use and what it pays for: the
// catalogue of plans, feature flags and plan limits (catalog.go), the
// resolution of a tenant's flags (per-tenant override → global override →
// plan default), usage against the limits, and the tenant's billing state
// kept in step with Stripe (ADR 0014).
package billing
