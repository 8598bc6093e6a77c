-- The notes demo is gone (issue 9): its table, and the prune jobs that a
-- deployment may still have queued (no worker handles their kinds any more,
-- so River would retry them for days). Audit entries about notes stay.

-- +goose Up
DROP TABLE notes;

-- +goose StatementBegin
DO $$
BEGIN
  IF to_regclass('river_job') IS NOT NULL THEN
    DELETE FROM river_job WHERE kind IN ('notes.prune', 'notes.prune_fanout')
      AND state NOT IN ('completed', 'cancelled', 'discarded');
  END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
-- Recreates the notes table as 0001_foundation made it.
CREATE TABLE notes (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         uuid NOT NULL,
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
SELECT stratum_tenant_table('notes');
