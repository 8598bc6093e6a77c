package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
)

// CDPBatchHook is cdp.Service.Enqueue for client c: a committed batch of
// events gets its cdp.process_batch job in the transaction that commits it.
func CDPBatchHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID) error {
	return func(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID) error {
		_, err := c.InsertTx(ctx, tx.Tx, CDPProcessBatchArgs{TenantID: tenant, BatchID: batch}, nil)
		return err
	}
}

// CDPProcessBatchArgs drives the downstream work of one committed batch of
// events: identity resolution, then source counters and profile data
// (cdp.Service.ProcessBatch).
type CDPProcessBatchArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	BatchID  uuid.UUID `json:"batch_id"`
}

// Kind implements river.JobArgs.
func (CDPProcessBatchArgs) Kind() string { return "cdp.process_batch" }

// InsertOpts implements river.JobArgsWithInsertOpts. Each batch is
// inserted once, by the transaction that commits it, so no uniqueness
// check is needed (and none is paid for on the ingest path); the work is
// idempotent by batch id anyway.
func (CDPProcessBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: 25}
}

// CDPProcessBatchWorker runs CDPProcessBatchArgs.
type CDPProcessBatchWorker struct {
	river.WorkerDefaults[CDPProcessBatchArgs]
	CDP    *cdp.Service
	Limits Limits
}

