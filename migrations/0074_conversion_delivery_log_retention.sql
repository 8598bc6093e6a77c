-- Retention of the delivery log (issue 15, docs/adr/0022 "A request's SENT
-- events as one row"): conversion_deliveries and conversion_sent_requests
-- grew with every event forwarded. The sweep job now deletes what was
-- written longer ago than the log's retention (conversions.DefaultLogRetention,
-- 90 days) in bounded batches: the request rows, and the per-event rows
-- whose delivery has ended (SENT, FAILED, DEAD, SKIPPED) — never one still
-- to be sent (PENDING, RETRY) or being sent (SENDING). These indexes are
-- the pruning's walk, oldest first.

-- +goose Up
CREATE INDEX conversion_deliveries_ended ON conversion_deliveries (created_at)
  WHERE status IN ('SENT', 'FAILED', 'DEAD', 'SKIPPED');
CREATE INDEX conversion_sent_requests_created ON conversion_sent_requests (created_at);

-- stratum_conversion_prune_log deletes at most lim rows of the log (of every
-- tenant) written before `before` — request rows first, then ended
-- per-event rows, oldest first — and returns how many. SECURITY DEFINER
-- because retention is global while the tables' policies show a
-- transaction only its own tenant's rows; it returns a count, never data.
-- Rows locked by a concurrent writer (an erasure, a replay) are skipped.
-- +goose StatementBegin
CREATE FUNCTION stratum_conversion_prune_log(before timestamptz, lim integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  n integer;
  m integer;
BEGIN
  IF lim < 1 OR lim > 100000 THEN
    RAISE EXCEPTION 'lim must be between 1 and 100000 (got %)', lim;
  END IF;
  DELETE FROM conversion_sent_requests WHERE ctid IN (
    SELECT ctid FROM conversion_sent_requests WHERE created_at < before
    ORDER BY created_at LIMIT lim FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n < lim THEN
    DELETE FROM conversion_deliveries WHERE ctid IN (
      SELECT ctid FROM conversion_deliveries
      WHERE created_at < before AND status IN ('SENT', 'FAILED', 'DEAD', 'SKIPPED')
      ORDER BY created_at LIMIT lim - n FOR UPDATE SKIP LOCKED);
    GET DIAGNOSTICS m = ROW_COUNT;
    n := n + m;
  END IF;
  RETURN n;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_conversion_prune_log(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_conversion_prune_log(timestamptz, integer) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_conversion_prune_log(timestamptz, integer);
DROP INDEX conversion_sent_requests_created;
DROP INDEX conversion_deliveries_ended;
