// Package notifications owns a tenant's notification channels and the log
// of what was sent through them.
//
// A channel is an e-mail address (sent through internal/mail: SMTP, or the
// development mail sink), a Slack incoming webhook, or a generic webhook
// whose deliveries are signed with HMAC-SHA256 (internal/webhook:
// "Stratum-Signature: t=<unix>,v1=<hex>", checked by receivers with a
// five-minute tolerance). Its subscriptions say which events it hears:
// incidents opened and closed from a minimum severity, actions waiting for
// approval, autopilot mode changes, and a daily digest. Secrets — a
// webhook's signing key, a Slack URL (its path is the credential) — are
// sealed at rest with the server's encryption key (Sealer) and never shown
// again after creation.
//
// Invariants:
//   - The outside world is never called inside a transaction (ADR 0012).
//     An event's source calls a *Tx hook inside its writing transaction
//     (incidents.Service.Notify, automation.Service.OnAwaitingApproval and
//     OnModeChanged, set in app); the hook inserts one PENDING delivery per
//     subscribed channel, keyed by the event (one delivery per channel and
//     event, however often the source runs), and enqueues its job in the same
//     transaction (Service.Enqueue). Deliver then records the attempt,
//     sends with no transaction open, and records the outcome; a retry
//     resends the same delivery id (webhooks: Stratum-Delivery and
//     Idempotency-Key headers; e-mail: Message-ID), so receivers can drop
//     duplicates after a crash between sending and recording.
//   - A delivery's last error names a status code or a transport failure,
//     never a secret, a URL or a response body.
//   - URLs obey the server's webhook.Policy when saved and when dialled
//     (https to public addresses outside development and tests).
//
// Callers: resolvers (channels, tests, the delivery log), jobs (delivery,
// the daily digest), and the incidents and automation services through
// their hooks.
package notifications
