-- A platform that throttled a destination's request (429, 5xx, a network
-- failure: no answer for any of its events) asked for a pause — its
-- Retry-After, else our backoff. The flush records until when here, and no
-- flush of the destination claims anything before then (issue 15, ADR 0022
-- "A throttled request stops the backlog"), so neither the backlog nor new
-- batches are sent into the pause. NULL: never throttled.

-- +goose Up
ALTER TABLE conversion_destinations ADD COLUMN throttled_until timestamptz;

-- +goose Down
ALTER TABLE conversion_destinations DROP COLUMN throttled_until;
