-- The Campaigns screen reads the trust-gate decisions of one campaign
-- (trustAuditLog(campaignId:), issue 12), newest first: an index for that
-- filter instead of scanning the tenant's whole audit log.

-- +goose Up
CREATE INDEX trust_gate_audit_campaign ON trust_gate_audit (tenant_id, entity_id, at DESC, id DESC) WHERE entity_type = 'campaign';

-- +goose Down
DROP INDEX trust_gate_audit_campaign;
