package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
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
		river.AddWorker(w, &CDPChurnFanOutWorker{DB: d, Limits: lim})
		if s.CDP.Identity != nil {
			river.AddWorker(w, &CDPMarkChurnedWorker{CDP: s.CDP, Limits: lim})
		}
	}
}

// cdpPeriodic creates the events table's partitions ahead every six hours
// (and on start): two months of margin make a missed run harmless; and
// marks inactive profiles CHURNED every hour.
func cdpPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.CDP == nil {
		return nil
	}
	out := []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return CDPEnsurePartitionsArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
	if s.CDP.Identity != nil {
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return CDPChurnFanOutArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart}))
	}
	return out
}
