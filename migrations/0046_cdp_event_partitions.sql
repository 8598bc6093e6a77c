-- Monthly partitions of cdp_events (issue 13, docs/adr/0016): created ahead
-- by the periodic cdp.ensure_partitions job through this function (the
-- application role may not create tables), and here for the current month
-- and the next two.

-- +goose Up
-- stratum_cdp_ensure_partitions creates the partitions of cdp_events for the
-- month of at and the months-1 following ones that are missing, and returns
-- how many it created. Partitions inherit the parent's indexes; the
-- application role reaches them only through the parent (whose RLS policy
-- applies), never directly.
-- +goose StatementBegin
CREATE FUNCTION stratum_cdp_ensure_partitions(at timestamptz, months integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public AS $$
DECLARE
  m     timestamptz;
  name  text;
  made  integer := 0;
BEGIN
  IF months < 1 OR months > 24 THEN
    RAISE EXCEPTION 'months must be between 1 and 24 (got %)', months;
  END IF;
  -- Two callers at once would race on CREATE TABLE.
  PERFORM pg_advisory_xact_lock(hashtext('stratum_cdp_ensure_partitions'));
  FOR i IN 0 .. months - 1 LOOP
    m := (date_trunc('month', at AT TIME ZONE 'UTC') + make_interval(months => i)) AT TIME ZONE 'UTC';
    name := 'cdp_events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM');
    IF to_regclass(name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF cdp_events FOR VALUES FROM (%L) TO (%L)',
        name, m, (((m AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'));
      made := made + 1;
    END IF;
  END LOOP;
  RETURN made;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_cdp_ensure_partitions(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_cdp_ensure_partitions(timestamptz, integer) TO stratum_rw;

SELECT stratum_cdp_ensure_partitions(now(), 3);

-- +goose Down
DROP FUNCTION stratum_cdp_ensure_partitions(timestamptz, integer);
