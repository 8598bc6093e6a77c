-- Trust engine, part 1: signal measurements and signal health (domain/signals).

-- +goose Up
-- One table of measurements from any source (platform syncs, CAPI delivery
-- and EMQ, CDP ingestion, the simulator). platform '' means tenant-wide (CDP).
-- The natural key makes a re-sent measurement an update, never a duplicate.
CREATE TABLE signal_measurements (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  platform    text NOT NULL CHECK (platform ~ '^[A-Z_]{0,32}$'),
  metric      text NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
  source      text NOT NULL CHECK (length(source) BETWEEN 1 AND 64),
  observed_at timestamptz NOT NULL,
  value       double precision NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, platform, metric, source, observed_at)
);
-- Covering, so the recompute's window read is an index-only scan.
CREATE INDEX signal_measurements_recent ON signal_measurements (tenant_id, observed_at DESC) INCLUDE (platform, metric, value);
SELECT stratum_tenant_table('signal_measurements');

-- One row per tenant that orders writers and recomputes: Record bumps
-- version (holding the row lock until the writer commits) and Recompute
-- locks the row first, so a recompute never reads around a writer that is
-- about to commit (see jobs/trust.go for the debounce this makes safe).
CREATE TABLE signal_recompute_state (
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  version   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('signal_recompute_state');

-- The current health per tenant and platform ('' = overall).
CREATE TABLE signal_health (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  platform          text NOT NULL,
  score             double precision NOT NULL CHECK (score BETWEEN 0 AND 100),
  status            text NOT NULL CHECK (status IN ('HEALTHY', 'DEGRADED', 'UNHEALTHY')),
  components        jsonb NOT NULL DEFAULT '[]',
  issues            jsonb NOT NULL DEFAULT '[]',
  emq               double precision,
  outage            boolean NOT NULL DEFAULT false,
  computed_at       timestamptz NOT NULL,
  status_changed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, platform)
);
SELECT stratum_tenant_table('signal_health');

-- Health history: one row per tenant/platform per hour and per day.
CREATE TABLE signal_health_history (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  platform    text NOT NULL,
  granularity text NOT NULL CHECK (granularity IN ('HOUR', 'DAY')),
  bucket      timestamptz NOT NULL,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  score_avg   double precision NOT NULL,
  score_min   double precision NOT NULL,
  score_max   double precision NOT NULL,
  samples     integer NOT NULL,
  last_score  double precision NOT NULL,
  last_status text NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, platform, granularity, bucket)
);
SELECT stratum_tenant_table('signal_health_history');

-- +goose Down
DROP TABLE signal_health_history;
DROP TABLE signal_health;
DROP TABLE signal_recompute_state;
DROP TABLE signal_measurements;
