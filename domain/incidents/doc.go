// Package incidents owns incidents: periods during which something that
// automation depends on is wrong, with a timeline of what happened.
//
// Incidents open automatically, inside the transaction that observed the
// cause, one per root cause (Service is a signals.Listener): a platform's
// outage or sharp EMQ drop is a cause, and the health changes it brings
// about (the platform's health and the overall health leaving HEALTHY) are
// entries of that incident's timeline (EventSymptom), not incidents of
// their own. A health that leaves HEALTHY without such a cause is the
// cause; the overall health is one only when no platform accounts for it.
// An action failure is a cause too (domain/automation calls
// ActionFailedTx), and so is a failed subscription payment (domain/billing
// calls PaymentFailedTx, and PaymentSettledTx once the workspace leaves
// PAST_DUE). Incidents close automatically when the cause clears
// (health back to HEALTHY after the hysteresis of domain/signals, outage
// over, EMQ back to ≥ 7) or when people resolve them; people may
// acknowledge them first.
//
// Severity is SeverityFor of the worst health an incident accounts for: the
// same band the gauge shows for that health, never a second scale.
//
// Invariants: at most one unresolved incident per cause key (a partial
// unique index, so concurrent recomputes cannot duplicate one); severity only
// escalates while an incident is open; every state change adds a timeline
// event and publishes TopicIncidentOpened, TopicIncidentUpdated or
// TopicIncidentClosed in the same transaction.
//
// Callers: domain/signals (listener), domain/automation (action failures),
// resolvers (List, Get, Timeline, Acknowledge, Resolve).
package incidents
