// Package platforms owns Stratum's view of the ad platforms a tenant runs
// campaigns on: the Connector interface every platform implements (list
// campaigns, read daily metrics, report status, apply a change), the stored
// campaigns, daily campaign metrics and platform status, and the built-in
// SIMULATED ad platform (Simulator, platform "SIMULATOR").
//
// The simulator stands in for real connectors until they land: for tenants
// with tenants.simulated = true it produces campaigns, daily metrics, EMQ,
// first-party totals, CDP match quality and platform status, writing signal
// measurements through domain/signals exactly as real syncs will. Operators
// and tests degrade one signal component (Degrade) and recover (Recover) to
// show degradation → incident → autopilot hold end to end.
//
// Invariants: a connector is called with no transaction open and never joins
// one (the simulator runs its own); a change applied through a connector
// carries an idempotency key and is applied at most once per key, also under
// concurrent calls (the simulator stores keys in simulator_applied_changes,
// the real platforms' RemoteConnector in platform_applied_changes);
// a platform status change publishes
// TopicPlatformStatusChanged and a platform_up measurement in the same
// transaction.
//
// Sync (sync*.go, issue 12): sync runs of the selected ad accounts —
// structure, incremental insights and chunked, resumable backfills — through
// each connection's platforms.API (the sandbox's is SandboxAPI, backed by the
// simulator), one active run per account, kind and window; outcomes set the
// connection's and the platform's status and insights write signal
// measurements. The platform is never called inside a transaction.
//
// Reading campaigns for people (campaigns.go, campaign_metrics.go):
// CampaignPage filters, searches and sorts with keyset cursors that carry
// the ordering; metrics are summed from micros and ratios (ROAS, CPA, CTR)
// derived from the sums, undefined rather than zero or infinite when their
// denominator is zero; money of different currencies is never added
// (CampaignTotals answers one total per currency).
//
// Callers: domain/automation (campaigns, metrics, Apply), jobs (simulator
// ticks, sync runs and their schedule), seeding (SeedSimulator), resolvers
// (statuses, simulator mutations, triggerSync, syncRuns, the campaigns
// screen's queries).
package platforms
