-- Sync schedule (issue 12, docs/adr/0015 "Sync"): the ids of tenants with at
-- least one selected ad account, for the periodic platforms.schedule_syncs
-- fan-out (ids only, like stratum_tenant_ids). The sync runs themselves are
-- in sync_runs (0039).

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION stratum_sync_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT tenant_id FROM ad_accounts WHERE selected ORDER BY tenant_id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_sync_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_sync_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_sync_tenant_ids();
