-- Ad-platform connectors (issue 12, docs/adr/0015): OAuth connections with
-- sealed tokens, the ad accounts they reach, campaign structure below
-- campaigns (ad groups, ads), sync runs, and money as int64 micros of the
-- account's currency instead of floating-point amounts.

-- +goose Up

-- A grant of access to one platform (or the simulator-backed sandbox).
-- Tokens are stored only sealed (AES-GCM, token_key_id names the key), never
-- in clear.
CREATE TABLE platform_connections (
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 uuid NOT NULL,
  platform           text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT', 'SIMULATOR')),
  -- sandbox connections are backed by the simulator: simulated data,
  -- outside billing limits, removable.
  sandbox            boolean NOT NULL DEFAULT false CHECK (sandbox = (platform = 'SIMULATOR')),
  status             text NOT NULL DEFAULT 'OK' CHECK (status IN ('OK', 'DEGRADED', 'DOWN', 'NEEDS_REAUTH')),
  status_message     text NOT NULL DEFAULT '' CHECK (length(status_message) <= 2000),
  -- the platform's id of the user/app that granted access ('' for sandbox)
  external_user_id   text NOT NULL DEFAULT '' CHECK (length(external_user_id) <= 200),
  token_sealed       bytea,
  token_key_id       text,
  token_expires_at   timestamptz,
  refresh_expires_at timestamptz,
  scopes             text[] NOT NULL DEFAULT '{}',
  last_sync_at       timestamptz,
  last_error         text NOT NULL DEFAULT '' CHECK (length(last_error) <= 2000),
  last_error_at      timestamptz,
  created_by         uuid,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  CHECK (sandbox OR token_sealed IS NOT NULL)
);
SELECT stratum_tenant_table('platform_connections');
-- Reconnecting the same platform user refreshes its connection.
CREATE UNIQUE INDEX platform_connections_user ON platform_connections (tenant_id, platform, external_user_id);
CREATE INDEX platform_connections_refresh ON platform_connections (token_expires_at) WHERE token_expires_at IS NOT NULL;

-- Pending OAuth authorizations: the state (stored hashed) is bound to the
-- user and tenant that started it, single-use and short-lived; the PKCE
-- verifier is sealed.
CREATE TABLE platform_oauth_states (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  state_hash      bytea NOT NULL,
  user_id         uuid NOT NULL,
  platform        text NOT NULL,
  redirect_uri    text NOT NULL CHECK (length(redirect_uri) <= 2048),
  return_to       text NOT NULL DEFAULT '' CHECK (length(return_to) <= 2048),
  verifier_sealed bytea,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz,
  PRIMARY KEY (tenant_id, state_hash)
);
SELECT stratum_tenant_table('platform_oauth_states');

