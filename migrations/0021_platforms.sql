-- Trust engine, part 2: ad platform state shared by connectors and the
-- built-in simulated platform (domain/platforms).

-- +goose Up
-- Reported status of each connected platform.
CREATE TABLE platform_status (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  platform   text NOT NULL,
  status     text NOT NULL CHECK (status IN ('OPERATIONAL', 'DEGRADED', 'OUTAGE')),
  message    text NOT NULL DEFAULT '',
  changed_at timestamptz NOT NULL,
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, platform)
);
SELECT stratum_tenant_table('platform_status');

-- Campaigns as last synced from a platform (or produced by the simulator).
CREATE TABLE ad_campaigns (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  platform     text NOT NULL,
  account_id   text NOT NULL,
  external_id  text NOT NULL,
  name         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED')),
  daily_budget double precision NOT NULL CHECK (daily_budget >= 0),
  bid          double precision,
  target_roas  double precision,
  target_cpa   double precision,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, platform, external_id)
);
SELECT stratum_tenant_table('ad_campaigns');

-- Daily delivery metrics per campaign.
CREATE TABLE ad_campaign_metrics (
  tenant_id   uuid NOT NULL,
  campaign_id uuid NOT NULL,
  day         date NOT NULL,
  spend       double precision NOT NULL DEFAULT 0,
  impressions bigint NOT NULL DEFAULT 0,
  clicks      bigint NOT NULL DEFAULT 0,
  conversions double precision NOT NULL DEFAULT 0,
  revenue     double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, campaign_id, day),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES ad_campaigns (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('ad_campaign_metrics');

-- The simulator's per-tenant knobs: active degradations by component.
CREATE TABLE simulator_state (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  degradations jsonb NOT NULL DEFAULT '{}',
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('simulator_state');

-- Changes the simulator applied, keyed by the caller's idempotency key so a
-- retried apply is answered from here instead of being applied twice.
CREATE TABLE simulator_applied_changes (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key text NOT NULL,
  campaign_id     uuid NOT NULL,
  result          jsonb NOT NULL,
  applied_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
SELECT stratum_tenant_table('simulator_applied_changes');

-- The ids of simulated tenants, for the simulator's periodic tick (ids only,
-- like stratum_tenant_ids).
-- +goose StatementBegin
CREATE FUNCTION stratum_simulated_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT id FROM tenants WHERE simulated ORDER BY id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_simulated_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_simulated_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_simulated_tenant_ids();
DROP TABLE simulator_applied_changes;
DROP TABLE simulator_state;
DROP TABLE ad_campaign_metrics;
DROP TABLE ad_campaigns;
DROP TABLE platform_status;
