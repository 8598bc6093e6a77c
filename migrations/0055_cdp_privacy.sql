-- CDP consent and privacy (issue 14, docs/adr/0018): consent per profile
-- and purpose with its history, data-subject requests (export, deletion)
-- with their progress and the export's JSON, and the suppressions a
-- deletion leaves (identifier hashes only) so later events of an erased
-- person are dropped by the batch job and counted.

-- +goose Up
-- A profile's current consent per purpose: the latest decision (by when it
-- was made), whoever made it.
CREATE TABLE cdp_consents (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  profile_id uuid NOT NULL,
  purpose    text NOT NULL CHECK (purpose IN ('ANALYTICS', 'ADS', 'EMAIL', 'SMS')),
  granted    boolean NOT NULL,
  source     text NOT NULL CHECK (source IN ('EVENT', 'OPERATOR')),
  -- when the person decided: the event's time, or the operator's change
  decided_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, profile_id, purpose),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES cdp_profiles (tenant_id, id)
);
SELECT stratum_tenant_table('cdp_consents');

-- Every change of a consent (append-only; a decision equal to the current
-- one adds nothing).
CREATE TABLE cdp_consent_history (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  profile_id  uuid NOT NULL,
  purpose     text NOT NULL CHECK (purpose IN ('ANALYTICS', 'ADS', 'EMAIL', 'SMS')),
  granted     boolean NOT NULL,
  source      text NOT NULL CHECK (source IN ('EVENT', 'OPERATOR')),
  decided_at  timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  -- the operator (user) who set it; NULL for events
  actor_id    uuid,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES cdp_profiles (tenant_id, id)
);
CREATE INDEX cdp_consent_history_profile ON cdp_consent_history (tenant_id, profile_id, decided_at DESC);
SELECT stratum_tenant_table('cdp_consent_history');

-- Data-subject requests. profile_id is cleared when a deletion is done
-- (the erased person leaves no id behind); export holds the export's JSON
-- until expires_at.
CREATE TABLE cdp_privacy_requests (
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                 uuid NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('EXPORT', 'DELETE')),
  status             text NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED')),
  profile_id         uuid,
  requested_by       uuid,
  requested_by_type  text NOT NULL CHECK (requested_by_type IN ('USER', 'API_KEY', 'SYSTEM')),
  progress_done      bigint NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total     bigint NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
  error              text CHECK (length(error) <= 500),
  erased_events      bigint NOT NULL DEFAULT 0,
  erased_identifiers integer NOT NULL DEFAULT 0,
  export             bytea,
  export_bytes       integer,
  expires_at         timestamptz,
  created_at         timestamptz NOT NULL,
  started_at         timestamptz,
  finished_at        timestamptz,
  -- where a running request's scan of the events is (the primary key of
  -- the last event scanned, JSON): a job stopped by its time budget goes
  -- on from there; a running export keeps its events so far in export
  scan_cursor        jsonb,
  PRIMARY KEY (tenant_id, id),
  CHECK (kind = 'EXPORT' OR export IS NULL)
);
CREATE INDEX cdp_privacy_requests_created ON cdp_privacy_requests (tenant_id, created_at DESC, id DESC);
SELECT stratum_tenant_table('cdp_privacy_requests');

-- Identifiers of erased people, as (type, SHA-256 of the normalised value):
-- an event carrying one is dropped by the batch job and counted here.
CREATE TABLE cdp_suppressions (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  identifier_type text NOT NULL,
  value_hash      text NOT NULL CHECK (value_hash ~ '^[0-9a-f]{64}$'),
  request_id      uuid NOT NULL,
  created_at      timestamptz NOT NULL,
  dropped_events  bigint NOT NULL DEFAULT 0 CHECK (dropped_events >= 0),
  last_dropped_at timestamptz,
  PRIMARY KEY (tenant_id, identifier_type, value_hash)
);
SELECT stratum_tenant_table('cdp_suppressions');

-- stratum_cdp_purge_exports removes the JSON of exports that expired before
-- `before` (of every tenant: the periodic privacy.purge_exports job) and
-- returns how many. SECURITY DEFINER because the purge is global while the
-- table's policy shows a transaction only its own tenant's rows; it returns
-- a count, never data.
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_purge_exports(before timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  n integer;
BEGIN
  UPDATE cdp_privacy_requests SET export = NULL WHERE export IS NOT NULL AND expires_at <= before;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_purge_exports(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_purge_exports(timestamptz) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_cdp_purge_exports(timestamptz);
DROP TABLE cdp_suppressions;
DROP TABLE cdp_privacy_requests;
DROP TABLE cdp_consent_history;
DROP TABLE cdp_consents;
