-- CDP computed traits (issue 14, docs/adr/0019, domain/cdp/trait*.go):
-- per-tenant definitions (an aggregation over one event name, an optional
-- property filter and a time window), each profile's current value with
-- the incremental state that keeps it up to date, and the per-profile row
-- that serialises the writers of a profile's computed traits.

-- +goose Up
-- A tenant's trait bookkeeping: its row is taken FOR SHARE by every batch
-- job that applies events to computed traits and FOR UPDATE by a change of
-- the definitions, so a definition never changes under a batch (and the
-- 100-definition bound is checked by one writer at a time).
CREATE TABLE cdp_trait_tenants (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- the periodic job's last identity reconciliation (profiles changed
  -- since are checked for merges, unmerges and splits)
  reconciled_at timestamptz,
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('cdp_trait_tenants');

CREATE TABLE cdp_trait_definitions (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  aggregation     text NOT NULL CHECK (aggregation IN ('COUNT', 'SUM', 'AVERAGE', 'MIN', 'MAX', 'FIRST', 'LAST',
                                                       'UNIQUE_COUNT', 'EXISTS', 'MOST_FREQUENT')),
  event           text NOT NULL CHECK (length(event) BETWEEN 1 AND 200),
  -- the property filter: a path of keys into the event's properties, an
  -- operator and a value (all NULL without a filter)
  filter_path     text[],
  filter_operator text CHECK (filter_operator IN ('EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'LESS_THAN', 'CONTAINS')),
  filter_value    text,
  -- the aggregated property (value aggregations only)
  value_path      text[],
  -- NULL: all time; else the last N UTC days, today included
  window_days     integer CHECK (window_days BETWEEN 1 AND 730),
  -- bumped by every change of what the trait computes (a backfill of an
  -- older version stops)
  version         integer NOT NULL DEFAULT 1,
  backfill_status text NOT NULL CHECK (backfill_status IN ('PENDING', 'RUNNING', 'DONE')),
  backfill_done   bigint NOT NULL DEFAULT 0,
  backfill_total  bigint NOT NULL DEFAULT 0,
  -- the last profile id the backfill finished (it goes on after it)
  backfill_after  uuid,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name),
  CHECK ((filter_path IS NULL) = (filter_operator IS NULL) AND (filter_path IS NULL) = (filter_value IS NULL))
);
CREATE INDEX cdp_trait_definitions_created ON cdp_trait_definitions (tenant_id, created_at, id);
SELECT stratum_tenant_table('cdp_trait_definitions');

-- One row per live profile whose computed traits were written: the lock
-- every writer of them takes first, and the signature (md5 of its userId
-- and anonymousId identifiers) of the identifiers its traits were computed
-- from; a merge, unmerge or split changes it and the traits are recomputed.
CREATE TABLE cdp_trait_profiles (
  tenant_id  uuid NOT NULL,
  profile_id uuid NOT NULL,
  ident_sig  text NOT NULL,
  PRIMARY KEY (tenant_id, profile_id)
);
SELECT stratum_tenant_table('cdp_trait_profiles');

-- A profile's current value of a trait: a row exists while at least one
-- matching event (with a usable value, for value aggregations) is in the
-- window. Other contexts (segments) read value and computed_at.
CREATE TABLE cdp_computed_traits (
  tenant_id     uuid NOT NULL,
  profile_id    uuid NOT NULL,
  definition_id uuid NOT NULL,
  -- a JSON number, string or boolean
  value         jsonb,
  computed_at   timestamptz NOT NULL,
  -- the incremental state (per-day buckets for a windowed trait)
  state         jsonb NOT NULL,
  -- a windowed trait's oldest day bucket: the expiry job finds rows by it
  oldest_day    date,
  PRIMARY KEY (tenant_id, profile_id, definition_id),
  FOREIGN KEY (tenant_id, definition_id) REFERENCES cdp_trait_definitions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX cdp_computed_traits_expiry ON cdp_computed_traits (tenant_id, definition_id, oldest_day) WHERE oldest_day IS NOT NULL;
CREATE INDEX cdp_computed_traits_definition ON cdp_computed_traits (tenant_id, definition_id);
SELECT stratum_tenant_table('cdp_computed_traits');

-- The tenants with trait definitions, for the periodic maintenance's
-- fan-out (ids only, like stratum_cdp_tenant_ids).
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_trait_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT tenant_id FROM cdp_trait_definitions ORDER BY tenant_id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_trait_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_trait_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_cdp_trait_tenant_ids();
DROP TABLE cdp_computed_traits;
DROP TABLE cdp_trait_profiles;
DROP TABLE cdp_trait_definitions;
DROP TABLE cdp_trait_tenants;
