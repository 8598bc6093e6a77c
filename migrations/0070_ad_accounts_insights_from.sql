-- The first day whose insights a sync of the account has recorded (with
-- insights_through, the last): a chunk of days outside [insights_from,
-- insights_through] holds no stored rows unless a chunk was written and its
-- progress lost in a crash, so the sync skips reading the rows it would
-- compare against (one index probe per campaign per chunk: ≈ 4 ms of a
-- 7,000-row chunk); a row that exists all the same makes the insert fail
-- with a unique violation, and the chunk's rows then go through the upsert
-- (domain/platforms, writeInsightGroupTx). NULL with insights_through set
-- (accounts synced before this migration): unknown, the rows are read.

-- +goose Up
ALTER TABLE ad_accounts ADD COLUMN insights_from date;

-- +goose Down
ALTER TABLE ad_accounts DROP COLUMN insights_from;
