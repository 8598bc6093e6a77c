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


-- The sweep's safety net (jobs.ConversionsSweepArgs): the enabled
-- destinations with deliveries overdue — PENDING or RETRY due before
-- due_before, SENDING claimed before sending_before — whose flush job was
-- lost (e.g. deduplicated against a flush that ran before the recording
-- batch committed). SECURITY DEFINER to see past RLS; ids only, bounded.
-- +goose StatementBegin
CREATE FUNCTION stratum_conversion_stalled_destinations(due_before timestamptz, sending_before timestamptz)
RETURNS TABLE (tenant_id uuid, destination_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT d.tenant_id, d.id FROM conversion_destinations d
  WHERE d.enabled AND (
    EXISTS (SELECT 1 FROM conversion_deliveries x WHERE x.tenant_id = d.tenant_id AND x.destination_id = d.id
      AND x.status IN ('PENDING', 'RETRY') AND x.next_attempt_at < due_before)
    OR EXISTS (SELECT 1 FROM conversion_deliveries x WHERE x.tenant_id = d.tenant_id AND x.destination_id = d.id
      AND x.status = 'SENDING' AND x.updated_at < sending_before))
  ORDER BY d.tenant_id, d.id LIMIT 1000
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_conversion_stalled_destinations(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_conversion_stalled_destinations(timestamptz, timestamptz) TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_conversion_stalled_destinations(timestamptz, timestamptz);
DROP INDEX conversion_deliveries_replay;
DROP INDEX conversion_deliveries_sending;
DROP INDEX conversion_deliveries_log;
CREATE INDEX conversion_deliveries_log ON conversion_deliveries (tenant_id, destination_id, created_at DESC, message_id);
DROP INDEX conversion_deliveries_id;
ALTER TABLE conversion_deliveries DROP COLUMN legal_basis, DROP COLUMN id;
