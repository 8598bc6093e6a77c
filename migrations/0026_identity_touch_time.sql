-- API-key use is recorded at the application's clock (issue 9 item 5): the
-- caller passes the time (its database clock's, db.DB.Now) instead of the
-- function reading SQL's now(), so a test that sets the clock controls
-- last_used_at as it does every other stored time.
--
-- The one-argument version from 0002 stays until a later migration drops
-- it: replicas of the previous release still call it during a rolling
-- deploy (ADR 0011). Nothing in this release calls it.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION stratum_touch_api_key(kid uuid, at timestamptz)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public AS $$
  UPDATE api_keys SET last_used_at = at
  WHERE id = kid AND (last_used_at IS NULL OR last_used_at < at - interval '1 minute')
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_touch_api_key(uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_touch_api_key(uuid, timestamptz) TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_touch_api_key(uuid, timestamptz);
