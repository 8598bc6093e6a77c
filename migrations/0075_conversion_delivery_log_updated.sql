-- The delivery log view's updated_at of a sent request's event is when it
-- was sent (its last change), as Deliveries.List answers it — not when the
-- flush decided it (created_at), which came before its sent_at.

-- +goose Up
CREATE OR REPLACE VIEW conversion_delivery_log WITH (security_invoker = true) AS
  SELECT tenant_id, destination_id, id, message_id, batch_id, source_id, received_at, profile_id, source_event, event_name,
    event_time, status, attempts, next_attempt_at, request_summary, response, error_code, latency_ms, legal_basis,
    created_at, updated_at, sent_at
  FROM conversion_deliveries
  UNION ALL
  SELECT r.tenant_id, r.destination_id, overlay(r.id::text PLACING lpad(to_hex(e.n - 1), 8, '0') FROM 29)::uuid,
    e.message_id, e.batch_id, e.source_id, e.received_at, nullif(e.profile_id, '00000000-0000-0000-0000-000000000000'),
    e.source_event, e.event_name, e.event_time, 'SENT', e.attempts, NULL, r.request_summary, r.response, NULL,
    r.latency_ms, e.legal_basis, r.created_at, r.sent_at, r.sent_at
  FROM conversion_sent_requests r,
    unnest(r.message_ids, r.batch_ids, r.source_ids, r.received_at, r.profile_ids, r.source_events, r.event_names,
      r.event_times, r.attempts, r.legal_bases)
      WITH ORDINALITY AS e(message_id, batch_id, source_id, received_at, profile_id, source_event, event_name, event_time,
        attempts, legal_basis, n);

-- +goose Down
CREATE OR REPLACE VIEW conversion_delivery_log WITH (security_invoker = true) AS
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
