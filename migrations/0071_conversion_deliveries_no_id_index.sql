-- Forwarding writes one conversion_deliveries row per event it sends (issue
-- 15). The unique index on (tenant_id, id) cost each of them a random-place
-- insertion into a btree (≈ 5 µs of the ≈ 16 µs a row costs PostgreSQL,
-- measured by EXPLAIN ANALYZE of a 1,000-row insert) and served no read: a
-- delivery is not a Node, and the log pages by (created_at, id) through
-- conversion_deliveries_log. The id stays the cursor's tie-breaker (a
-- random uuid, drawn by the flush).

-- +goose Up
DROP INDEX conversion_deliveries_id;

-- +goose Down
CREATE UNIQUE INDEX conversion_deliveries_id ON conversion_deliveries (tenant_id, id);
