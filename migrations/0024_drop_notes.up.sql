-- The notes demo is gone (issue 9): its table, and the prune jobs that a
-- deployment may still have queued (no worker handles their kinds any more,
-- so River would retry them for days). Audit entries about notes stay.
DROP TABLE notes;

DO $$
BEGIN
  IF to_regclass('river_job') IS NOT NULL THEN
    DELETE FROM river_job WHERE kind IN ('notes.prune', 'notes.prune_fanout')
      AND state NOT IN ('completed', 'cancelled', 'discarded');
  END IF;
END $$;
