-- Segments (issue 14, docs/adr/0020): saved audiences whose rules
-- (domain/cdp/segment_rules.go) compile to one SQL query. Membership is
-- materialised per profile with the time it last entered and, once it has
-- left, exited; every entry and exit is also appended to
-- cdp_segment_membership_changes, the deltas audience sync consumes.
-- stratum_cdp_segment_tenant_ids lists the tenants with dynamic segments
-- for the periodic full refresh's fan-out (SECURITY DEFINER to see past
-- RLS; ids only).

-- +goose Up
CREATE TABLE cdp_segments (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind         text NOT NULL CHECK (kind IN ('STATIC', 'DYNAMIC')),
  rules        jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'object'),
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  refreshed_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX cdp_segments_created ON cdp_segments (tenant_id, created_at, id);
SELECT stratum_tenant_table('cdp_segments');

CREATE TABLE cdp_segment_members (
  tenant_id  uuid NOT NULL,
  segment_id uuid NOT NULL,
  profile_id uuid NOT NULL,
  entered_at timestamptz NOT NULL,
  exited_at  timestamptz,
  PRIMARY KEY (tenant_id, segment_id, profile_id),
  FOREIGN KEY (tenant_id, segment_id) REFERENCES cdp_segments (tenant_id, id) ON DELETE CASCADE
);
-- Current members (size, the member list) without the ones that left.
CREATE INDEX cdp_segment_members_current ON cdp_segment_members (tenant_id, segment_id, profile_id) WHERE exited_at IS NULL;
SELECT stratum_tenant_table('cdp_segment_members');

CREATE TABLE cdp_segment_membership_changes (
  tenant_id  uuid NOT NULL,
  id         bigint GENERATED ALWAYS AS IDENTITY,
  segment_id uuid NOT NULL,
  profile_id uuid NOT NULL,
  change     text NOT NULL CHECK (change IN ('ENTERED', 'EXITED')),
  at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, segment_id) REFERENCES cdp_segments (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX cdp_segment_membership_changes_segment ON cdp_segment_membership_changes (tenant_id, segment_id, id);
SELECT stratum_tenant_table('cdp_segment_membership_changes');

-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_segment_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT tenant_id FROM cdp_segments WHERE kind = 'DYNAMIC' ORDER BY tenant_id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_segment_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_segment_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_cdp_segment_tenant_ids();
DROP TABLE cdp_segment_membership_changes;
DROP TABLE cdp_segment_members;
DROP TABLE cdp_segments;
