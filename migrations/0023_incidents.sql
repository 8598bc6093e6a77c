-- Trust engine, part 4: incidents and their timelines (domain/incidents).

-- +goose Up
CREATE TABLE incidents (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  cause           text NOT NULL CHECK (cause IN ('HEALTH', 'OUTAGE', 'EMQ_DROP', 'ACTION_FAILED')),
  cause_key       text NOT NULL,
  platform        text NOT NULL DEFAULT '',
  title           text NOT NULL,
  severity        text NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  state           text NOT NULL CHECK (state IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
  score           double precision,
  details         jsonb NOT NULL DEFAULT '{}',
  opened_at       timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at     timestamptz,
  resolved_by     text,
  resolution      text,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
-- One unresolved incident per cause: a cause that persists updates its
-- incident instead of opening another.
CREATE UNIQUE INDEX incidents_one_open_per_cause ON incidents (tenant_id, cause_key) WHERE state <> 'RESOLVED';
CREATE INDEX incidents_recent ON incidents (tenant_id, opened_at DESC, id DESC);
SELECT stratum_tenant_table('incidents');

CREATE TABLE incident_events (
  tenant_id   uuid NOT NULL,
  id          uuid NOT NULL,
  incident_id uuid NOT NULL,
  at          timestamptz NOT NULL,
  kind        text NOT NULL,
  message     text NOT NULL,
  actor       text NOT NULL,
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, incident_id) REFERENCES incidents (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX incident_events_timeline ON incident_events (tenant_id, incident_id, at);
SELECT stratum_tenant_table('incident_events');

-- +goose Down
DROP TABLE incident_events;
DROP TABLE incidents;
