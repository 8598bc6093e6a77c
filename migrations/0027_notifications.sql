-- Notifications (domain/notifications): a tenant's channels (e-mail, Slack
-- incoming webhooks, signed webhooks), what each subscribes to, and the log
-- of every delivery with its outcome.

-- +goose Up
CREATE TABLE notification_channels (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               uuid NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('EMAIL', 'SLACK', 'WEBHOOK')),
  name             text NOT NULL,
  -- What the API shows: the e-mail address, the webhook URL, or the Slack
  -- URL with its secret path cut off.
  target           text NOT NULL,
  -- Sealed with the encryption key (AES-256-GCM): the webhook's signing
  -- secret, or the whole Slack URL (its path is the credential). NULL for e-mail.
  secret           bytea,
  incidents_opened boolean NOT NULL,
  incidents_closed boolean NOT NULL,
  min_severity     text NOT NULL CHECK (min_severity IN ('LOW', 'MEDIUM', 'HIGH', 'CRITICAL')),
  approvals        boolean NOT NULL,
  autopilot        boolean NOT NULL,
  daily_digest     boolean NOT NULL,
  enabled          boolean NOT NULL,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
);
CREATE INDEX notification_channels_recent ON notification_channels (tenant_id, created_at DESC, id DESC);
SELECT stratum_tenant_table('notification_channels');

CREATE TABLE notification_deliveries (
  tenant_id       uuid NOT NULL,
  id              uuid NOT NULL,
  channel_id      uuid NOT NULL,
  event           text NOT NULL CHECK (event IN ('INCIDENT_OPENED', 'INCIDENT_CLOSED', 'ACTION_AWAITING_APPROVAL',
                    'AUTOPILOT_MODE_CHANGED', 'DAILY_DIGEST', 'TEST')),
  -- One delivery per channel and event occurrence (e.g. INCIDENT_OPENED:<id>).
  event_key       text NOT NULL,
  -- The message as rendered when the event happened (title, text, link).
  message         jsonb NOT NULL,
  status          text NOT NULL CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
  attempts        integer NOT NULL DEFAULT 0,
  -- Why the last attempt failed: a status code or a transport error, never
  -- a secret or a response body.
  last_error      text,
  response_code   integer,
  created_at      timestamptz NOT NULL,
  last_attempt_at timestamptz,
  sent_at         timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, channel_id, event_key),
  FOREIGN KEY (tenant_id, channel_id) REFERENCES notification_channels (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX notification_deliveries_recent ON notification_deliveries (tenant_id, created_at DESC, id DESC);
CREATE INDEX notification_deliveries_channel ON notification_deliveries (tenant_id, channel_id, created_at DESC, id DESC);
SELECT stratum_tenant_table('notification_deliveries');

-- The tenants with a channel subscribed to the daily digest, for the
-- digest's fan-out. SECURITY DEFINER to see past RLS; it returns ids only.
-- +goose StatementBegin
CREATE FUNCTION stratum_digest_tenant_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT DISTINCT tenant_id FROM notification_channels WHERE daily_digest AND enabled ORDER BY tenant_id
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION stratum_digest_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION stratum_digest_tenant_ids() TO stratum_rw;

-- +goose Down
DROP FUNCTION IF EXISTS stratum_digest_tenant_ids();
DROP TABLE notification_deliveries;
DROP TABLE notification_channels;
