-- Trust engine, part 3: enforcement settings, autopilot, automation rules,
-- the action queue and the trust-gate audit log (domain/automation).

-- +goose Up
CREATE TABLE automation_settings (
  tenant_id                  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kill_switch                boolean NOT NULL DEFAULT false,
  enforcement_mode           text NOT NULL DEFAULT 'SOFT_BLOCK' CHECK (enforcement_mode IN ('ADVISORY', 'SOFT_BLOCK', 'HARD_BLOCK')),
  autopilot_level            text NOT NULL DEFAULT 'APPROVAL_REQUIRED' CHECK (autopilot_level IN ('SUGGEST_ONLY', 'GUARDED_AUTO', 'APPROVAL_REQUIRED')),
  max_daily_budget           double precision CHECK (max_daily_budget >= 0),
  max_campaign_budget        double precision CHECK (max_campaign_budget >= 0),
  max_budget_increase_pct    double precision NOT NULL DEFAULT 30 CHECK (max_budget_increase_pct >= 0),
  min_roas                   double precision NOT NULL DEFAULT 1.0 CHECK (min_roas >= 0),
  min_roas_window_days       integer NOT NULL DEFAULT 7 CHECK (min_roas_window_days BETWEEN 1 AND 90),
  max_budget_changes_per_day integer NOT NULL DEFAULT 5 CHECK (max_budget_changes_per_day >= 0),
  min_hours_between_changes  double precision NOT NULL DEFAULT 4 CHECK (min_hours_between_changes >= 0),
  autopilot_mode             text NOT NULL DEFAULT 'NORMAL' CHECK (autopilot_mode IN ('NORMAL', 'LIMITED', 'CUTS_ONLY', 'FROZEN')),
  autopilot_mode_score       double precision,
  autopilot_mode_changed_at  timestamptz NOT NULL DEFAULT now(),
  updated_at                 timestamptz NOT NULL DEFAULT now(),
  updated_by                 text NOT NULL DEFAULT 'system',
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('automation_settings');

-- Custom enforcement per violation type (overrides the tenant mode).
CREATE TABLE enforcement_rules (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id             uuid NOT NULL,
  violation_type text NOT NULL CHECK (violation_type IN ('BUDGET_EXCEEDED', 'ROAS_BELOW_THRESHOLD', 'DAILY_SPEND_LIMIT', 'CAMPAIGN_PAUSE_REQUIRED', 'FREQUENCY_CAP_EXCEEDED')),
  mode           text NOT NULL CHECK (mode IN ('ADVISORY', 'SOFT_BLOCK', 'HARD_BLOCK')),
  threshold      double precision,
  enabled        boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, violation_type)
);
SELECT stratum_tenant_table('enforcement_rules');

CREATE TABLE automation_rules (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id                uuid NOT NULL,
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  description       text NOT NULL DEFAULT '',
  builtin           text CHECK (builtin IN ('BUDGET_PACING', 'PERFORMANCE_SCALING', 'STATUS_MANAGEMENT')),
  enabled           boolean NOT NULL DEFAULT true,
  conditions        jsonb NOT NULL DEFAULT '{}',
  actions           jsonb NOT NULL DEFAULT '[]',
  params            jsonb NOT NULL DEFAULT '{}',
  schedule_minutes  integer NOT NULL DEFAULT 60 CHECK (schedule_minutes BETWEEN 5 AND 10080),
  cooldown_seconds  integer NOT NULL DEFAULT 86400 CHECK (cooldown_seconds >= 0),
  scope             jsonb NOT NULL DEFAULT '{}',
  last_evaluated_at timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, builtin)
);
SELECT stratum_tenant_table('automation_rules');

-- The action queue. dedupe_key makes a rule's proposal for one campaign in
-- one evaluation period unique, so concurrent or retried evaluations insert
-- it once. Actions outlive their rule (rule_id is kept, not a foreign key).
CREATE TABLE automation_actions (
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id              uuid NOT NULL,
  rule_id         uuid,
  rule_name       text NOT NULL DEFAULT '',
  campaign_id     uuid,
  platform        text NOT NULL DEFAULT '',
  action_type     text NOT NULL,
  risk_class      text NOT NULL,
  params          jsonb NOT NULL DEFAULT '{}',
  before_value    jsonb,
  after_value     jsonb,
  status          text NOT NULL CHECK (status IN ('QUEUED', 'APPROVED', 'APPLIED', 'FAILED', 'DISMISSED', 'BLOCKED')),
  decision        text NOT NULL CHECK (decision IN ('PASS', 'HOLD', 'BLOCK')),
  reasons         jsonb NOT NULL DEFAULT '[]',
  warnings        jsonb NOT NULL DEFAULT '[]',
  score           double precision,
  dedupe_key      text,
  created_by      text NOT NULL DEFAULT 'system',
  approved_by     text,
  approved_at     timestamptz,
  applied_by      text,
  applied_at      timestamptz,
  override_reason text,
  dismissed_by    text,
  error           text,
  attempts        integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, dedupe_key)
);
CREATE INDEX automation_actions_by_status ON automation_actions (tenant_id, status, created_at DESC);
CREATE INDEX automation_actions_by_campaign ON automation_actions (tenant_id, campaign_id, applied_at DESC);
SELECT stratum_tenant_table('automation_actions');

-- One row per trust-gate decision, dry runs included.
CREATE TABLE trust_gate_audit (
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          uuid NOT NULL,
  at          timestamptz NOT NULL,
  decision    text NOT NULL CHECK (decision IN ('PASS', 'HOLD', 'BLOCK')),
  action_type text NOT NULL,
  risk_class  text NOT NULL,
  action_id   uuid,
  entity_type text NOT NULL DEFAULT '',
  entity_id   text NOT NULL DEFAULT '',
  platform    text NOT NULL DEFAULT '',
  score       double precision,
  status      text NOT NULL DEFAULT '',
  mode        text NOT NULL DEFAULT '',
  thresholds  jsonb NOT NULL DEFAULT '{}',
  reasons     jsonb NOT NULL DEFAULT '[]',
  warnings    jsonb NOT NULL DEFAULT '[]',
  dry_run     boolean NOT NULL DEFAULT false,
  actor       text NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX trust_gate_audit_recent ON trust_gate_audit (tenant_id, at DESC, id DESC);
SELECT stratum_tenant_table('trust_gate_audit');

-- +goose Down
DROP TABLE trust_gate_audit;
DROP TABLE automation_actions;
DROP TABLE automation_rules;
DROP TABLE enforcement_rules;
DROP TABLE automation_settings;
