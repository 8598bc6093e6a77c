-- ad_campaign_metrics takes the connectors' bulk writes (a 90-day backfill of
-- 1,000 campaigns is 90,000 rows). Its tenant policy evaluated
-- stratum_current_tenant() — a setting read and a text-to-uuid parse — for
-- every row inserted or read; as a scalar subquery PostgreSQL evaluates it
-- once per statement (an InitPlan) and compares each row with the result.
-- Same rows allowed and refused; measured in psql, 90,000 rows inserted as
-- the application role in 13 statements: median 0.38 s before, 0.32 s after
-- (docs/benchmarks.md, "Sync from the fake Meta server"). Other tenant tables
-- keep the common form (their writes are small).

-- +goose Up
ALTER POLICY tenant_isolation ON ad_campaign_metrics
  USING (tenant_id = (SELECT stratum_current_tenant()))
  WITH CHECK (tenant_id = (SELECT stratum_current_tenant()));

-- +goose Down
ALTER POLICY tenant_isolation ON ad_campaign_metrics
  USING (tenant_id = stratum_current_tenant())
  WITH CHECK (tenant_id = stratum_current_tenant());
