-- A per-rule activity log (issue 10, defect 7): each evaluation of a rule
-- (how many campaigns it looked at, how many proposals it made), each
-- proposal (a new action, or one joined as another source) and each outcome
-- of an action the rule proposed (APPLIED, FAILED, DISMISSED, BLOCKED,
-- SUPERSEDED, NOT_NEEDED), written by domain/automation in the transaction
-- that does the thing it records.
--
-- An outcome is recorded once per rule, action and status (a partial unique
-- index; a retried save does nothing). Entries go with their rule: the
-- foreign key cascades when a user-defined rule is deleted, while the
-- rule's actions stay in the queue (they keep rule_id without a key).

-- +goose Up
CREATE TABLE automation_rule_activity (
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                  uuid NOT NULL,
  rule_id             uuid NOT NULL,
  at                  timestamptz NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('EVALUATED', 'PROPOSED', 'JOINED', 'OUTCOME')),
  campaigns_evaluated integer CHECK (campaigns_evaluated >= 0),
  proposals           integer CHECK (proposals >= 0),
  action_id           uuid,
  campaign_id         uuid,
  action_type         text,
  status              text,
  detail              text NOT NULL DEFAULT '' CHECK (length(detail) <= 2000),
  PRIMARY KEY (tenant_id, id),
  FOREIGN KEY (tenant_id, rule_id) REFERENCES automation_rules (tenant_id, id) ON DELETE CASCADE,
  CHECK ((kind = 'EVALUATED') = (campaigns_evaluated IS NOT NULL AND proposals IS NOT NULL)),
  CHECK ((kind = 'EVALUATED') = (action_id IS NULL)),
  CHECK (kind <> 'OUTCOME' OR status IS NOT NULL)
);
CREATE INDEX automation_rule_activity_by_rule ON automation_rule_activity (tenant_id, rule_id, at DESC, id DESC);
CREATE UNIQUE INDEX automation_rule_activity_one_outcome ON automation_rule_activity (tenant_id, rule_id, action_id, status)
  WHERE kind = 'OUTCOME';
SELECT stratum_tenant_table('automation_rule_activity');

-- +goose Down
DROP TABLE automation_rule_activity;