// Timeout implements river.Worker: one transaction over one batch.
func (w *CDPProcessBatchWorker) Timeout(*river.Job[CDPProcessBatchArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. ProcessBatch marks the batch processed in
// the transaction that does its work, so a retry or a rescued attempt
// after a crash does nothing twice.
func (w *CDPProcessBatchWorker) Work(ctx context.Context, job *river.Job[CDPProcessBatchArgs]) error {
	_, err := w.CDP.ProcessBatch(ctx, job.Args.TenantID, job.Args.BatchID)
	return err
}

// CDPEnsurePartitionsArgs creates the monthly partitions of the events
// table ahead (this month and the next two; global, periodic).
type CDPEnsurePartitionsArgs struct{}

// Kind implements river.JobArgs.
func (CDPEnsurePartitionsArgs) Kind() string { return "cdp.ensure_partitions" }

// InsertOpts implements river.JobArgsWithInsertOpts: maintenance, at most
// one an hour.
func (CDPEnsurePartitionsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// CDPEnsurePartitionsWorker runs CDPEnsurePartitionsArgs.
type CDPEnsurePartitionsWorker struct {
	river.WorkerDefaults[CDPEnsurePartitionsArgs]
	CDP    *cdp.Service
	Limits Limits
}

// Timeout implements river.Worker: a few CREATE TABLEs.
func (w *CDPEnsurePartitionsWorker) Timeout(*river.Job[CDPEnsurePartitionsArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker (idempotent: only missing partitions are made).
func (w *CDPEnsurePartitionsWorker) Work(ctx context.Context, _ *river.Job[CDPEnsurePartitionsArgs]) error {
	_, err := w.CDP.EnsurePartitions(ctx)
	return err
}

// CDPSimulateFanOutArgs starts one cdp.simulate_events job per simulated
// tenant for the current minute (periodic, every minute).
type CDPSimulateFanOutArgs struct{}

// Kind implements river.JobArgs.
func (CDPSimulateFanOutArgs) Kind() string { return "cdp.simulate_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one a minute.
func (CDPSimulateFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// CDPSimulateFanOutWorker runs CDPSimulateFanOutArgs.
type CDPSimulateFanOutWorker struct {
	river.WorkerDefaults[CDPSimulateFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per simulated tenant.
func (w *CDPSimulateFanOutWorker) Timeout(*river.Job[CDPSimulateFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *CDPSimulateFanOutWorker) Work(ctx context.Context, _ *river.Job[CDPSimulateFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_simulated_tenant_ids()", func(now time.Time, id uuid.UUID) (river.JobArgs, error) {
		return CDPSimulateEventsArgs{TenantID: id, Minute: now.UTC().Truncate(time.Minute)}, nil
	})
}

// CDPSimulateEventsArgs sends one minute of a simulated tenant's simulated
// event stream (cdp.Service.SimulateEvents). The minute is in the args so
// that a retry sends the same events, which dedup drops.
type CDPSimulateEventsArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Minute   time.Time `json:"minute"`
}

// Kind implements river.JobArgs.
func (CDPSimulateEventsArgs) Kind() string { return "cdp.simulate_events" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (CDPSimulateEventsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CDPSimulateEventsWorker runs CDPSimulateEventsArgs.
type CDPSimulateEventsWorker struct {
	river.WorkerDefaults[CDPSimulateEventsArgs]
	CDP *cdp.Service
	// Billing gates the job on the cdp flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: a few dozen events through one group commit.
func (w *CDPSimulateEventsWorker) Timeout(*river.Job[CDPSimulateEventsArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker. A tenant without the cdp flag is skipped
// (recorded, billing.Service.Gate); the source's rate limit (THROTTLED)
// drops this minute rather than retrying it.
func (w *CDPSimulateEventsWorker) Work(ctx context.Context, job *river.Job[CDPSimulateEventsArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.CDP)
	if err != nil || !on {
		return err
	}
	_, err = w.CDP.SimulateEvents(ctx, job.Args.TenantID, job.Args.Minute)
	if apperr.CodeOf(err) == apperr.Throttled {
		return river.JobCancel(err)
	}
	return err
}

// CDPPruneMessageIDsArgs deletes the messageId dedup rows older than
// cdp.DedupWindow and then the segment membership changes older than
// cdp.MembershipChangeRetention (global, periodic).
type CDPPruneMessageIDsArgs struct{}

// Kind implements river.JobArgs.
func (CDPPruneMessageIDsArgs) Kind() string { return "cdp.prune_message_ids" }

// InsertOpts implements river.JobArgsWithInsertOpts: maintenance, at most
// one per interval.
func (CDPPruneMessageIDsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: CDPPruneInterval}}
}

// CDPPruneInterval is how often the dedup table is pruned. One run deletes
// up to cdp.MaxPruneBatches × the batch size (500,000 rows by default), so
// it keeps up with about 48 million stored events a day; a larger backlog
// shrinks over several runs.
const CDPPruneInterval = 15 * time.Minute

// CDPPruneMessageIDsWorker runs CDPPruneMessageIDsArgs.
type CDPPruneMessageIDsWorker struct {
	river.WorkerDefaults[CDPPruneMessageIDsArgs]
	CDP    *cdp.Service
	Limits Limits
}

// Timeout implements river.Worker: bounded batches of deletes.
func (w *CDPPruneMessageIDsWorker) Timeout(*river.Job[CDPPruneMessageIDsArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. It stops after three quarters of its
// timeout with what it deleted committed (each batch is its own
// transaction); the next run goes on, so running out of time is no failure.
func (w *CDPPruneMessageIDsWorker) Work(ctx context.Context, job *river.Job[CDPPruneMessageIDsArgs]) error {
	budget, cancel := context.WithTimeout(ctx, w.Timeout(job)*3/4)
	defer cancel()
	_, _, err := w.CDP.PruneMessageIDs(budget)
	if err == nil {
		_, _, err = w.CDP.PruneMembershipChanges(budget)
	}
	if err != nil && ctx.Err() == nil && budget.Err() != nil {
		return nil
	}
	return err
}

// CDPChurnFanOutArgs starts the churn run (CDPMarkChurnedArgs) of every
// tenant with CDP sources (global, periodic).
type CDPChurnFanOutArgs struct{}

// Kind implements river.JobArgs.
func (CDPChurnFanOutArgs) Kind() string { return "cdp.churn_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one an hour.
func (CDPChurnFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// CDPChurnFanOutWorker lists the tenants and enqueues their churn runs.
type CDPChurnFanOutWorker struct {
	river.WorkerDefaults[CDPChurnFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *CDPChurnFanOutWorker) Timeout(*river.Job[CDPChurnFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *CDPChurnFanOutWorker) Work(ctx context.Context, _ *river.Job[CDPChurnFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_cdp_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
		return CDPMarkChurnedArgs{TenantID: id}, nil
	})
}

// CDPMarkChurnedArgs marks one tenant's profiles inactive for its churn
// period as CHURNED (cdp.Identity.MarkChurned).
type CDPMarkChurnedArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (CDPMarkChurnedArgs) Kind() string { return "cdp.mark_churned" }

// InsertOpts implements river.JobArgsWithInsertOpts: one per tenant and
// hour (the fan-out's period).
func (CDPMarkChurnedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
}

// CDPMarkChurnedWorker runs CDPMarkChurnedArgs.
type CDPMarkChurnedWorker struct {
	river.WorkerDefaults[CDPMarkChurnedArgs]
	CDP    *cdp.Service
	Limits Limits
}

// Timeout implements river.Worker: at most cdp.ChurnBatchesPerRun
// transactions of an indexed UPDATE of cdp.ChurnBatch rows.
func (w *CDPMarkChurnedWorker) Timeout(*river.Job[CDPMarkChurnedArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. Each batch commits on its own and the
// next run skips what is done, so a retry or a rescued attempt is safe;
// what one run leaves (more than its bound) the next hour's run takes.
func (w *CDPMarkChurnedWorker) Work(ctx context.Context, job *river.Job[CDPMarkChurnedArgs]) error {
	_, _, err := w.CDP.Identity.MarkChurned(ctx, job.Args.TenantID)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	return err
}

// registerCDP adds the CDP workers (when the services have the CDP).
func registerCDP(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.CDP != nil {
		river.AddWorker(w, &CDPProcessBatchWorker{CDP: s.CDP, Limits: lim})
		river.AddWorker(w, &CDPEnsurePartitionsWorker{CDP: s.CDP, Limits: lim})
		river.AddWorker(w, &CDPPruneMessageIDsWorker{CDP: s.CDP, Limits: lim})
		river.AddWorker(w, &CDPSimulateFanOutWorker{DB: d, Limits: lim})
		river.AddWorker(w, &CDPSimulateEventsWorker{CDP: s.CDP, Billing: s.Billing, Limits: lim})
		river.AddWorker(w, &CDPChurnFanOutWorker{DB: d, Limits: lim})
		if s.CDP.Identity != nil {
			river.AddWorker(w, &CDPMarkChurnedWorker{CDP: s.CDP, Limits: lim})
		}
	}
}

// cdpPeriodic creates the events table's partitions ahead every six hours
// (and on start): two months of margin make a missed run harmless; prunes
// the dedup table every CDPPruneInterval; sends the simulated tenants'
// simulated events every minute; and marks inactive profiles CHURNED every
// hour.
func cdpPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.CDP == nil {
		return nil
	}
	out := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return CDPEnsurePartitionsArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
		river.NewPeriodicJob(river.PeriodicInterval(CDPPruneInterval), func() (river.JobArgs, *river.InsertOpts) {
			return CDPPruneMessageIDsArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
			return CDPSimulateFanOutArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}),
	}
	if s.CDP.Identity != nil {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return CDPChurnFanOutArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}))
	}
	return out
}
