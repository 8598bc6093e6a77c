-- Changes applied to the real ad platforms (issue 12, docs/adr/0015,
-- domain/platforms/remote_connector.go), keyed by automation's idempotency
-- key. Meta, Google Ads, TikTok and Snapchat take no idempotency key, so
-- the key is reserved here before the platform is called (APPLYING, held by
-- one attempt until lease_until) and completed after the change was read
-- back (APPLIED, with the result a retry replays). A refusal deletes the
-- reservation so the key can be tried again.

-- +goose Up
CREATE TABLE platform_applied_changes (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
  campaign_id     uuid NOT NULL,
  platform        text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT')),
  state           text NOT NULL CHECK (state IN ('APPLYING', 'APPLIED')),
  -- the attempt holding an APPLYING key, until lease_until (NULL: released,
  -- the next attempt takes it over at once)
  attempt_id      uuid,
  lease_until     timestamptz,
  -- the campaign's settings read from the platform before the first
  -- mutation was sent (NULL: no mutation was sent under this key yet)
  before          jsonb,
  result          jsonb,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  applied_at      timestamptz,
  PRIMARY KEY (tenant_id, idempotency_key),
  CHECK (state = 'APPLYING' OR (result IS NOT NULL AND applied_at IS NOT NULL AND attempt_id IS NULL))
);
SELECT stratum_tenant_table('platform_applied_changes');

-- +goose Down
DROP TABLE platform_applied_changes;
