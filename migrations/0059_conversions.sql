-- Server-side conversions (issue 15, docs/adr/0022): destinations a
-- tenant's CDP events are forwarded to, and one delivery row per
-- (destination, CDP event) — the idempotency key that makes a retried or
-- crashed job send an event once. A delivery does not copy the event's
-- personal data: it points at the event (batch_id, source_id, message_id,
-- received_at: cdp_events' primary key) and the payload is rebuilt when it
-- is sent, so erasing a profile's events erases what would be forwarded.

-- +goose Up
CREATE TABLE conversion_destinations (
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                  uuid NOT NULL,
  platform            text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT')),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- secretbox-sealed JSON object of the credential fields; never returned.
  credentials         bytea NOT NULL,
  -- Which credential fields are set (shown to people instead of values).
  credential_keys     text[] NOT NULL,
  -- NULL: the platform's own API.
  base_url            text,
  test_event_code     text,
  -- [{"source": "Order Completed", "target": "Purchase", "value": "properties.revenue", ...}]
  event_mappings      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(event_mappings) = 'array'),
  -- Meta's data_processing_options ["LDU"].
  limited_data_use    boolean NOT NULL DEFAULT false,
  -- Forward profiles without an ADS consent decision on the ground of
  -- legitimate interest (recorded with who set it and when).
  legitimate_interest boolean NOT NULL DEFAULT false,
  legitimate_interest_set_by uuid,
  legitimate_interest_set_at timestamptz,
  enabled             boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX conversion_destinations_created ON conversion_destinations (tenant_id, created_at, id);
SELECT stratum_tenant_table('conversion_destinations');

CREATE TABLE conversion_deliveries (
  tenant_id       uuid NOT NULL,
  destination_id  uuid NOT NULL,
  -- The CDP event's messageId: with destination_id, the idempotency key.
  message_id      text NOT NULL,
  -- Where the event is (cdp_events' primary key with tenant_id, message_id).
  batch_id        uuid NOT NULL,
  source_id       uuid NOT NULL,
  received_at     timestamptz NOT NULL,
  profile_id      uuid,
  -- The CDP event's name and the platform's event name it maps to.
  source_event    text NOT NULL,
  event_name      text NOT NULL,
  event_time      timestamptz NOT NULL,
  status          text NOT NULL CHECK (status IN ('PENDING', 'SENDING', 'SENT', 'RETRY', 'FAILED', 'DEAD', 'SKIPPED')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  -- Credential-free summaries of the last attempt.
  request_summary text,
  response        text,
  error_code      text,
  latency_ms      integer,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  PRIMARY KEY (tenant_id, destination_id, message_id),
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE
);
-- The sender's queue: what is due, oldest first.
CREATE INDEX conversion_deliveries_due ON conversion_deliveries (tenant_id, destination_id, next_attempt_at)
  WHERE status IN ('PENDING', 'RETRY');
-- The delivery log: newest first, filtered by status and event name.
CREATE INDEX conversion_deliveries_log ON conversion_deliveries (tenant_id, destination_id, created_at DESC, message_id);
SELECT stratum_tenant_table('conversion_deliveries');

-- +goose Down
DROP TABLE conversion_deliveries;
DROP TABLE conversion_destinations;
