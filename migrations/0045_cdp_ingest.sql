-- Customer data platform, ingestion (issue 13, docs/adr/0016): sources and
-- their write keys, the append-only events table partitioned by month, the
-- per-source messageId dedup table and the committed batches that drive the
-- downstream work (one River job each).

-- +goose Up
CREATE TABLE cdp_sources (
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 uuid NOT NULL,
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  enabled            boolean NOT NULL DEFAULT true,
  -- SHA-256 of the write key; the key itself is shown once and never stored.
  write_key_hash     bytea NOT NULL UNIQUE CHECK (length(write_key_hash) = 32),
  -- The key's first characters, to tell keys apart on screen.
  write_key_prefix   text NOT NULL,
  rate_limit_per_sec integer NOT NULL DEFAULT 1000 CHECK (rate_limit_per_sec BETWEEN 1 AND 1000000),
  received           bigint NOT NULL DEFAULT 0,
  rejected           bigint NOT NULL DEFAULT 0,
  last_event_at      timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cdp_sources_created ON cdp_sources (tenant_id, created_at, id);
SELECT stratum_tenant_table('cdp_sources');

-- One row per (source, messageId) ever accepted: the dedup key. A separate,
-- unpartitioned table because a unique key of the partitioned events table
-- must include the partition key (received_at), so it could not stop a
-- retry that arrives in another month (ADR 0016). received_at lets a
-- retention job prune it.
CREATE TABLE cdp_message_ids (
  tenant_id   uuid NOT NULL,
  source_id   uuid NOT NULL,
  message_id  text NOT NULL,
  -- Where the event is: cdp_events' key is (tenant_id, batch_id, source_id,
  -- message_id, received_at).
  batch_id    uuid NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, source_id, message_id)
);
SELECT stratum_tenant_table('cdp_message_ids');

-- A committed group of events of one tenant (one transaction of the group
-- committer); its River job (cdp.process_batch) marks it processed.
CREATE TABLE cdp_batches (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  events       integer NOT NULL,
  -- [{"id": source id, "events": n, "last": newest received_at}]
  sources      jsonb NOT NULL,
  created_at   timestamptz NOT NULL,
  processed_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT stratum_tenant_table('cdp_batches');

-- Append-only. No foreign keys (each costs a lookup per row on the hot
-- path) and one index; the dedup row in cdp_message_ids is written in the
-- same statement.
CREATE TABLE cdp_events (
  tenant_id          uuid NOT NULL,
  source_id          uuid NOT NULL,
  message_id         text NOT NULL,
  received_at        timestamptz NOT NULL,
  batch_id           uuid NOT NULL,
  type               text NOT NULL CHECK (type IN ('track','identify','page','screen','group','alias')),
  -- track: the event's name; page and screen: the page's or screen's name.
  event              text,
  anonymous_id       text,
  user_id            text,
  group_id           text,
  previous_id        text,
  original_timestamp timestamptz,
  sent_at            timestamptz,
  -- original_timestamp + (received_at - sent_at): the client's clock skew removed.
  "timestamp"        timestamptz NOT NULL,
  properties         jsonb,
  traits             jsonb,
  context            jsonb,
  integrations       jsonb,
  payload_size       integer NOT NULL,
  -- One index serves both reads: a batch's events (the downstream job) by
  -- its prefix, one event by its messageId through cdp_message_ids.batch_id.
  PRIMARY KEY (tenant_id, batch_id, source_id, message_id, received_at)
) PARTITION BY RANGE (received_at);
SELECT stratum_tenant_table('cdp_events');

-- Finds a source by its write key's hash before the tenant is known (the
-- tracking API's authentication), like stratum_find_api_key.
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_source_by_key(h bytea)
RETURNS TABLE (tenant_id uuid, source_id uuid, enabled boolean, rate_limit_per_sec integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT s.tenant_id, s.id, s.enabled, s.rate_limit_per_sec FROM cdp_sources s WHERE s.write_key_hash = h
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_source_by_key(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_source_by_key(bytea) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_cdp_source_by_key(bytea);
DROP TABLE cdp_events;
DROP TABLE cdp_batches;
DROP TABLE cdp_message_ids;
DROP TABLE cdp_sources;
