package jobs

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
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

// registerCDP adds the CDP workers (when the services have the CDP).
func registerCDP(w *river.Workers, s Services, lim Limits) {
	if s.CDP != nil {
		river.AddWorker(w, &CDPProcessBatchWorker{CDP: s.CDP, Limits: lim})
		river.AddWorker(w, &CDPEnsurePartitionsWorker{CDP: s.CDP, Limits: lim})
	}
}

// cdpPeriodic creates the events table's partitions ahead every six hours
// (and on start): two months of margin make a missed run harmless.
func cdpPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.CDP == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return CDPEnsurePartitionsArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
