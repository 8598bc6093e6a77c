-- Customer data platform, part 2 (issue 14, docs/adr/0021): RFM scores and
-- funnels.
--
-- RFM: a tenant's settings (lookback, purchase event names, value
-- property), each live profile's latest scores (cdp_profile_rfm, replaced
-- whole by every refresh) and the latest refresh's per-cell summary.
-- Funnels: their definitions (the reports are computed on demand over
-- cdp_events and not stored).

-- +goose Up
-- No row, or a NULL column: the defaults (cdp.DefaultRFMSettings).
CREATE TABLE cdp_rfm_settings (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  lookback_days  integer CHECK (lookback_days BETWEEN 1 AND 3650),
  event_names    text[] CHECK (cardinality(event_names) BETWEEN 1 AND 20),
  -- NULL: properties.revenue, else properties.total (the e-commerce spec,
  -- as the profiles' revenue counter reads it)
  value_property text CHECK (length(value_property) BETWEEN 1 AND 100),
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('cdp_rfm_settings');

-- The scores of the live profiles with a purchase in the lookback as of
-- computed_at (1 worst – 5 best); the named cell is segment.
CREATE TABLE cdp_profile_rfm (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id  uuid NOT NULL,
  r           smallint NOT NULL CHECK (r BETWEEN 1 AND 5),
  f           smallint NOT NULL CHECK (f BETWEEN 1 AND 5),
  m           smallint NOT NULL CHECK (m BETWEEN 1 AND 5),
  segment     text NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES cdp_profiles (tenant_id, id) ON DELETE CASCADE
);
-- A cell's members, in profile order.
CREATE INDEX cdp_profile_rfm_segment ON cdp_profile_rfm (tenant_id, segment, profile_id);
SELECT stratum_tenant_table('cdp_profile_rfm');

-- The latest refresh: when, over which settings, and per cell its
-- profiles and revenue ([{name, count, revenueMicros}]).
CREATE TABLE cdp_rfm_reports (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  computed_at   timestamptz NOT NULL,
  lookback_days integer NOT NULL,
  profiles      integer NOT NULL,
  cells         jsonb NOT NULL CHECK (jsonb_typeof(cells) = 'array'),
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('cdp_rfm_reports');

CREATE TABLE cdp_funnels (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  -- [{event, filter: {path: [..], operator, value} | null}], 2–10 steps
  steps          jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) BETWEEN 2 AND 10),
  window_seconds integer NOT NULL CHECK (window_seconds BETWEEN 60 AND 7776000),
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cdp_funnels_created ON cdp_funnels (tenant_id, created_at, id);
SELECT stratum_tenant_table('cdp_funnels');

-- The reports read track events by name and time (and find their profile
-- through the identifiers' primary key). Building it blocks writes to
-- cdp_events while it runs; on a large table an operator may build it
-- first (CREATE INDEX ... ON ONLY cdp_events, then CONCURRENTLY on each
-- partition and ATTACH), which IF NOT EXISTS then keeps.
CREATE INDEX IF NOT EXISTS cdp_events_track_name ON cdp_events (tenant_id, event, "timestamp") WHERE type = 'track';

-- +goose Down
DROP INDEX IF EXISTS cdp_events_track_name;
DROP TABLE cdp_funnels;
DROP TABLE cdp_rfm_reports;
DROP TABLE cdp_profile_rfm;
DROP TABLE cdp_rfm_settings;
