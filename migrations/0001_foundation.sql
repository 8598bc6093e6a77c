-- Foundation: the tenant-scoping helpers every later migration uses, and tenants.

-- +goose Up
-- The tenant of the current transaction, or NULL when none is set. The setting
-- can be an empty string (after a transaction-local set_config ends), which
-- would break a plain ::uuid cast, hence NULLIF.
-- +goose StatementBegin
CREATE FUNCTION stratum_current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$
  SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid
$$;
-- +goose StatementEnd

-- stratum_tenant_table makes tbl a tenant table: RLS enabled and forced, one
-- policy limiting reads and writes to the current tenant, DML granted to the
-- application role group. The table must have tenant_id uuid NOT NULL as the
-- first column of its primary key (checked here, so the schema stays
-- distributable by tenant_id).
-- +goose StatementBegin
CREATE FUNCTION stratum_tenant_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  first_pk_col text;
BEGIN
  SELECT a.attname INTO first_pk_col
  FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indrelid = tbl AND i.indisprimary;
  IF first_pk_col IS DISTINCT FROM 'tenant_id' THEN
    RAISE EXCEPTION 'tenant table % must have a primary key starting with tenant_id (found %)', tbl, first_pk_col;
  END IF;
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (tenant_id = stratum_current_tenant()) WITH CHECK (tenant_id = stratum_current_tenant())', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO stratum_rw', tbl);
END $$;
-- +goose StatementEnd

-- stratum_global_table grants the application role DML on a table that is not
-- tenant-scoped (users, sessions). Such tables hold no tenant data.
-- +goose StatementBegin
CREATE FUNCTION stratum_global_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO stratum_rw', tbl);
END $$;
-- +goose StatementEnd

CREATE TABLE tenants (
  id         uuid PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  plan       text NOT NULL DEFAULT 'starter',
  simulated  boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A tenant row is visible only inside its own tenant transaction.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON tenants
  USING (id = stratum_current_tenant()) WITH CHECK (id = stratum_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO stratum_rw;

-- Demo rows for the realtime ping and for RLS tests.
CREATE TABLE notes (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT stratum_tenant_table('notes');

-- The ids of all tenants, for periodic jobs that fan out one job per tenant.
-- SECURITY DEFINER (owned by the schema owner) so it sees past RLS; it
-- returns ids only, never tenant data.
-- +goose StatementBegin
CREATE FUNCTION stratum_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT id FROM tenants ORDER BY id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_tenant_ids();
DROP TABLE IF EXISTS notes;
DROP TABLE IF EXISTS tenants;
DROP FUNCTION IF EXISTS stratum_global_table(regclass);
DROP FUNCTION IF EXISTS stratum_tenant_table(regclass);
DROP FUNCTION IF EXISTS stratum_current_tenant();
