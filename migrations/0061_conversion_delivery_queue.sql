-- Conversion delivery pipeline (issue 15, docs/adr/0022 "Delivery and
-- exactly-once"): the legal basis an event is forwarded on, and the index
-- the flush job uses to find SENDING rows whose job died between claiming
-- and recording them (reclaimed after a timeout, sent again under the same
-- event id).

-- +goose Up
-- id: the delivery's node id and the delivery log's cursor tie-breaker.
ALTER TABLE conversion_deliveries
  ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid(),
  ADD COLUMN legal_basis text CHECK (legal_basis IN ('CONSENT', 'LEGITIMATE_INTEREST'));
CREATE UNIQUE INDEX conversion_deliveries_id ON conversion_deliveries (tenant_id, id);
DROP INDEX conversion_deliveries_log;
CREATE INDEX conversion_deliveries_log ON conversion_deliveries (tenant_id, destination_id, created_at DESC, id DESC);
CREATE INDEX conversion_deliveries_sending ON conversion_deliveries (tenant_id, destination_id, updated_at)
  WHERE status = 'SENDING';
-- The replay mutation's scan: a destination's FAILED/DEAD rows by time.
CREATE INDEX conversion_deliveries_replay ON conversion_deliveries (tenant_id, destination_id, status, created_at)
  WHERE status IN ('FAILED', 'DEAD');

-- +goose Down
DROP INDEX conversion_deliveries_replay;
DROP INDEX conversion_deliveries_sending;
DROP INDEX conversion_deliveries_log;
CREATE INDEX conversion_deliveries_log ON conversion_deliveries (tenant_id, destination_id, created_at DESC, message_id);
DROP INDEX conversion_deliveries_id;
ALTER TABLE conversion_deliveries DROP COLUMN legal_basis, DROP COLUMN id;
