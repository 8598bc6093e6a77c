-- One open proposal per campaign and change kind (issue 10, defect 3).
--
-- change_kind groups the action types that change the same campaign setting
-- (budget, bid, status, targeting); NULL for account-wide actions
-- (pause_all, emergency_stop). An action is open while it waits: QUEUED or
-- APPROVED with no execution in flight. The partial unique index lets only
-- one open action exist per (tenant, campaign, change kind), so two
-- evaluations running at once cannot queue the same change twice: the
-- second insert finds the first and joins it (automation.proposeTx).
--
-- sources lists who proposed the change and why: the first proposal and
-- every proposal that joined it ({ruleId, ruleName, actor, reason, at}).
-- resolution says why an action ended without a change: SUPERSEDED (a newer
-- proposal of the same kind replaced it) or NOT_NEEDED (re-validated against
-- the campaign before execution: paused or gone since, or already there).
--
-- Rows written before this migration get a change kind and a source made
-- from what they recorded; of several open actions of one kind, the newest
-- stays open and the others become SUPERSEDED, so the index can be built.
-- A replica of the previous release inserts without change_kind (NULL): its
-- rows are outside the index until it is gone.

-- +goose Up
ALTER TABLE automation_actions DROP CONSTRAINT automation_actions_status_check;
ALTER TABLE automation_actions ADD CONSTRAINT automation_actions_status_check
  CHECK (status IN ('QUEUED', 'APPROVED', 'APPLIED', 'FAILED', 'DISMISSED', 'BLOCKED', 'SUPERSEDED', 'NOT_NEEDED'));
ALTER TABLE automation_actions
  ADD COLUMN change_kind text,
  ADD COLUMN sources jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN resolution text;

UPDATE automation_actions SET change_kind = CASE
    WHEN action_type IN ('increase_budget', 'reduce_budget', 'update_budget') THEN 'budget'
    WHEN action_type IN ('increase_bid', 'reduce_bid', 'update_bid') THEN 'bid'
    WHEN action_type IN ('pause_underperforming', 'launch_campaign', 'update_status') THEN 'status'
    WHEN action_type = 'expand_targeting' THEN 'targeting'
  END
WHERE campaign_id IS NOT NULL;

UPDATE automation_actions SET sources = jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
    'ruleId', rule_id, 'ruleName', NULLIF(rule_name, ''), 'actor', created_by,
    'reason', CASE WHEN rule_id IS NOT NULL THEN reasons->>0 END,
    'at', to_jsonb(created_at))));

UPDATE automation_actions a SET status = 'SUPERSEDED', resolution = 'replaced by a newer proposal of the same change'
WHERE a.status IN ('QUEUED', 'APPROVED') AND a.execution IS NULL AND a.change_kind IS NOT NULL
  AND EXISTS (SELECT 1 FROM automation_actions n
    WHERE n.tenant_id = a.tenant_id AND n.campaign_id = a.campaign_id AND n.change_kind = a.change_kind
      AND n.status IN ('QUEUED', 'APPROVED') AND n.execution IS NULL
      AND (n.created_at, n.id) > (a.created_at, a.id));

CREATE UNIQUE INDEX automation_actions_one_open ON automation_actions (tenant_id, campaign_id, change_kind)
  WHERE status IN ('QUEUED', 'APPROVED') AND execution IS NULL AND change_kind IS NOT NULL;

-- +goose Down
DROP INDEX automation_actions_one_open;
UPDATE automation_actions SET status = 'DISMISSED', dismissed_by = 'system' WHERE status IN ('SUPERSEDED', 'NOT_NEEDED');
ALTER TABLE automation_actions DROP COLUMN change_kind, DROP COLUMN sources, DROP COLUMN resolution;
ALTER TABLE automation_actions DROP CONSTRAINT automation_actions_status_check;
ALTER TABLE automation_actions ADD CONSTRAINT automation_actions_status_check
  CHECK (status IN ('QUEUED', 'APPROVED', 'APPLIED', 'FAILED', 'DISMISSED', 'BLOCKED'));
