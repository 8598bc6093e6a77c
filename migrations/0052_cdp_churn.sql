-- Lifecycle CHURNED (docs/adr/0017, "Churn"): a periodic job marks the live
-- profiles not seen for the tenant's churn period as CHURNED. churn_days is
-- the tenant's period (NULL: the server's default, 90 days).
-- stratum_cdp_tenant_ids lists the tenants with CDP sources for the job's
-- fan-out (SECURITY DEFINER to see past RLS; ids only).

-- +goose Up
ALTER TABLE cdp_identity_settings ADD COLUMN churn_days integer CHECK (churn_days BETWEEN 1 AND 3650);

-- The job's scan: live, not yet churned profiles by last seen time.
CREATE INDEX cdp_profiles_churn ON cdp_profiles (tenant_id, last_seen_at)
  WHERE merged_into IS NULL AND lifecycle_stage <> 'CHURNED';

-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT tenant_id FROM cdp_sources ORDER BY tenant_id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_cdp_tenant_ids();
DROP INDEX cdp_profiles_churn;
ALTER TABLE cdp_identity_settings DROP COLUMN churn_days;
