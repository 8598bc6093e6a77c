-- An action's gate decisions as a timeline (issue 10, defect 2).
--
-- Every real gate decision on an action was already a trust_gate_audit row;
-- the action itself kept only the latest one, overwritten by each re-gate.
-- Each row now says why the gate ran (cause) and whether the decision let
-- the action run (would_execute: PASS, a HOLD a person's approval
-- satisfied, or a manual override), and an action that ran points at the
-- decision that let it (deciding_gate_id), so the queue shows that decision
-- and not whatever the gate said last.
--
-- cause is one of PROPOSED (the proposal was gated), SCORE_CHANGED (re-gated
-- because the overall score moved the autopilot mode), SETTINGS_CHANGED
-- (re-gated because a person changed the kill switch, level or
-- enforcement), APPROVAL (a person approved), EXECUTION (re-checked as its
-- execution started), OVERRIDE (a person applied it over the gate) and
-- DRY_RUN; NULL for real decisions recorded before this migration, whose
-- cause is not known. would_execute is derived for those rows from what
-- Decide recorded (PASS, or the reasons it appends for an approval or an
-- override).

-- +goose Up
ALTER TABLE trust_gate_audit
  ADD COLUMN cause text CHECK (cause IN ('PROPOSED', 'SCORE_CHANGED', 'SETTINGS_CHANGED', 'APPROVAL', 'EXECUTION', 'OVERRIDE', 'DRY_RUN')),
  ADD COLUMN would_execute boolean NOT NULL DEFAULT false;
UPDATE trust_gate_audit SET cause = 'DRY_RUN' WHERE dry_run;
UPDATE trust_gate_audit SET would_execute = true
WHERE decision = 'PASS' OR reasons ? 'approved by a person' OR reasons ? 'manual override';
CREATE INDEX trust_gate_audit_action ON trust_gate_audit (tenant_id, action_id, at, id) WHERE action_id IS NOT NULL;

ALTER TABLE automation_actions
  ADD COLUMN deciding_gate_id uuid,
  ADD CONSTRAINT automation_actions_deciding_gate_fkey FOREIGN KEY (tenant_id, deciding_gate_id) REFERENCES trust_gate_audit (tenant_id, id);
UPDATE automation_actions a SET deciding_gate_id = (
    SELECT g.id FROM trust_gate_audit g
    WHERE g.tenant_id = a.tenant_id AND g.action_id = a.id AND NOT g.dry_run AND g.would_execute
    ORDER BY g.at DESC, g.id DESC LIMIT 1)
WHERE a.status = 'APPLIED' OR (a.status IN ('FAILED', 'NOT_NEEDED') AND a.attempts > 0);

-- +goose Down
ALTER TABLE automation_actions DROP COLUMN deciding_gate_id;
DROP INDEX trust_gate_audit_action;
ALTER TABLE trust_gate_audit DROP COLUMN cause, DROP COLUMN would_execute;
