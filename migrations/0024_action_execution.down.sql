ALTER TABLE automation_actions DROP COLUMN execution;
