-- Billing follow-ups (issue 11, ADR 0014): a failed payment opens an
-- incident of its own cause, and applied Stripe events are pruned.

-- +goose Up
-- PAYMENT_FAILED: Stripe could not charge the workspace's subscription; the
-- incident stays open until a paid invoice (or the subscription's end)
-- takes the workspace out of PAST_DUE.
ALTER TABLE incidents DROP CONSTRAINT incidents_cause_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_cause_check
  CHECK (cause IN ('HEALTH', 'OUTAGE', 'EMQ_DROP', 'ACTION_FAILED', 'PAYMENT_FAILED'));

-- The pruning job (jobs.PruneStripeEventsArgs) deletes applied events by age.
CREATE INDEX stripe_events_applied ON stripe_events (applied_at) WHERE applied_at IS NOT NULL;

-- +goose Down
DROP INDEX stripe_events_applied;
DELETE FROM incidents WHERE cause = 'PAYMENT_FAILED';
ALTER TABLE incidents DROP CONSTRAINT incidents_cause_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_cause_check
  CHECK (cause IN ('HEALTH', 'OUTAGE', 'EMQ_DROP', 'ACTION_FAILED'));