-- The ad accounts a connection reaches; selected ones are synced (and count
-- against the plan's connected-account limit unless sandbox).
CREATE TABLE ad_accounts (
  tenant_id        uuid NOT NULL,
  id               uuid NOT NULL,
  connection_id    uuid NOT NULL,
  platform         text NOT NULL,
  external_id      text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  name             text NOT NULL DEFAULT '' CHECK (length(name) <= 500),
  currency         text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
  time_zone        text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
  parent_id        text NOT NULL DEFAULT '' CHECK (length(parent_id) <= 200),
  platform_status  text NOT NULL DEFAULT '' CHECK (length(platform_status) <= 100),
  sandbox          boolean NOT NULL DEFAULT false,
  selected         boolean NOT NULL DEFAULT false,
  -- insights are complete through this day (account time zone); the next
  -- incremental sync starts a re-sync window before it.
  insights_through date,
  structure_synced_at timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, connection_id, external_id),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES platform_connections (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('ad_accounts');
CREATE INDEX ad_accounts_selected ON ad_accounts (tenant_id) WHERE selected;

-- Campaigns now belong to an ad account (NULL for the demo tenant's legacy
-- simulator campaigns) and keep money in micros.
ALTER TABLE ad_campaigns
  ADD COLUMN ad_account_id uuid,
  ADD COLUMN objective text NOT NULL DEFAULT '' CHECK (length(objective) <= 100),
  ADD COLUMN budget_id text NOT NULL DEFAULT '' CHECK (length(budget_id) <= 200),
  ADD COLUMN daily_budget_micros bigint,
  ADD COLUMN bid_micros bigint,
  ADD COLUMN target_cpa_micros bigint,
  ADD FOREIGN KEY (tenant_id, ad_account_id) REFERENCES ad_accounts (tenant_id, id) ON DELETE CASCADE;
UPDATE ad_campaigns SET daily_budget_micros = round(daily_budget * 1000000)::bigint,
  bid_micros = round(bid * 1000000)::bigint, target_cpa_micros = round(target_cpa * 1000000)::bigint;
ALTER TABLE ad_campaigns
  ALTER COLUMN daily_budget_micros SET NOT NULL,
  ADD CHECK (daily_budget_micros >= 0),
  ADD CHECK (bid_micros IS NULL OR bid_micros >= 0),
  DROP COLUMN daily_budget, DROP COLUMN bid, DROP COLUMN target_cpa,
  DROP CONSTRAINT ad_campaigns_status_check,
  ADD CONSTRAINT ad_campaigns_status_check CHECK (status IN ('ACTIVE', 'PAUSED', 'ARCHIVED'));
CREATE INDEX ad_campaigns_account ON ad_campaigns (tenant_id, ad_account_id);
CREATE INDEX ad_campaigns_name ON ad_campaigns (tenant_id, lower(name) text_pattern_ops);

ALTER TABLE ad_campaign_metrics
  ADD COLUMN spend_micros bigint,
  ADD COLUMN revenue_micros bigint;
UPDATE ad_campaign_metrics SET spend_micros = round(spend * 1000000)::bigint, revenue_micros = round(revenue * 1000000)::bigint;
ALTER TABLE ad_campaign_metrics
  ALTER COLUMN spend_micros SET NOT NULL, ALTER COLUMN spend_micros SET DEFAULT 0,
  ALTER COLUMN revenue_micros SET NOT NULL, ALTER COLUMN revenue_micros SET DEFAULT 0,
  DROP COLUMN spend, DROP COLUMN revenue;

-- Ad sets (Meta), ad groups (Google, TikTok), ad squads (Snapchat).
CREATE TABLE ad_groups (
  tenant_id           uuid NOT NULL,
  id                  uuid NOT NULL,
  campaign_id         uuid NOT NULL,
  external_id         text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  name                text NOT NULL DEFAULT '' CHECK (length(name) <= 500),
  status              text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'ARCHIVED')),
  daily_budget_micros bigint NOT NULL DEFAULT 0 CHECK (daily_budget_micros >= 0),
  bid_micros          bigint NOT NULL DEFAULT 0 CHECK (bid_micros >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, campaign_id, external_id),
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES ad_campaigns (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('ad_groups');

CREATE TABLE ads (
  tenant_id   uuid NOT NULL,
  id          uuid NOT NULL,
  ad_group_id uuid NOT NULL,
  external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
  name        text NOT NULL DEFAULT '' CHECK (length(name) <= 500),
  status      text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED', 'ARCHIVED')),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ad_group_id, external_id),
  FOREIGN KEY (tenant_id, ad_group_id) REFERENCES ad_groups (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('ads');

-- One sync of one account: structure, an insights window, or a chunked
-- backfill. At most one queued or running run per account, kind and window
-- (with River's unique jobs, overlapping schedules and several workers never
-- run the same sync twice). A backfill resumes from resume_from.
CREATE TABLE sync_runs (
  tenant_id      uuid NOT NULL,
  id             uuid NOT NULL,
  connection_id  uuid NOT NULL,
  ad_account_id  uuid NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('STRUCTURE', 'INSIGHTS', 'BACKFILL')),
  trigger        text NOT NULL CHECK (trigger IN ('SCHEDULE', 'USER')),
  window_from    date,
  window_to      date,
  resume_from    date,
  status         text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
  progress_done  integer NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total integer NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
  rows_written   bigint NOT NULL DEFAULT 0,
  error          text NOT NULL DEFAULT '' CHECK (length(error) <= 2000),
  requested_by   uuid,
  queued_at      timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, ad_account_id) REFERENCES ad_accounts (tenant_id, id) ON DELETE CASCADE,
  CHECK (window_from IS NULL OR window_to >= window_from)
);
SELECT stratum_tenant_table('sync_runs');
CREATE UNIQUE INDEX sync_runs_one_active ON sync_runs (tenant_id, ad_account_id, kind, coalesce(window_from, '-infinity'), coalesce(window_to, '-infinity'))
  WHERE status IN ('QUEUED', 'RUNNING');
CREATE INDEX sync_runs_recent ON sync_runs (tenant_id, queued_at DESC, id DESC);

-- +goose Down
DROP TABLE sync_runs;
DROP TABLE ads;
DROP TABLE ad_groups;
ALTER TABLE ad_campaign_metrics ADD COLUMN spend double precision NOT NULL DEFAULT 0, ADD COLUMN revenue double precision NOT NULL DEFAULT 0;
UPDATE ad_campaign_metrics SET spend = spend_micros / 1000000.0, revenue = revenue_micros / 1000000.0;
ALTER TABLE ad_campaign_metrics DROP COLUMN spend_micros, DROP COLUMN revenue_micros;
DELETE FROM ad_campaigns WHERE status = 'ARCHIVED';
ALTER TABLE ad_campaigns ADD COLUMN daily_budget double precision, ADD COLUMN bid double precision, ADD COLUMN target_cpa double precision;
UPDATE ad_campaigns SET daily_budget = daily_budget_micros / 1000000.0, bid = bid_micros / 1000000.0, target_cpa = target_cpa_micros / 1000000.0;
DROP INDEX ad_campaigns_name;
DROP INDEX ad_campaigns_account;
ALTER TABLE ad_campaigns
  ALTER COLUMN daily_budget SET NOT NULL,
  DROP CONSTRAINT ad_campaigns_status_check,
  ADD CONSTRAINT ad_campaigns_status_check CHECK (status IN ('ACTIVE', 'PAUSED')),
  DROP COLUMN ad_account_id, DROP COLUMN objective, DROP COLUMN budget_id,
  DROP COLUMN daily_budget_micros, DROP COLUMN bid_micros, DROP COLUMN target_cpa_micros;
DROP TABLE ad_accounts;
DROP TABLE platform_oauth_states;
DROP TABLE platform_connections;
