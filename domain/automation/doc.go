// Package automation owns trust-gated automation: the trust gate, autopilot,
// tenant enforcement settings, automation rules (user-defined and three
// built-ins), the action queue and the gate's audit log.
//
// Every proposed change to an ad account passes the trust gate (Decide),
// which answers PASS (execute), HOLD (queue for review) or BLOCK (manual
// override only) from the action's risk class and its threshold, the
// autopilot mode derived from the signal-health score (NORMAL, LIMITED,
// CUTS_ONLY, FROZEN, with hysteresis), the kill switch, the guardrails of
// the enforcement settings and the tenant's autopilot level (SUGGEST_ONLY,
// GUARDED_AUTO, APPROVAL_REQUIRED). Each decision, dry runs included, writes
// one trust_gate_audit row, never changed afterwards: an action's rows,
// oldest first, are its gate timeline (GateTimelines), each with its cause
// (proposal, re-gate after a score or settings change, approval, execution
// check, override) and the score of its moment. The action keeps a copy of
// the decision that let it run (DecidingGateID) or, until it runs, of its
// latest; the proposal's business reasons are its Sources, which re-gating
// never touches. The queue has two phases — Waiting and Handled — that
// partition the statuses.
//
// Rules are evaluated per tenant by River jobs; each proposal becomes an
// action in automation_actions with a dedupe key unique per rule, campaign,
// action type and evaluation period, so concurrent or retried evaluations
// queue it once. A campaign has at most one open action (QUEUED, or
// APPROVED and not started) per change kind — budget, bid, status,
// targeting — enforced by a unique index (proposals.go): a proposal of the
// same change joins it as another source with its reason, a different one
// supersedes it. Actions move QUEUED → APPROVED → APPLIED (or FAILED,
// DISMISSED, BLOCKED, SUPERSEDED, NOT_NEEDED). Execution (execute.go, ADR
// 0012) first re-validates the action against the campaign as it is now
// (revalidate.go: paused or gone since, already at the target, replaced →
// NOT_NEEDED or SUPERSEDED, never APPLIED without a change), re-checks the
// gate and stores the planned connector changes with their idempotency keys on the
// action in one transaction, calls the connector with no transaction open,
// and records the outcome in a second transaction; a crash in between is
// resumed with the same keys, so an action is applied at most once however
// often its job runs.
//
// Evaluation explains itself (explain.go): for each campaign a rule reads,
// the comparisons made with the values read, the first one that kept the
// rule from proposing and the outcome in words; the queue's proposals and
// a dry run's (SimulateRule) come from that one code path. Rule.Logic
// writes every rule, built-ins from their current params, in words
// (logic.go); RuleTemplates are ready-made rules to start from
// (templates.go). Each evaluation, proposal and outcome of an action a
// rule proposed is written to the rule's activity log
// (automation_rule_activity, activity.go) in the transaction doing it.
//
// Service is a signals.Listener: when the overall score moves the autopilot
// mode, it publishes TopicAutopilotModeChanged and re-gates pending actions
// in the same transaction.
//
// Callers: jobs (evaluation, execution), domain/signals (listener),
// resolvers (settings, rules, actions, simulations, audit log).
package automation
