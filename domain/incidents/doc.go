// Package incidents owns incidents: periods during which something that
// automation depends on is wrong, with a timeline of what happened.
//
// Incidents open automatically, inside the transaction that observed the
// cause: when overall or a platform's signal health leaves HEALTHY, a
// platform reports an outage, a platform's EMQ drops sharply (Service is a
// signals.Listener), or an action fails (domain/automation calls
// ActionFailedTx). They close automatically when the cause clears (health
// back to HEALTHY after the hysteresis of domain/signals, outage over, EMQ
// back to ≥ 7) or when people resolve them; people may acknowledge them first.
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
