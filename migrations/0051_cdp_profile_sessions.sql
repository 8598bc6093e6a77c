-- Session counting (docs/adr/0017, "Sessions"): a profile's session_count
-- grows by one when an event comes more than 30 minutes after the latest
-- event counted before it. last_event_at is that latest event's time, kept
-- by the batch job alone (last_seen_at also moves when identity resolution
-- sees an identifier, before the batch's counters are applied, so it cannot
-- serve). NULL: no event counted yet. Profiles that had events before this
-- migration start counting from their last seen time.

-- +goose Up
ALTER TABLE cdp_profiles ADD COLUMN last_event_at timestamptz;
UPDATE cdp_profiles SET last_event_at = last_seen_at WHERE event_count > 0;

-- +goose Down
ALTER TABLE cdp_profiles DROP COLUMN last_event_at;
