-- Meta's own event match quality (issue 15, docs/adr/0022 "Meta's own
-- score"): the hourly job conversions.emq_platform asks Meta's Dataset
-- Quality API for each enabled META destination's pixel and stores the
-- composite score of every event Meta reports, per fetch. emqScores
-- prefers the latest of them over Stratum's estimate and reports the
-- estimate's calibration error against them; the EMQ signal measurement
-- uses them where they exist. The platform scores that 0064 kept in
-- conversion_emq_hourly move here (a fetch is not an hour of events).

-- +goose Up
CREATE TABLE conversion_emq_platform_scores (
  tenant_id      uuid NOT NULL,
  destination_id uuid NOT NULL,
  -- The event name as the platform reports it (e.g. Purchase).
  event_name     text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 200),
  fetched_at     timestamptz NOT NULL,
  platform       text NOT NULL CHECK (platform IN ('META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT')),
  -- event_match_quality.composite_score, 0–10.
  score          double precision NOT NULL CHECK (score BETWEEN 0 AND 10),
  -- match_key_feedback: {"email": 95, "phone": 88, ...}, the share (%) of
  -- events carrying each match key, as the platform reports it.
  match_keys     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(match_keys) = 'object'),
  PRIMARY KEY (tenant_id, destination_id, event_name, fetched_at),
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE
);
-- Scores and the signal measurement read a platform's recent fetches.
CREATE INDEX conversion_emq_platform_scores_platform ON conversion_emq_platform_scores (tenant_id, platform, fetched_at);
SELECT stratum_tenant_table('conversion_emq_platform_scores');

INSERT INTO conversion_emq_platform_scores (tenant_id, destination_id, event_name, fetched_at, platform, score)
  SELECT tenant_id, destination_id, event_name, coalesce(platform_score_at, hour), platform, platform_score
  FROM conversion_emq_hourly WHERE platform_score IS NOT NULL
  ON CONFLICT DO NOTHING;
ALTER TABLE conversion_emq_hourly DROP COLUMN platform_score, DROP COLUMN platform_score_at;

-- The last fetch of each destination's platform score: when, and whether
-- it failed with the platform's words (never a credential).
CREATE TABLE conversion_emq_platform_fetches (
  tenant_id      uuid NOT NULL,
  destination_id uuid NOT NULL,
  attempted_at   timestamptz NOT NULL,
  -- When a fetch last succeeded (null: never).
  succeeded_at   timestamptz,
  -- The failed fetch's HTTP status (0: no response) and message; both
  -- null when the last fetch succeeded.
  http_status    integer,
  error          text CHECK (length(error) <= 1000),
  -- Events the last successful fetch reported.
  events         integer NOT NULL DEFAULT 0 CHECK (events >= 0),
  PRIMARY KEY (tenant_id, destination_id),
  FOREIGN KEY (tenant_id, destination_id) REFERENCES conversion_destinations (tenant_id, id) ON DELETE CASCADE
);
SELECT stratum_tenant_table('conversion_emq_platform_fetches');

-- The enabled destinations whose platform reports its own score (META),
-- for the hourly fan-out. SECURITY DEFINER to see past RLS; ids only,
-- bounded.
-- +goose StatementBegin
CREATE FUNCTION stratum_conversion_emq_platform_destinations(max_rows integer)
RETURNS TABLE (tenant_id uuid, destination_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT d.tenant_id, d.id FROM conversion_destinations d
  WHERE d.enabled AND d.platform = 'META'
  ORDER BY d.tenant_id, d.id LIMIT max_rows
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_conversion_emq_platform_destinations(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_conversion_emq_platform_destinations(integer) TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_conversion_emq_platform_destinations(integer);
DROP TABLE conversion_emq_platform_fetches;
ALTER TABLE conversion_emq_hourly ADD COLUMN platform_score double precision CHECK (platform_score BETWEEN 0 AND 10),
  ADD COLUMN platform_score_at timestamptz;
DROP TABLE conversion_emq_platform_scores;
