-- Conversion forwarding by batch (issue 15, docs/adr/0022 "A batch's first
-- send"): the CDP batch hook records one row per (destination, processed
-- batch) instead of one PENDING row per event; the flush claims such rows,
-- reads their events, decides each (mapping, consent, age, required fields),
-- sends, and writes each event's conversion_deliveries row once, in the state
-- its first send left it (SENT, FAILED, SKIPPED, RETRY...). Retries, replays
-- and the delivery log keep working on conversion_deliveries.

-- +goose Up
CREATE TABLE conversion_delivery_batches (
  tenant_id      uuid NOT NULL,
  destination_id uuid NOT NULL,
  -- The processed CDP batch (cdp_events' primary key starts with tenant_id, batch_id).
  batch_id       uuid NOT NULL,
  -- The batch's events, aligned: their source and messageId, the profile each
  -- resolved to (the nil uuid: none) and whether that profile had ADS consent
  -- when the batch was processed.
  source_ids     uuid[] NOT NULL,
  message_ids    text[] NOT NULL,
  profile_ids    uuid[] NOT NULL,
  consent        boolean[] NOT NULL,
  -- When the batch is due for its first send (the flush age after it was
  -- processed; at once when it fills a request).
  due_at         timestamptz NOT NULL,
  -- A flush's claim: attempts + 1 and claimed_at; a claim older than the
  -- reclaim delay is taken again (its job died between claiming and recording).
  attempts       integer NOT NULL DEFAULT 0,
  claimed_at     timestamptz,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, destination_id, batch_id),
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE,
  CHECK (cardinality(message_ids) = cardinality(source_ids) AND cardinality(message_ids) = cardinality(profile_ids)
    AND cardinality(message_ids) = cardinality(consent))
);
CREATE INDEX conversion_delivery_batches_due ON conversion_delivery_batches (tenant_id, destination_id, due_at);
SELECT stratum_tenant_table('conversion_delivery_batches');

-- A delivery row is written with its destination's batch claimed (and the
-- destination's deletion deletes its deliveries in its own transaction,
-- Destinations.Delete): the per-row foreign-key check, a lookup of the
-- destination for every row of a 1,000-event request, is dropped.
ALTER TABLE conversion_deliveries DROP CONSTRAINT conversion_deliveries_tenant_id_destination_id_fkey;

-- The flush writes a request's deliveries (up to 2,000 rows) in one
-- statement: the tenant policy's check is evaluated once per statement, as
-- ad_campaign_metrics' (migration 0068), not once per row.
ALTER POLICY tenant_isolation ON conversion_deliveries
  USING (tenant_id = (SELECT stratum_current_tenant()))
  WITH CHECK (tenant_id = (SELECT stratum_current_tenant()));

-- The sweep's safety net now also finds queued batches whose flush job was lost.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stratum_conversion_stalled_destinations(due_before timestamptz, sending_before timestamptz)
RETURNS TABLE (tenant_id uuid, destination_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT d.tenant_id, d.id FROM conversion_destinations d
  WHERE d.enabled AND (
    EXISTS (SELECT 1 FROM conversion_deliveries x WHERE x.tenant_id = d.tenant_id AND x.destination_id = d.id
      AND x.status IN ('PENDING', 'RETRY') AND x.next_attempt_at < due_before)
    OR EXISTS (SELECT 1 FROM conversion_deliveries x WHERE x.tenant_id = d.tenant_id AND x.destination_id = d.id
      AND x.status = 'SENDING' AND x.updated_at < sending_before)
    OR EXISTS (SELECT 1 FROM conversion_delivery_batches b WHERE b.tenant_id = d.tenant_id AND b.destination_id = d.id
      AND ((b.claimed_at IS NULL AND b.due_at < due_before) OR b.claimed_at < sending_before)))
  ORDER BY d.tenant_id, d.id LIMIT 1000
$$;
-- +goose StatementEnd

-- +goose Down
ALTER POLICY tenant_isolation ON conversion_deliveries
  USING (tenant_id = stratum_current_tenant())
  WITH CHECK (tenant_id = stratum_current_tenant());
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stratum_conversion_stalled_destinations(due_before timestamptz, sending_before timestamptz)
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
DROP TABLE conversion_delivery_batches;
DELETE FROM conversion_deliveries x WHERE NOT EXISTS (SELECT 1 FROM conversion_destinations d
  WHERE d.tenant_id = x.tenant_id AND d.id = x.destination_id);
ALTER TABLE conversion_deliveries ADD CONSTRAINT conversion_deliveries_tenant_id_destination_id_fkey
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE;
