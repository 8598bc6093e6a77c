-- A request's SENT events as one row (issue 15, docs/adr/0022 "A request's
-- SENT events as one row"): a batch's first send wrote one
-- conversion_deliveries row per event it sent — ≈ 10 µs of PostgreSQL's CPU
-- each, the largest cost left in forwarding — though every event the
-- platform accepted in one request shares its summary, answer, latency and
-- time. Such events are now kept as one row per request, their own fields
-- as aligned arrays; failed, skipped, retried and replayed events keep their
-- per-event rows in conversion_deliveries. The delivery log reads both
-- (Deliveries.List); an event of a request row is identified in the log by
-- the request's id with its last four bytes replaced by the event's
-- position (0-based), so the log's (created_at, id) order and cursors span
-- both tables.

-- +goose Up
CREATE TABLE conversion_sent_requests (
  tenant_id       uuid NOT NULL,
  destination_id  uuid NOT NULL,
  -- Drawn by the flush with its last four bytes zero (see above).
  id              uuid NOT NULL,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz NOT NULL,
  -- Credential-free, as conversion_deliveries' columns of the same names.
  request_summary text,
  response        text,
  latency_ms      integer,
  -- How many events (the log's count without reading the arrays).
  events          integer NOT NULL,
  -- The events, aligned, in the request's order: their messageId, batch,
  -- source, reception, resolved profile (the nil uuid: none), source event,
  -- platform event name, event time, attempt number and legal basis.
  message_ids     text[] NOT NULL,
  batch_ids       uuid[] NOT NULL,
  source_ids      uuid[] NOT NULL,
  received_at     timestamptz[] NOT NULL,
  profile_ids     uuid[] NOT NULL,
  source_events   text[] NOT NULL,
  event_names     text[] NOT NULL,
  event_times     timestamptz[] NOT NULL,
  attempts        integer[] NOT NULL,
  legal_bases     text[] NOT NULL,
  -- The delivery log's order (newest first: scanned backwards).
  PRIMARY KEY (tenant_id, destination_id, created_at, id),
  CHECK (events > 0 AND cardinality(message_ids) = events AND cardinality(batch_ids) = cardinality(message_ids)
    AND cardinality(source_ids) = cardinality(message_ids) AND cardinality(received_at) = cardinality(message_ids)
    AND cardinality(profile_ids) = cardinality(message_ids) AND cardinality(source_events) = cardinality(message_ids)
    AND cardinality(event_names) = cardinality(message_ids) AND cardinality(event_times) = cardinality(message_ids)
    AND cardinality(attempts) = cardinality(message_ids) AND cardinality(legal_bases) = cardinality(message_ids))
);
SELECT stratum_tenant_table('conversion_sent_requests');
-- Checked once per statement, as conversion_deliveries' (migration 0069).
ALTER POLICY tenant_isolation ON conversion_sent_requests
  USING (tenant_id = (SELECT stratum_current_tenant()))
  WITH CHECK (tenant_id = (SELECT stratum_current_tenant()));

-- Every event's delivery as one relation, for operators in psql and for
-- tests (the API pages the two tables itself: this view cannot be read in
-- the log's order through an index). Row-level security applies as the
-- reader's (security_invoker).
CREATE VIEW conversion_delivery_log WITH (security_invoker = true) AS
  SELECT tenant_id, destination_id, id, message_id, batch_id, source_id, received_at, profile_id, source_event, event_name,
    event_time, status, attempts, next_attempt_at, request_summary, response, error_code, latency_ms, legal_basis,
    created_at, updated_at, sent_at
  FROM conversion_deliveries
  UNION ALL
  SELECT r.tenant_id, r.destination_id, overlay(r.id::text PLACING lpad(to_hex(e.n - 1), 8, '0') FROM 29)::uuid,
    e.message_id, e.batch_id, e.source_id, e.received_at, nullif(e.profile_id, '00000000-0000-0000-0000-000000000000'),
    e.source_event, e.event_name, e.event_time, 'SENT', e.attempts, NULL, r.request_summary, r.response, NULL,
    r.latency_ms, e.legal_basis, r.created_at, r.created_at, r.sent_at
  FROM conversion_sent_requests r,
    unnest(r.message_ids, r.batch_ids, r.source_ids, r.received_at, r.profile_ids, r.source_events, r.event_names,
      r.event_times, r.attempts, r.legal_bases)
      WITH ORDINALITY AS e(message_id, batch_id, source_id, received_at, profile_id, source_event, event_name, event_time,
        attempts, legal_basis, n);
GRANT SELECT ON conversion_delivery_log TO stratum_rw;

-- +goose Down
INSERT INTO conversion_deliveries (tenant_id, destination_id, id, message_id, batch_id, source_id, received_at, profile_id,
    source_event, event_name, event_time, status, attempts, next_attempt_at, request_summary, response, error_code,
    latency_ms, legal_basis, created_at, updated_at, sent_at)
  SELECT l.* FROM conversion_delivery_log l
  WHERE EXISTS (SELECT 1 FROM conversion_sent_requests r WHERE r.tenant_id = l.tenant_id
    AND r.destination_id = l.destination_id AND l.message_id = ANY(r.message_ids))
  ON CONFLICT DO NOTHING;
DROP VIEW conversion_delivery_log;
DROP TABLE conversion_sent_requests;
