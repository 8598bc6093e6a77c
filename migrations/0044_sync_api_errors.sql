-- A sync run counts its calls to the platform's API and the calls that
-- failed (TRANSIENT or PERMANENT errors; a rate limit is counted as a call,
-- not a failure), added up over the run's attempts, with the platform's
-- words of the last failure: a run that succeeds after retrying too many
-- failed calls leaves its connection DEGRADED, not OK (issue 12, ADR 0015
-- "Sync").

-- +goose Up
ALTER TABLE sync_runs
  ADD COLUMN api_calls integer NOT NULL DEFAULT 0 CHECK (api_calls >= 0),
  ADD COLUMN api_errors integer NOT NULL DEFAULT 0 CHECK (api_errors >= 0 AND api_errors <= api_calls),
  ADD COLUMN api_last_error text NOT NULL DEFAULT '' CHECK (length(api_last_error) <= 2000);

-- +goose Down
ALTER TABLE sync_runs DROP COLUMN api_last_error, DROP COLUMN api_errors, DROP COLUMN api_calls;
