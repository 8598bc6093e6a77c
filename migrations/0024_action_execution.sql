-- An action's execution in flight (ADR 0012): written with the planned
-- connector changes and their idempotency keys before the platform is
-- called (transaction 1), cleared when the outcome is recorded
-- (transaction 2). Non-null after a crash between the two: the retry sends
-- the same changes with the same keys. Internal; not part of the API.

-- +goose Up
ALTER TABLE automation_actions ADD COLUMN execution jsonb;

-- +goose Down
ALTER TABLE automation_actions DROP COLUMN execution;
