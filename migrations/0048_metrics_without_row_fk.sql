-- Daily campaign metrics are the connectors' bulk writes (a 90-day backfill
-- of 1,000 campaigns is 90,000 rows). The foreign key to ad_campaigns cost
-- PostgreSQL a check and a share lock per row, about as much as the insert
-- itself (docs/benchmarks.md, "Sync from the fake Meta server"). It is
-- replaced by one lock per write transaction (ADR 0015, "Metrics without a
-- per-row foreign key"): a sync's writer locks its ad account FOR KEY SHARE
-- and writes only rows of that account's campaigns; disconnectPlatform
-- locks the accounts FOR UPDATE and deletes their metrics before the
-- connection (whose cascade removes the campaigns).

-- +goose Up
ALTER TABLE ad_campaign_metrics DROP CONSTRAINT ad_campaign_metrics_tenant_id_campaign_id_fkey;

-- +goose Down
DELETE FROM ad_campaign_metrics m WHERE NOT EXISTS (SELECT 1 FROM ad_campaigns c WHERE c.tenant_id = m.tenant_id AND c.id = m.campaign_id);
ALTER TABLE ad_campaign_metrics ADD CONSTRAINT ad_campaign_metrics_tenant_id_campaign_id_fkey
  FOREIGN KEY (tenant_id, campaign_id) REFERENCES ad_campaigns (tenant_id, id) ON DELETE CASCADE;
