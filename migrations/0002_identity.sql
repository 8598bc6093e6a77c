-- Identity and access (issue 3): users, memberships, sessions with refresh
-- rotation, the access-token revocation log, MFA backup codes, invites, API
-- keys, the audit log and cost-based rate-limit buckets.
--
-- Global tables (users, sessions, refresh_tokens, backup codes, revocations,
-- rate-limit buckets, platform audit) hold no tenant data. Tenant tables
-- (memberships, invites, api_keys, audit_log) are guarded by RLS; the few
-- cross-tenant reads a caller legitimately needs go through narrow SECURITY
-- DEFINER functions at the end of this file.

-- +goose Up
ALTER TABLE tenants ADD COLUMN require_mfa boolean NOT NULL DEFAULT false;

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  email         text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
  -- PHC-style argon2id string: parameters and salt are stored with the hash.
  password_hash text NOT NULL,
  -- AES-GCM sealed TOTP secret (pending until mfa_enabled).
  mfa_secret    bytea,
  mfa_enabled   boolean NOT NULL DEFAULT false,
  -- Last accepted TOTP time step: a code is accepted only for a later step.
  mfa_last_step bigint NOT NULL DEFAULT 0,
  operator      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (email);
SELECT stratum_global_table('users');

CREATE TABLE mfa_backup_codes (
  user_id   uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash bytea NOT NULL,
  used_at   timestamptz,
  PRIMARY KEY (user_id, code_hash)
);
SELECT stratum_global_table('mfa_backup_codes');

CREATE TABLE memberships (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  role       text NOT NULL CHECK (role IN ('OWNER','ADMIN','ANALYST','VIEWER')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
SELECT stratum_tenant_table('memberships');

-- A session is one refresh-token family: every rotation stays in it, and
-- reuse of a rotated token revokes the whole family.
CREATE TABLE sessions (
  id             uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The tenant the session acts in. Not named tenant_id: sessions are a
  -- global table (a refresh token is looked up before its tenant is known).
  acting_tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text,
  -- True when the log-in passed a second factor (carried into every rotation).
  mfa            boolean NOT NULL DEFAULT false,
  ip             text,
  user_agent     text
);
CREATE INDEX sessions_user ON sessions (user_id, acting_tenant_id);
SELECT stratum_global_table('sessions');

CREATE TABLE refresh_tokens (
  token_hash bytea PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
SELECT stratum_global_table('refresh_tokens');

-- Append-only log of revocations every process polls (by id) into its
-- in-memory denylist: kind 'jti' (one access token), 'session' (a family's
-- access tokens issued before not_before), 'member' (a user's tokens in one
-- tenant issued before not_before, after a role change or removal) and
-- 'apikey'. Rows are useless after expires_at.
CREATE TABLE revocations (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('jti','session','member','apikey')),
  ref        text NOT NULL,
  not_before timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revocations_expires ON revocations (expires_at);
SELECT stratum_global_table('revocations');
GRANT USAGE ON SEQUENCE revocations_id_seq TO stratum_rw;

CREATE TABLE invites (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  email       text NOT NULL,
  role        text NOT NULL CHECK (role IN ('OWNER','ADMIN','ANALYST','VIEWER')),
  token_hash  bytea NOT NULL UNIQUE,
  invited_by  uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT stratum_tenant_table('invites');

CREATE TABLE api_keys (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL,
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix       text NOT NULL UNIQUE,
  secret_hash  bytea NOT NULL,
  scopes       text[] NOT NULL,
  created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz,
  PRIMARY KEY (tenant_id, id)
);
SELECT stratum_tenant_table('api_keys');

CREATE TABLE audit_log (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  actor_type  text NOT NULL,
  actor_id    uuid,
  actor_email text,
  action      text NOT NULL,
  target_type text,
  target_id   uuid,
  ip          text,
  user_agent  text,
  outcome     text NOT NULL CHECK (outcome IN ('SUCCESS','FAILURE','DENIED')),
  details     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_time ON audit_log (tenant_id, created_at DESC, id DESC);
SELECT stratum_tenant_table('audit_log');

-- Actions with no tenant (platform operators, failed log-ins of unknown
-- accounts). Only operators read it, from the command line or SQL.
CREATE TABLE platform_audit_log (
  id          uuid PRIMARY KEY,
  actor_type  text NOT NULL,
  actor_id    uuid,
  actor_email text,
  action      text NOT NULL,
  target      text,
  ip          text,
  user_agent  text,
  outcome     text NOT NULL,
  details     jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
SELECT stratum_global_table('platform_audit_log');

-- Token buckets for cost-based rate limits and log-in throttling, shared
-- by every replica.
CREATE TABLE rate_limit_buckets (
  key        text PRIMARY KEY,
  tokens     double precision NOT NULL,
  updated_at timestamptz NOT NULL
);
SELECT stratum_global_table('rate_limit_buckets');

-- A user's memberships across tenants (log-in, switchTenant,
-- viewer.memberships): ids, names, plans and roles only.
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

-- Finds a pending invite by the hash of its token (acceptInvite).
-- +goose StatementBegin
CREATE FUNCTION stratum_find_invite(hash bytea)
RETURNS TABLE (tenant_id uuid, id uuid, email text, role text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT i.tenant_id, i.id, i.email, i.role, i.expires_at FROM invites i
  WHERE i.token_hash = hash AND i.accepted_at IS NULL AND i.revoked_at IS NULL
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_find_invite(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_find_invite(bytea) TO stratum_rw;

-- Finds an API key by its public prefix (authentication); the caller
-- compares the secret's hash.
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

-- Records an API key's use at most once a minute.
-- +goose StatementBegin
CREATE FUNCTION stratum_touch_api_key(kid uuid)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE api_keys SET last_used_at = now()
  WHERE id = kid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_touch_api_key(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_touch_api_key(uuid) TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_touch_api_key(uuid);
DROP FUNCTION IF EXISTS stratum_find_api_key(text);
DROP FUNCTION IF EXISTS stratum_find_invite(bytea);
DROP FUNCTION IF EXISTS stratum_user_memberships(uuid);
DROP TABLE IF EXISTS rate_limit_buckets;
DROP TABLE IF EXISTS platform_audit_log;
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS api_keys;
DROP TABLE IF EXISTS invites;
DROP TABLE IF EXISTS revocations;
DROP TABLE IF EXISTS refresh_tokens;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS memberships;
DROP TABLE IF EXISTS mfa_backup_codes;
DROP TABLE IF EXISTS users;
ALTER TABLE tenants DROP COLUMN IF EXISTS require_mfa;
