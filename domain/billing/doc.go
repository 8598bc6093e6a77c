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
//
// # Plan limits and usage (usage.go)
//
// Every counted limit has one counter row per tenant and period in
// tenant_usage (forced RLS): monthly_ingested_events counts per calendar
// month (UTC; a new month starts a new row at zero), the others for ever.
// Counters are moved only by the transaction that creates or removes the
// counted thing, never recounted per request, so they are exactly as true
// as that transaction. A context that owns a counted thing (ad accounts,
// segments, conversion destinations, ingested events, members) reserves
// first, then creates, in one tenant transaction:
//
//	err := db.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
//		if err := billingSvc.ReserveTx(ctx, tx, tenant, billing.Segments, 1); err != nil {
//			return err // BAD_USER_INPUT naming the limit, its value and the plan that raises it
//		}
//		return insertSegment(ctx, tx, seg)
//	})
//
// ReserveTx increments the counter in one statement only while used+n stays
// within the effective plan's value; concurrent reservations queue on the
// counter row and each re-checks once the one before it commits or rolls
// back, so together they never overshoot. When the creation fails the
// transaction rolls back, and the reservation with it. Set the error's
// Field (apperr.As) to the input the refusal is about; resolvers turn it
// into a userError.
//
// The rest of the rules:
//   - Release in the transaction that deletes: ReleaseTx(ctx, tx, tenant,
//     limit, n); a counter never goes below zero.
//   - A thing that stops counting without a request (an invitation that
//     expires) keeps a flag on its row saying whether it still holds its
//     unit, so the unit is given back exactly once (domain/tenancy's
//     invites.holds_seat, released by the next seat reservation, in its
//     transaction, before the limit is checked). Reads never write: the
//     usage tenancy shows subtracts the expired holds from the counter.
//   - A batch reserves its size at once (ingesting 500 events reserves 500
//     of monthly_ingested_events before writing them); a refused batch
//     writes nothing.
//   - Rows that exist before their context starts counting are backfilled
//     by the migration that starts it (0035 counts members and pending
//     invitations).
//
// Usage and UsageTx list every counted limit with used, max and the
// warning (used ≥ SoftShare of max). A downgrade never deletes: a tenant
// over a lowered limit keeps what it has, is warned, and cannot add more.
// api_cost_per_minute is a rate, not a counter: CostBudget sizes the
// GraphQL cost limiter's bucket from it.
package billing
