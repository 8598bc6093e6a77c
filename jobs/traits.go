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

// Computed traits' jobs (docs/adr/0019): a definition's backfill, and the
// hourly maintenance of each tenant with definitions (window expiry and
// the recompute of profiles whose identifiers changed).

// TraitMaintainInterval is how often windowed traits lose their expired
// days: a value may show a day that left its window for up to this long.
const TraitMaintainInterval = time.Hour

// TraitBackfillHook is cdp.Traits.EnqueueBackfill for client c: a created
// or changed definition gets its backfill job in the same transaction.
func TraitBackfillHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, definition uuid.UUID, version int) error {
	return func(ctx context.Context, tx bun.Tx, tenant, definition uuid.UUID, version int) error {
		_, err := c.InsertTx(ctx, tx.Tx, TraitBackfillArgs{TenantID: tenant, DefinitionID: definition, Version: version}, nil)
		return err
	}
}

// TraitBackfillArgs computes every profile's value of one version of a
// definition (cdp.Traits.Backfill).
type TraitBackfillArgs struct {
	TenantID     uuid.UUID `json:"tenant_id"`
	DefinitionID uuid.UUID `json:"definition_id"`
	Version      int       `json:"version"`
}

// Kind implements river.JobArgs.
func (TraitBackfillArgs) Kind() string { return "cdp.trait_backfill" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per version.
func (TraitBackfillArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 25, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// TraitBackfillWorker runs TraitBackfillArgs.
type TraitBackfillWorker struct {
	river.WorkerDefaults[TraitBackfillArgs]
	Traits *cdp.Traits
	Limits Limits
}

// Timeout implements river.Worker.
func (w *TraitBackfillWorker) Timeout(*river.Job[TraitBackfillArgs]) time.Duration {
	return w.Limits.timeout(5 * time.Minute)
}

// Work implements river.Worker. Each chunk commits with its progress; when
// three quarters of the timeout are spent the job snoozes and its next
// run goes on from the definition's cursor.
func (w *TraitBackfillWorker) Work(ctx context.Context, job *river.Job[TraitBackfillArgs]) error {
	budget, cancel := context.WithTimeout(ctx, w.Timeout(job)*3/4)
	defer cancel()
	err := w.Traits.Backfill(budget, job.Args.TenantID, job.Args.DefinitionID, job.Args.Version)
	switch {
	case errors.Is(err, db.ErrNoTenant):
		return river.JobCancel(err)
	case err != nil && ctx.Err() == nil && budget.Err() != nil:
		return river.JobSnooze(time.Second)
	}
	return err
}

// TraitMaintainFanOutArgs starts the maintenance (TraitMaintainArgs) of
// every tenant with trait definitions (global, periodic).
type TraitMaintainFanOutArgs struct{}

// Kind implements river.JobArgs.
func (TraitMaintainFanOutArgs) Kind() string { return "cdp.trait_maintain_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one an interval.
func (TraitMaintainFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: TraitMaintainInterval}}
}

// TraitMaintainFanOutWorker lists the tenants and enqueues their runs.
type TraitMaintainFanOutWorker struct {
	river.WorkerDefaults[TraitMaintainFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *TraitMaintainFanOutWorker) Timeout(*river.Job[TraitMaintainFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *TraitMaintainFanOutWorker) Work(ctx context.Context, _ *river.Job[TraitMaintainFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_cdp_trait_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
		return TraitMaintainArgs{TenantID: id}, nil
	})
}

// TraitMaintainArgs expires one tenant's windowed traits and reconciles
// its changed profiles (cdp.Traits.Maintain).
type TraitMaintainArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (TraitMaintainArgs) Kind() string { return "cdp.trait_maintain" }

// InsertOpts implements river.JobArgsWithInsertOpts: one per tenant and
// interval.
func (TraitMaintainArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: TraitMaintainInterval}}
}

// TraitMaintainWorker runs TraitMaintainArgs.
type TraitMaintainWorker struct {
	river.WorkerDefaults[TraitMaintainArgs]
	Traits *cdp.Traits
	Limits Limits
}

// Timeout implements river.Worker.
func (w *TraitMaintainWorker) Timeout(*river.Job[TraitMaintainArgs]) time.Duration {
	return w.Limits.timeout(5 * time.Minute)
}

// Work implements river.Worker: chunks commit on their own, so a retry
// goes on where the last attempt stopped.
func (w *TraitMaintainWorker) Work(ctx context.Context, job *river.Job[TraitMaintainArgs]) error {
	_, err := w.Traits.Maintain(ctx, job.Args.TenantID)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	return err
}

// registerTraits adds the computed traits' workers (with Services.Traits).
func registerTraits(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.Traits == nil {
		return
	}
	river.AddWorker(w, &TraitBackfillWorker{Traits: s.Traits, Limits: lim})
	river.AddWorker(w, &TraitMaintainFanOutWorker{DB: d, Limits: lim})
	river.AddWorker(w, &TraitMaintainWorker{Traits: s.Traits, Limits: lim})
}

// traitsPeriodic is the maintenance's schedule.
func traitsPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Traits == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(TraitMaintainInterval), func() (river.JobArgs, *river.InsertOpts) {
		return TraitMaintainFanOutArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
