-- Conversion destinations (issue 15, docs/adr/0022 "Destinations"): when a
-- destination's last test event was claimed. testConversionDestination
-- claims the destination with one conditional UPDATE (no test in the last
-- 10 seconds), so concurrent requests send at most one test event.

-- +goose Up
ALTER TABLE conversion_destinations ADD COLUMN last_test_at timestamptz;

-- +goose Down
ALTER TABLE conversion_destinations DROP COLUMN last_test_at;
