-- Retention of the messageId dedup table (issue 13, docs/adr/0016,
-- "Dedup retention"): cdp_message_ids grows with every event stored, so the
-- periodic cdp.prune_message_ids job deletes ids received longer ago than
-- the dedup window (cdp.DedupWindow, 35 days), in bounded batches. The
-- ingest path already writes received_at (migration 0045); this adds the
-- index the pruning walks and the function it calls.

-- +goose Up
-- Oldest first: received_at grows with time, so new entries go to the
-- index's right edge (one more index insert per stored event). IF NOT
-- EXISTS: on a large table an operator may build it CONCURRENTLY first.
CREATE INDEX IF NOT EXISTS cdp_message_ids_received ON cdp_message_ids (received_at);

-- stratum_cdp_prune_message_ids deletes at most lim dedup rows (of every
-- tenant) received before `before`, oldest first, and returns how many.
-- SECURITY DEFINER because retention is global while the table's policy
-- shows a transaction only its own tenant's rows; it returns a count,
-- never data. Rows locked by a concurrent insert are skipped (the next
-- batch takes them).
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_prune_message_ids(before timestamptz, lim integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  n integer;
BEGIN
  IF lim < 1 OR lim > 100000 THEN
    RAISE EXCEPTION 'lim must be between 1 and 100000 (got %)', lim;
  END IF;
  DELETE FROM cdp_message_ids WHERE ctid IN (
    SELECT ctid FROM cdp_message_ids WHERE received_at < before
    ORDER BY received_at LIMIT lim FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_prune_message_ids(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_prune_message_ids(timestamptz, integer) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_cdp_prune_message_ids(timestamptz, integer);
DROP INDEX cdp_message_ids_received;
