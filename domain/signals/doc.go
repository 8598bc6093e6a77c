// Package signals owns signal health: how trustworthy a tenant's marketing
// data is right now, per ad platform and overall, as a score from 0 to 100.
//
// Inputs are measurements (table signal_measurements) written by anyone who
// observes data quality: platform syncs, CAPI delivery and EMQ, CDP ingestion
// and, until those exist, the simulator in domain/platforms. Writers call
// Service.Record inside their own transaction; Record asks the OnMeasured hook
// (wired by jobs to a debounced River job) to recompute.
//
// Service.Recompute turns the measurements into five components (EMQ,
// freshness, variance, anomaly and, when present, CDP), weights them per
// Config, derives a status with hysteresis, explains every lost point in
// Issues, stores the current health (signal_health) and hourly and daily
// history (signal_health_history), publishes realtime events and tells the
// registered Listeners (incidents, automation) about each change, all in one
// transaction. Recompute locks the tenant's signal_recompute_state row, which Record
// also holds until the writer commits: recomputes of one tenant serialise,
// history counts each once, and no recompute reads around an uncommitted write.
//
// Invariants: scores are in [0, 100]; a platform's status only changes when
// its score crosses a threshold by more than the hysteresis margin; the
// overall health (platform Overall, the empty string) exists whenever any platform health does.
//
// Callers: jobs (recompute on change and on schedule), domain/platforms
// (writes measurements), domain/automation (reads health for the trust gate),
// resolvers (Get, List, History).
package signals
