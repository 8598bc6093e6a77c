-- A profile's event timeline (graph/profiles.graphqls, Profile.events)
-- reads the events carrying one of its user ids or anonymous ids, newest
-- first. cdp_events had only its primary key (batch, source, messageId);
-- these two partial indexes serve the timeline. Created on the partitioned
-- parent, PostgreSQL creates them on every partition, present and future.
-- Each costs the ingest path an index entry per event that has the id.

-- +goose Up
CREATE INDEX cdp_events_user ON cdp_events (tenant_id, user_id, "timestamp" DESC) WHERE user_id IS NOT NULL;
CREATE INDEX cdp_events_anonymous ON cdp_events (tenant_id, anonymous_id, "timestamp" DESC) WHERE anonymous_id IS NOT NULL;

-- +goose Down
DROP INDEX cdp_events_anonymous;
DROP INDEX cdp_events_user;
