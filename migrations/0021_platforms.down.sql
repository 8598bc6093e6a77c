DROP FUNCTION stratum_simulated_tenant_ids();
DROP TABLE simulator_applied_changes;
DROP TABLE simulator_state;
DROP TABLE ad_campaign_metrics;
DROP TABLE ad_campaigns;
DROP TABLE platform_status;
