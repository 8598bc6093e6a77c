DROP FUNCTION IF EXISTS stratum_tenant_ids();
DROP TABLE IF EXISTS notes;
DROP TABLE IF EXISTS tenants;
DROP FUNCTION IF EXISTS stratum_global_table(regclass);
DROP FUNCTION IF EXISTS stratum_tenant_table(regclass);
DROP FUNCTION IF EXISTS stratum_current_tenant();
