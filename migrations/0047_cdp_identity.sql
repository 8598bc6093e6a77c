-- CDP identity resolution (issue 13, docs/adr/0017, domain/cdp/identity.go):
-- profiles, the identifiers that name them (one profile per normalised
-- identifier), the history of merges (which an operator can undo) and the
-- links refused by the over-merge limits. A merged (absorbed) profile stays
-- as a tombstone whose merged_into names the final survivor.

-- +goose Up
CREATE TABLE cdp_profiles (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  -- the oldest profile (created_at, then id) survives a merge
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  -- set on an absorbed profile: the survivor (kept pointing at the final
  -- one when the survivor is absorbed in turn)
  merged_into     uuid,
  merged_at       timestamptz,
  first_seen_at   timestamptz NOT NULL,
  last_seen_at    timestamptz NOT NULL,
  lifecycle_stage text NOT NULL DEFAULT 'ANONYMOUS'
                  CHECK (lifecycle_stage IN ('ANONYMOUS', 'KNOWN', 'CUSTOMER', 'CHURNED')),
  traits          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(traits) = 'object'),
  event_count     bigint NOT NULL DEFAULT 0 CHECK (event_count >= 0),
  session_count   bigint NOT NULL DEFAULT 0 CHECK (session_count >= 0),
  purchase_count  bigint NOT NULL DEFAULT 0 CHECK (purchase_count >= 0),
  revenue_micros  bigint NOT NULL DEFAULT 0,
  -- how many profiles were merged into this one (the 100-merge cap)
  merge_count     integer NOT NULL DEFAULT 0 CHECK (merge_count >= 0),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, merged_into) REFERENCES cdp_profiles (tenant_id, id),
  CHECK (merged_into IS NULL OR merged_into <> id),
  CHECK ((merged_into IS NULL) = (merged_at IS NULL)),
  CHECK (first_seen_at <= last_seen_at)
);
CREATE INDEX cdp_profiles_merged_into ON cdp_profiles (tenant_id, merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX cdp_profiles_last_seen ON cdp_profiles (tenant_id, last_seen_at DESC) WHERE merged_into IS NULL;
SELECT stratum_tenant_table('cdp_profiles');

CREATE TABLE cdp_identifiers (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type       text NOT NULL CHECK (type IN ('USER_ID', 'EXTERNAL_ID', 'EMAIL', 'PHONE', 'DEVICE_ID', 'ANONYMOUS_ID')),
  -- normalised (email trimmed and lower-cased, phone E.164)
  value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 512),
  -- SHA-256 of value, lower-case hex
  value_hash text NOT NULL CHECK (value_hash ~ '^[0-9a-f]{64}$'),
  profile_id uuid NOT NULL,
  priority   smallint NOT NULL CHECK (priority > 0),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, type, value),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES cdp_profiles (tenant_id, id)
);
CREATE INDEX cdp_identifiers_profile ON cdp_identifiers (tenant_id, profile_id);
CREATE INDEX cdp_identifiers_hash ON cdp_identifiers (tenant_id, value_hash);
SELECT stratum_tenant_table('cdp_identifiers');

CREATE TABLE cdp_profile_merges (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  survivor_id uuid NOT NULL,
  absorbed_id uuid NOT NULL,
  reason      text NOT NULL CHECK (reason IN ('LINK')),
  -- the identifiers whose link merged the two ([{type, value}])
  link        jsonb NOT NULL CHECK (jsonb_typeof(link) = 'array'),
  -- the identifiers the absorbed profile brought ([{type, value}]): what
  -- an unmerge gives back
  identifiers jsonb NOT NULL CHECK (jsonb_typeof(identifiers) = 'array'),
  merged_at   timestamptz NOT NULL,
  undone_at   timestamptz,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, survivor_id) REFERENCES cdp_profiles (tenant_id, id),
  FOREIGN KEY (tenant_id, absorbed_id) REFERENCES cdp_profiles (tenant_id, id),
  CHECK (survivor_id <> absorbed_id)
);
CREATE INDEX cdp_profile_merges_survivor ON cdp_profile_merges (tenant_id, survivor_id, merged_at);
CREATE INDEX cdp_profile_merges_absorbed ON cdp_profile_merges (tenant_id, absorbed_id, merged_at);
SELECT stratum_tenant_table('cdp_profile_merges');

-- Links refused by the over-merge limits: identifier (which gave way) was
-- not joined to profile_id (whose strongest identifier of the call was
-- linked_type/linked_value); it stayed on identifier_profile_id.
CREATE TABLE cdp_refused_links (
  tenant_id             uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                    uuid NOT NULL,
  profile_id            uuid NOT NULL,
  identifier_type       text NOT NULL,
  identifier_value      text NOT NULL,
  identifier_profile_id uuid NOT NULL,
  linked_type           text NOT NULL,
  linked_value          text NOT NULL,
  reason                text NOT NULL CHECK (reason IN ('TYPE_LIMIT', 'MERGE_LIMIT', 'IDENTIFIER_LIMIT')),
  detail                text NOT NULL CHECK (length(detail) <= 500),
  first_refused_at      timestamptz NOT NULL,
  last_refused_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, profile_id, identifier_type, identifier_value, reason),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES cdp_profiles (tenant_id, id),
  FOREIGN KEY (tenant_id, identifier_profile_id) REFERENCES cdp_profiles (tenant_id, id)
);
SELECT stratum_tenant_table('cdp_refused_links');

-- A tenant's identity settings; no row (or a NULL column): the server's
-- defaults (cdp.Identity).
CREATE TABLE cdp_identity_settings (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  default_region text CHECK (default_region ~ '^[A-Z]{2}$'),
  -- replaces the default junk list when not NULL
  junk_values    text[],
  updated_at     timestamptz NOT NULL,
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('cdp_identity_settings');

-- +goose Down
DROP TABLE cdp_identity_settings;
DROP TABLE cdp_refused_links;
DROP TABLE cdp_profile_merges;
DROP TABLE cdp_identifiers;
DROP TABLE cdp_profiles;
