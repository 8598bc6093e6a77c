-- Stripe billing (domain/billing, ADR 0014): the verified webhook events
-- Stripe sent, the lookup from a Stripe customer to its tenant, and the
-- idempotency key a tenant's Stripe customer is created with.

-- +goose Up
-- Every verified Stripe event, by Stripe's event id. A GLOBAL table, not a
-- tenant table: the webhook stores the event before anyone knows its tenant
-- (that takes reading the payload's metadata or looking its customer up),
-- and storing it first is what makes a delivery durable and a replay a
-- no-op (ON CONFLICT DO NOTHING on the id). The apply job resolves the
-- tenant and records it in applied_tenant beside the outcome (not named
-- tenant_id: this is not a tenant table, and the RLS guard test treats every
-- tenant_id column as one). The payload is
-- Stripe's object (it can carry a billing e-mail): only the webhook handler
-- and the apply job read this table; no API field exposes it.
CREATE TABLE stripe_events (
  id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 255),
  type        text NOT NULL CHECK (length(type) BETWEEN 1 AND 255),
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  -- Set in the transaction that applied the event to its tenant (or that
  -- recorded why it changes nothing): an applied event is never applied again.
  applied_at  timestamptz,
  outcome     text CHECK (length(outcome) <= 500),
  applied_tenant uuid
);
CREATE INDEX stripe_events_unapplied ON stripe_events (received_at) WHERE applied_at IS NULL;
SELECT stratum_global_table('stripe_events');

-- The key the tenant's Stripe customer is (being) created with: written
-- before the call to Stripe, so an interrupted creation retries with the
-- same key and Stripe answers with the customer it already made.
ALTER TABLE tenant_billing ADD COLUMN stripe_customer_key text;

-- The tenant a Stripe customer belongs to, for events that carry no
-- tenant_id metadata (invoices). SECURITY DEFINER so it sees past RLS; it
-- returns the tenant's id only, never its data.
-- +goose StatementBegin
CREATE FUNCTION stratum_tenant_by_stripe_customer(customer text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT tenant_id FROM tenant_billing WHERE stripe_customer_id = customer
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_tenant_by_stripe_customer(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_tenant_by_stripe_customer(text) TO stratum_rw;

-- +goose Down
DROP FUNCTION stratum_tenant_by_stripe_customer(text);
ALTER TABLE tenant_billing DROP COLUMN stripe_customer_key;
DROP TABLE stripe_events;
