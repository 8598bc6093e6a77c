-- Staged ingestion (issue 13, docs/adr/0026-staged-ingestion.md): the
-- group commit no longer writes one cdp_message_ids row and one cdp_events
-- row per event before acknowledging; it writes the commit's validated
-- events as one compact record in the batch row (cdp_batches.staged), which
-- is durable when the request is answered. The batch job materialises it
-- first — the deduplicating insert into cdp_message_ids and cdp_events,
-- staged set to NULL — in one transaction, then processes the batch as
-- before. events and sources hold what was staged until then and what was
-- stored after.

-- +goose Up
ALTER TABLE cdp_batches ADD COLUMN staged bytea;
-- Commit order: a tenant's staged batches are materialised oldest first,
-- so the first copy of a messageId wins as it did when the commit stored
-- it (batch jobs run concurrently and in any order).
ALTER TABLE cdp_batches ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX cdp_batches_staged ON cdp_batches (tenant_id, seq) WHERE staged IS NOT NULL;
-- lz4 where the server was built with it (Debian's and most packages are):
-- a commit's record compresses well and lz4 costs PostgreSQL a fraction of
-- pglz's CPU. Without it the default compression stays.
-- +goose StatementBegin
DO $$
BEGIN
  ALTER TABLE cdp_batches ALTER COLUMN staged SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 compression is not available; cdp_batches.staged keeps the default';
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX cdp_batches_staged;
ALTER TABLE cdp_batches DROP COLUMN seq;
ALTER TABLE cdp_batches DROP COLUMN staged;
