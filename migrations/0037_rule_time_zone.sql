-- Dayparting (issue 10): a rule's time zone, which its time-window
-- conditions read the clock in (an IANA name, validated by the
-- application with time.LoadLocation). automation_rules is already a
-- tenant table behind forced row-level security (0022).

-- +goose Up
ALTER TABLE automation_rules
  ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64);

-- +goose Down
ALTER TABLE automation_rules DROP COLUMN time_zone;
