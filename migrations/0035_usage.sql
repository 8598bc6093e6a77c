-- Usage against plan limits (domain/billing, ADR 0014): one counter row per
-- tenant, limit and period, changed only in the transaction that creates or
-- removes the counted thing (billing.Service.ReserveTx / ReleaseTx), never
-- recounted per request. period_start is 1970-01-01 for limits that are not
-- periodic and the first day of the month (UTC) for monthly ones.

-- +goose Up
CREATE TABLE tenant_usage (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  limit_key    text NOT NULL CHECK (length(limit_key) BETWEEN 1 AND 64),
  period_start date NOT NULL DEFAULT '1970-01-01',
  used         bigint NOT NULL DEFAULT 0 CHECK (used >= 0),
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, limit_key, period_start)
);
SELECT stratum_tenant_table('tenant_usage');

-- A pending invitation holds one of the members limit's seats until it is
-- accepted (the seat passes to the membership), revoked or found expired
-- (the seat is released). holds_seat says whether it still holds one, so a
-- seat is never released twice.
ALTER TABLE invites ADD COLUMN holds_seat boolean NOT NULL DEFAULT false;
UPDATE invites SET holds_seat = true
WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now();
CREATE INDEX invites_holding_seat ON invites (tenant_id, expires_at) WHERE holds_seat;

-- Counters start right: members plus the invitations holding a seat.
INSERT INTO tenant_usage (tenant_id, limit_key, period_start, used, updated_at)
SELECT t.id, 'members', '1970-01-01',
       (SELECT count(*) FROM memberships m WHERE m.tenant_id = t.id)
     + (SELECT count(*) FROM invites i WHERE i.tenant_id = t.id AND i.holds_seat),
       now()
FROM tenants t
ON CONFLICT DO NOTHING;

-- +goose Down
DROP INDEX invites_holding_seat;
ALTER TABLE invites DROP COLUMN holds_seat;
DROP TABLE tenant_usage;
