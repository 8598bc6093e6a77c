-- Connections (issue 12): a platform connection whose grant was revoked or
-- expired (NEEDS_REAUTH) opens an incident of cause CONNECTION, one per
-- connection (cause key connection:<id>:reauth). incidents is already a
-- tenant table behind forced row-level security (0023). The list keeps
-- PAYMENT_FAILED, which billing's 0038 added.

-- +goose Up
ALTER TABLE incidents DROP CONSTRAINT incidents_cause_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_cause_check
  CHECK (cause IN ('HEALTH', 'OUTAGE', 'EMQ_DROP', 'ACTION_FAILED', 'PAYMENT_FAILED', 'CONNECTION'));

-- +goose Down
DELETE FROM incidents WHERE cause = 'CONNECTION';
ALTER TABLE incidents DROP CONSTRAINT incidents_cause_check;
ALTER TABLE incidents ADD CONSTRAINT incidents_cause_check
  CHECK (cause IN ('HEALTH', 'OUTAGE', 'EMQ_DROP', 'ACTION_FAILED', 'PAYMENT_FAILED'));
