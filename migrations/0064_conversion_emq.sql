-- Event match quality (issue 15, docs/adr/0022 "EMQ"): per destination,
-- platform event name and hour, the counts the EMQ estimate is computed
-- from (package domain/conversions/emq), added to by the delivery
-- pipeline in the transaction that records each batch, and the platform's
-- own score where it reports one (Meta's dataset quality).

-- +goose Up
CREATE TABLE conversion_emq_hourly (
  tenant_id      uuid NOT NULL,
  destination_id uuid NOT NULL,
  -- The platform's event name (e.g. Purchase).
  event_name     text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 200),
  hour           timestamptz NOT NULL CHECK (date_trunc('hour', hour) = hour),
  -- The destination's platform (denormalised: the signal measurement
  -- aggregates every destination of a platform).
  platform       text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT')),
  events         integer NOT NULL DEFAULT 0 CHECK (events >= 0),
  -- {"email": 41, "phone": 12, ...}: events carrying a valid value.
  valid          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(valid) = 'object'),
  -- Sum over the events of their timeliness (0–1 each).
  timeliness     double precision NOT NULL DEFAULT 0 CHECK (timeliness >= 0),
  -- The platform's own score for the event (0–10), when fetched in this hour.
  platform_score double precision CHECK (platform_score BETWEEN 0 AND 10),
  platform_score_at timestamptz,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, destination_id, event_name, hour),
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE
);
-- The signal measurement reads a platform's recent hours.
CREATE INDEX conversion_emq_hourly_platform ON conversion_emq_hourly (tenant_id, platform, hour);
SELECT stratum_tenant_table('conversion_emq_hourly');

-- +goose Down
DROP TABLE conversion_emq_hourly;
