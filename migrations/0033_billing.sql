-- Billing (domain/billing, ADR 0014): each tenant's plan and billing state
-- kept in step with Stripe, and the operators' per-tenant feature overrides.
-- tenant_billing.plan is the tenant's plan; tenants.plan only seeds it.

-- +goose Up
CREATE TABLE tenant_billing (
  tenant_id              uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  plan                   text NOT NULL CHECK (plan IN ('starter', 'professional', 'enterprise')),
  status                 text NOT NULL CHECK (status IN ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED')),
  trial_ends_at          timestamptz,
  current_period_end     timestamptz,
  cancel_at_period_end   boolean NOT NULL DEFAULT false,
  -- Set when a payment fails: until then the paid plan's flags stay on.
  grace_ends_at          timestamptz,
  stripe_customer_id     text UNIQUE,
  stripe_subscription_id text,
  -- The Stripe-side time of the newest subscription state applied, so a
  -- stale event delivered late never overwrites a newer one.
  subscription_as_of     timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id)
);
SELECT stratum_tenant_table('tenant_billing');

-- Every tenant has its billing row from its first moment, on the plan it
-- was created with, ACTIVE (sign-up then starts a trial).
-- +goose StatementBegin
CREATE FUNCTION stratum_tenant_billing_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  INSERT INTO tenant_billing (tenant_id, plan, status, created_at, updated_at)
  VALUES (NEW.id, CASE WHEN NEW.plan IN ('starter', 'professional', 'enterprise') THEN NEW.plan ELSE 'starter' END,
          'ACTIVE', NEW.created_at, NEW.created_at)
  ON CONFLICT (tenant_id) DO NOTHING;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenants_billing_row AFTER INSERT ON tenants
  FOR EACH ROW EXECUTE FUNCTION stratum_tenant_billing_row();

INSERT INTO tenant_billing (tenant_id, plan, status, created_at, updated_at)
SELECT id, CASE WHEN plan IN ('starter', 'professional', 'enterprise') THEN plan ELSE 'starter' END,
       'ACTIVE', created_at, created_at
FROM tenants
ON CONFLICT (tenant_id) DO NOTHING;

-- A platform operator's override of one flag for one tenant; an expired
-- one is ignored (and kept, with who set it and why, beside the audit log).
CREATE TABLE tenant_feature_overrides (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  flag       text NOT NULL CHECK (length(flag) BETWEEN 1 AND 64),
  enabled    boolean NOT NULL,
  expires_at timestamptz,
  set_by     text NOT NULL,
  reason     text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, flag)
);
SELECT stratum_tenant_table('tenant_feature_overrides');

-- +goose Down
DROP TABLE tenant_feature_overrides;
DROP TRIGGER tenants_billing_row ON tenants;
DROP FUNCTION stratum_tenant_billing_row();
DROP TABLE tenant_billing;
