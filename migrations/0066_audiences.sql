-- Audience sync (issue 15, docs/adr/0023-audience-sync.md): a segment kept
-- in step with a customer-list audience on one ad account of a platform
-- connection. audiences holds the sync's state: the platform's audience id
-- once created, the status, size and progress the API shows, the cursor
-- into the segment's membership changes (cdp_segment_membership_changes.id)
-- up to which changes are applied, and where an interrupted full pass
-- resumes. audience_members is what the platform was sent and accepted per
-- profile (the platform's own SHA-256 digests), so adds and removes are
-- exact: nothing is uploaded twice and a removal sends what was added.

-- +goose Up
CREATE TABLE audiences (
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id            uuid NOT NULL,
  segment_id    uuid NOT NULL,
  ad_account_id uuid NOT NULL,
  platform      text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT')),
  -- Meta custom audience id, Google user list resource name, TikTok
  -- audience id, Snapchat segment id; null until created.
  platform_audience_id text CHECK (length(platform_audience_id) BETWEEN 1 AND 200),
  status        text NOT NULL CHECK (status IN ('PENDING', 'SYNCING', 'SYNCED', 'FAILED', 'STOPPED')),
  -- Profiles with at least one identifier accepted by the platform.
  size          bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
  progress_done  bigint NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
  progress_total bigint NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
  -- Membership changes with id <= change_cursor are applied.
  change_cursor bigint NOT NULL DEFAULT 0 CHECK (change_cursor >= 0),
  -- A full pass (first sync, re-sync, periodic reconcile) in progress:
  -- 'MEMBERS' adds the segment's members after full_after, 'VERIFY'
  -- removes uploaded profiles after full_after no longer eligible;
  -- full_cursor is the change id the pass started at.
  full_phase    text CHECK (full_phase IN ('MEMBERS', 'VERIFY')),
  full_after    uuid,
  full_cursor   bigint,
  full_done_at  timestamptz,
  -- Google's offline user data job that has operations added but was not
  -- run yet (run before anything else on the next attempt).
  pending_job   text CHECK (length(pending_job) <= 300),
  last_sync_at  timestamptz,
  error         text CHECK (length(error) <= 2000),
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, segment_id, ad_account_id),
  FOREIGN KEY (tenant_id, segment_id) REFERENCES cdp_segments (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, ad_account_id) REFERENCES ad_accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX audiences_created ON audiences (tenant_id, created_at DESC, id DESC);
SELECT stratum_tenant_table('audiences');

CREATE TABLE audience_members (
  tenant_id   uuid NOT NULL,
  audience_id uuid NOT NULL,
  profile_id  uuid NOT NULL,
  -- The platform's SHA-256 hex digests accepted for the profile.
  email_hash  text CHECK (email_hash ~ '^[0-9a-f]{64}$'),
  phone_hash  text CHECK (phone_hash ~ '^[0-9a-f]{64}$'),
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, audience_id, profile_id),
  CHECK (email_hash IS NOT NULL OR phone_hash IS NOT NULL),
  FOREIGN KEY (tenant_id, audience_id) REFERENCES audiences (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('audience_members');

-- stratum_audience_ids lists the audiences to sync (not STOPPED) of every
-- tenant, for the periodic sweep's fan-out (reconcile, consent withdrawals,
-- lost jobs). SECURITY DEFINER to see past RLS; ids only, bounded.
-- +goose StatementBegin
CREATE FUNCTION stratum_audience_ids(lim integer)
RETURNS TABLE (tenant_id uuid, audience_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT a.tenant_id, a.id FROM audiences a WHERE a.status <> 'STOPPED'
  ORDER BY a.updated_at LIMIT least(greatest(lim, 1), 10000)
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_audience_ids(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_audience_ids(integer) TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_audience_ids(integer);
DROP TABLE audience_members;
DROP TABLE audiences;
