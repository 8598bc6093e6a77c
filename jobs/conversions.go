package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/conversions"
)

// ConversionsFlushHook is conversions.Deliveries.Enqueue for client c: a
// destination's flush job, due at at, inserted in the transaction that
// recorded its deliveries. One job per destination and second: events
// recorded by many batches within a second share one flush.
func ConversionsFlushHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, at time.Time) error {
	return func(ctx context.Context, tx bun.Tx, tenant, destination uuid.UUID, at time.Time) error {
		_, err := c.InsertTx(ctx, tx.Tx, ConversionsFlushArgs{TenantID: tenant, DestinationID: destination,
			Slot: fmt.Sprintf("at-%d", at.Unix())}, &river.InsertOpts{ScheduledAt: at})
		return err
	}
}

// ConversionsFlushArgs sends one destination's due conversion deliveries
// (conversions.Deliveries.Flush): at most the platform's batch limit per
// job, the next job enqueued by the one before while any are left.
type ConversionsFlushArgs struct {
	TenantID      uuid.UUID `json:"tenant_id"`
	DestinationID uuid.UUID `json:"destination_id"`
	// Slot makes the job unique per destination and slot: "at-<unix
	// second>" of the time it is due (the batch hook's jobs and the next
	// flush a flush enqueues), "after-<job id>" for a next flush due in
	// the running job's own second (which uniqueness still counts while it
	// runs), "sweep-<job id>" for the sweep's.
	Slot string `json:"slot"`
}

// Kind implements river.JobArgs.
func (ConversionsFlushArgs) Kind() string { return "conversions.flush" }

// InsertOpts implements river.JobArgsWithInsertOpts: forwarding is on the
// high queue; a duplicate of a pending flush is skipped.
func (ConversionsFlushArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ConversionsFlushWorker runs ConversionsFlushArgs.
type ConversionsFlushWorker struct {
	river.WorkerDefaults[ConversionsFlushArgs]
	Deliveries *conversions.Deliveries
	// Billing gates forwarding on the capi flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: two short transactions and one
// platform request. conversions.DeliveryConfig.ReclaimAfter must exceed it.
func (w *ConversionsFlushWorker) Timeout(*river.Job[ConversionsFlushArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. A tenant without the capi flag is skipped
// (recorded; its deliveries stay queued). A retried or rescued attempt is
// safe: what the earlier one recorded is done, and what it claimed without
// recording is reclaimed after ReclaimAfter and sent again under the same
// event id (docs/adr/0022).
func (w *ConversionsFlushWorker) Work(ctx context.Context, job *river.Job[ConversionsFlushArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.CAPI)
	if err != nil || !on {
		return err
	}
	next := func(ctx context.Context, tx bun.Tx, at time.Time) error {
		c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
		if err != nil {
			return err
		}
		// Flushes due in the same second merge (so the chains of jobs that
		// batches start join instead of multiplying), except with this
		// running job itself, which uniqueness still counts.
		slot := fmt.Sprintf("at-%d", at.Unix())
		if slot == job.Args.Slot {
			slot = fmt.Sprintf("after-%d", job.ID)
		}
		_, err = c.InsertTx(ctx, tx.Tx, ConversionsFlushArgs{TenantID: job.Args.TenantID,
			DestinationID: job.Args.DestinationID, Slot: slot}, &river.InsertOpts{ScheduledAt: at})
		return err
	}
	_, err = w.Deliveries.Flush(ctx, job.Args.TenantID, job.Args.DestinationID, next)
	return err
}

// registerConversions adds the conversion workers (when the services have them).
func registerConversions(w *river.Workers, s Services, lim Limits) {
	if s.Deliveries != nil {
		river.AddWorker(w, &ConversionsFlushWorker{Deliveries: s.Deliveries, Billing: s.Billing, Limits: lim})
		river.AddWorker(w, &ConversionsSweepWorker{Deliveries: s.Deliveries, Limits: lim})
	}
}

// ConversionsSweepArgs enqueues a flush for every destination whose
// deliveries are overdue (conversions.Deliveries.Stalled): the safety net
// for a flush job that was lost, e.g. deduplicated against a flush that ran
// before the batch recording its deliveries committed; and deletes the
// delivery log's entries past their retention (Deliveries.PruneLog)
// (global, periodic).
type ConversionsSweepArgs struct{}

// Kind implements river.JobArgs.
func (ConversionsSweepArgs) Kind() string { return "conversions.sweep" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one a minute.
func (ConversionsSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// ConversionsSweepWorker runs ConversionsSweepArgs.
type ConversionsSweepWorker struct {
	river.WorkerDefaults[ConversionsSweepArgs]
	Deliveries *conversions.Deliveries
	Limits     Limits
}

// Timeout implements river.Worker: one bounded read and one insert, then
// at most conversions.MaxPruneBatches bounded deletes.
func (w *ConversionsSweepWorker) Timeout(*river.Job[ConversionsSweepArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker.
func (w *ConversionsSweepWorker) Work(ctx context.Context, job *river.Job[ConversionsSweepArgs]) error {
	if err := w.flushStalled(ctx, job); err != nil {
		return err
	}
	_, _, err := w.Deliveries.PruneLog(ctx) // what is left goes in the next minute's run
	return err
}

// flushStalled enqueues a flush for each stalled destination.
func (w *ConversionsSweepWorker) flushStalled(ctx context.Context, job *river.Job[ConversionsSweepArgs]) error {
	stalled, err := w.Deliveries.Stalled(ctx)
	if err != nil || len(stalled) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(stalled))
	for i, s := range stalled {
		params[i] = river.InsertManyParams{Args: ConversionsFlushArgs{TenantID: s[0], DestinationID: s[1],
			Slot: fmt.Sprintf("sweep-%d", job.ID)}}
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = c.InsertMany(ctx, params)
	return err
}

// conversionsPeriodic sweeps for stalled deliveries every minute.
func conversionsPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Deliveries == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) {
		return ConversionsSweepArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
