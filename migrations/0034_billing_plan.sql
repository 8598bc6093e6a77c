-- One source of truth for a tenant's plan (ADR 0014): tenant_billing.plan.
-- The SQL functions that handed t.plan to log-in, refresh and API-key
-- authentication now answer the *effective* plan at the time their caller
-- passes (a lapsed trial or a payment failed beyond grace is Starter), and
-- tenants.plan is dropped. Jobs of a gated feature record why they skipped.

-- +goose Up
-- The effective plan of a billing state at `at`; the same rule as
-- billing.State.EffectivePlan (a Go test holds them equal).
-- +goose StatementBegin
CREATE FUNCTION stratum_effective_plan(plan text, status text, trial_ends_at timestamptz, grace_ends_at timestamptz, at timestamptz)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN status = 'ACTIVE' THEN plan
    WHEN status = 'TRIALING' AND (trial_ends_at IS NULL OR at < trial_ends_at) THEN plan
    WHEN status = 'PAST_DUE' AND grace_ends_at IS NOT NULL AND at < grace_ends_at THEN plan
    ELSE 'starter'
  END
$$;
-- +goose StatementEnd

DROP FUNCTION stratum_user_memberships(uuid);
-- +goose StatementBegin
CREATE FUNCTION stratum_user_memberships(uid uuid, at timestamptz)
RETURNS TABLE (tenant_id uuid, tenant_name text, plan text, require_mfa boolean, role text, membership_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT t.id, t.name, coalesce(stratum_effective_plan(b.plan, b.status, b.trial_ends_at, b.grace_ends_at, at), 'starter'),
         t.require_mfa, m.role, m.id
  FROM memberships m JOIN tenants t ON t.id = m.tenant_id LEFT JOIN tenant_billing b ON b.tenant_id = t.id
  WHERE m.user_id = uid ORDER BY m.created_at, t.id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_user_memberships(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_user_memberships(uuid, timestamptz) TO stratum_rw;

DROP FUNCTION stratum_find_api_key(text);
-- +goose StatementBegin
CREATE FUNCTION stratum_find_api_key(p text, at timestamptz)
RETURNS TABLE (tenant_id uuid, id uuid, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz, plan text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT k.tenant_id, k.id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at,
         coalesce(stratum_effective_plan(b.plan, b.status, b.trial_ends_at, b.grace_ends_at, at), 'starter')
  FROM api_keys k LEFT JOIN tenant_billing b ON b.tenant_id = k.tenant_id WHERE k.prefix = p
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_find_api_key(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_find_api_key(text, timestamptz) TO stratum_rw;

-- A new tenant's billing row starts on Starter, ACTIVE; sign-up then starts
-- its trial, an operator or Stripe changes the plan.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stratum_tenant_billing_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO tenant_billing (tenant_id, plan, status, created_at, updated_at)
  VALUES (NEW.id, 'starter', 'ACTIVE', NEW.created_at, NEW.created_at)
  ON CONFLICT (tenant_id) DO NOTHING;
  RETURN NEW;
END $$;
-- +goose StatementEnd

ALTER TABLE tenants DROP COLUMN plan;

-- Why a job of a gated feature did not run (billing.Service.SkipJob): one
-- row per tenant and job kind, the latest skip with its count since the
-- first; shown as viewer.features[].skippedJobs. Cleared when the job runs.
CREATE TABLE feature_skips (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  job_kind        text NOT NULL CHECK (length(job_kind) BETWEEN 1 AND 64),
  flag            text NOT NULL CHECK (length(flag) BETWEEN 1 AND 64),
  reason          text NOT NULL CHECK (length(reason) <= 500),
  first_skipped_at timestamptz NOT NULL,
  last_skipped_at timestamptz NOT NULL,
  skips           bigint NOT NULL DEFAULT 1,
  PRIMARY KEY (tenant_id, job_kind)
);
SELECT stratum_tenant_table('feature_skips');

-- +goose Down
DROP TABLE feature_skips;
ALTER TABLE tenants ADD COLUMN plan text NOT NULL DEFAULT 'starter';
UPDATE tenants t SET plan = b.plan FROM tenant_billing b WHERE b.tenant_id = t.id;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION stratum_tenant_billing_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO tenant_billing (tenant_id, plan, status, created_at, updated_at)
  VALUES (NEW.id, CASE WHEN NEW.plan IN ('starter', 'professional', 'enterprise') THEN NEW.plan ELSE 'starter' END,
          'ACTIVE', NEW.created_at, NEW.created_at)
  ON CONFLICT (tenant_id) DO NOTHING;
  RETURN NEW;
END $$;
-- +goose StatementEnd
DROP FUNCTION stratum_find_api_key(text, timestamptz);
-- +goose StatementBegin
CREATE FUNCTION stratum_find_api_key(p text)
RETURNS TABLE (tenant_id uuid, id uuid, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz, plan text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT k.tenant_id, k.id, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, t.plan
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = p
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_find_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_find_api_key(text) TO stratum_rw;
DROP FUNCTION stratum_user_memberships(uuid, timestamptz);
-- +goose StatementBegin
CREATE FUNCTION stratum_user_memberships(uid uuid)
RETURNS TABLE (tenant_id uuid, tenant_name text, plan text, require_mfa boolean, role text, membership_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT t.id, t.name, t.plan, t.require_mfa, m.role, m.id
  FROM memberships m JOIN tenants t ON t.id = m.tenant_id
  WHERE m.user_id = uid ORDER BY m.created_at, t.id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_user_memberships(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_user_memberships(uuid) TO stratum_rw;
DROP FUNCTION stratum_effective_plan(text, text, timestamptz, timestamptz, timestamptz);
