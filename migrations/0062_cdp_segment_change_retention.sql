-- Retention of segment membership changes (issue 14): the deltas audience
-- sync and the segment screen's entered/exited chart read are kept for
-- cdp.MembershipChangeRetention, then deleted by the periodic prune job,
-- like the messageId dedup rows (0054). The index on `at` lets the prune
-- take the oldest rows first without reading the table.

-- +goose Up
CREATE INDEX IF NOT EXISTS cdp_segment_membership_changes_at ON cdp_segment_membership_changes (at);

-- stratum_cdp_prune_segment_changes deletes at most lim membership changes
-- (of every tenant) made before `before`, oldest first, and returns how
-- many. SECURITY DEFINER for the same reason as
-- stratum_cdp_prune_message_ids: retention is global; it returns a count,
-- never data.
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_prune_segment_changes(before timestamptz, lim integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  n integer;
BEGIN
  IF lim < 1 OR lim > 100000 THEN
    RAISE EXCEPTION 'lim must be between 1 and 100000 (got %)', lim;
  END IF;
  DELETE FROM cdp_segment_membership_changes WHERE ctid IN (
    SELECT ctid FROM cdp_segment_membership_changes WHERE at < before
    ORDER BY at LIMIT lim FOR UPDATE SKIP LOCKED);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_prune_segment_changes(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_prune_segment_changes(timestamptz, integer) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_cdp_prune_segment_changes(timestamptz, integer);
DROP INDEX cdp_segment_membership_changes_at;
