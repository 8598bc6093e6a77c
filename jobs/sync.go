package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/db"
)

// Platform sync jobs (issue 12, docs/adr/0015 "Sync").
//
//   - platforms.sync runs one SyncRun. Queue by trigger: high for a user's
//     "sync now", default for scheduled syncs, low for every backfill. One
//     active run per (tenant, account, kind, window) is the
//     sync_runs_one_active index's guarantee (a second request gets the
//     active run, so no second job is inserted); the run and its job are
//     inserted in one transaction. The job is River-unique by (tenant, run,
//     account, kind, window) while waiting or running: one job per run. (The
//     run id is part of the key because a finished run's job stays
//     "running" for a moment after the run row ended; without it a new run of
//     the same window would be refused as that job's duplicate.)
//   - platforms.schedule_syncs (periodic, every ScheduleEvery) fans out one
//     platforms.schedule_tenant_syncs per tenant with a selected account,
//     which queues the runs that are due by the tenant's plan (SyncSchedules).
//
// Connector syncs are gated by the platform_connectors flag (a skip is
// recorded, the run CANCELED); sandbox connections are not: the sandbox is
// available on every plan.

// Sync schedules by plan: structure every 6 hours on every plan; incremental
// insights every 6 hours on Starter, hourly on Professional, every 15 minutes
// on Enterprise (README "Sync", ADR 0015).
var SyncSchedules = map[billing.Plan]platforms.Schedule{
	billing.Starter:      {Structure: 6 * time.Hour, Insights: 6 * time.Hour},
	billing.Professional: {Structure: 6 * time.Hour, Insights: time.Hour},
	billing.Enterprise:   {Structure: 6 * time.Hour, Insights: 15 * time.Minute},
}

// ScheduleEvery is how often the schedule fan-out looks for due syncs.
const ScheduleEvery = 5 * time.Minute

// SyncTimeout is a sync attempt's own timeout (capped by Limits.MaxTimeout).
// An attempt stops between chunks at half of its timeout and snoozes, so a
// long backfill proceeds in slices and never reaches the timeout mid-chunk
// unless one chunk alone is that slow (then the retry rewrites that chunk).
const SyncTimeout = 5 * time.Minute

// RateLimitBackoff is the snooze of a rate-limited sync whose platform
// named no wait.
const RateLimitBackoff = time.Minute

// PlatformsSyncArgs runs one sync run.
type PlatformsSyncArgs struct {
	TenantID  uuid.UUID `json:"tenant_id" river:"unique"`
	RunID     uuid.UUID `json:"run_id" river:"unique"`
	AccountID uuid.UUID `json:"account_id" river:"unique"`
	SyncKind  string    `json:"kind" river:"unique"`
	From      string    `json:"from,omitempty" river:"unique"`
	To        string    `json:"to,omitempty" river:"unique"`
	Trigger   string    `json:"trigger"`
}

// Kind implements river.JobArgs.
func (PlatformsSyncArgs) Kind() string { return "platforms.sync" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (a PlatformsSyncArgs) InsertOpts() river.InsertOpts {
	q := QueueDefault
	switch {
	case a.SyncKind == platforms.SyncBackfill:
		q = QueueLow
	case a.Trigger == platforms.TriggerUser:
		q = QueueHigh
	}
	return river.InsertOpts{Queue: q, MaxAttempts: 8, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// SyncArgs are run's job args.
func SyncArgs(run *platforms.SyncRun) PlatformsSyncArgs {
	a := PlatformsSyncArgs{TenantID: run.TenantID, RunID: run.ID, AccountID: run.AdAccountID, SyncKind: run.Kind, Trigger: run.Trigger}
	if run.WindowFrom != nil && run.WindowTo != nil {
		a.From, a.To = run.WindowFrom.Format(time.DateOnly), run.WindowTo.Format(time.DateOnly)
	}
	return a
}

// SyncHook is platforms.SyncOptions.Enqueue for client c: a run's job is
// inserted in the transaction that inserted the run.
func SyncHook(c *Client) func(ctx context.Context, tx bun.Tx, run *platforms.SyncRun) error {
	return func(ctx context.Context, tx bun.Tx, run *platforms.SyncRun) error {
		_, err := c.InsertTx(ctx, tx.Tx, SyncArgs(run), nil)
		return err
	}
}

// PlatformsSyncWorker runs PlatformsSyncArgs.
type PlatformsSyncWorker struct {
	river.WorkerDefaults[PlatformsSyncArgs]
	Platforms *platforms.Service
	Billing   *billing.Service
	Limits    Limits
}

// Timeout implements river.Worker.
func (w *PlatformsSyncWorker) Timeout(*river.Job[PlatformsSyncArgs]) time.Duration {
	return w.Limits.timeout(SyncTimeout)
}

// Work implements river.Worker: the gate (connectors only), then RunSync
// with a deadline at half the timeout. Outcomes: paused between chunks →
// snooze 0 (resumes from resume_from, no attempt used); rate limited →
// snooze for the platform's wait; transient → error (River's backoff),
// and after the last attempt the run is recorded FAILED; AUTH and
// PERMANENT are recorded by RunSync and complete the job.
func (w *PlatformsSyncWorker) Work(ctx context.Context, job *river.Job[PlatformsSyncArgs]) error {
	a := job.Args
	conn, err := w.Platforms.SyncRunConnection(ctx, a.TenantID, a.RunID)
	switch {
	case errors.Is(err, platforms.ErrSyncDone):
		return nil
	case errors.Is(err, db.ErrNoTenant):
		return river.JobCancel(err)
	case err != nil:
		return err
	}
	if !conn.Sandbox {
		on, err := gated(ctx, w.Billing, a.TenantID, a.Kind(), billing.PlatformConnectors)
		if err != nil {
			return err
		}
		if !on {
			return w.Platforms.CancelSync(ctx, a.TenantID, a.RunID, "Platform connectors are switched off for this workspace")
		}
	}
	deadline := time.Now().Add(w.Timeout(job) / 2)
	err = w.Platforms.RunSync(ctx, a.TenantID, a.RunID, deadline)
	var ae *platforms.APIError
	switch {
	case err == nil, errors.Is(err, platforms.ErrSyncDone):
		return nil
	case errors.Is(err, platforms.ErrSyncPaused):
		return river.JobSnooze(0)
	case errors.As(err, &ae) && ae.Kind == platforms.ErrorRateLimited:
		wait := ae.RetryAfter
		if wait <= 0 {
			wait = RateLimitBackoff
		}
		return river.JobSnooze(wait)
	case job.Attempt >= job.MaxAttempts && !errors.Is(ctx.Err(), context.Canceled):
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if ferr := w.Platforms.FailSync(gctx, a.TenantID, a.RunID, err); ferr != nil {
			return errors.Join(err, ferr)
		}
		return nil
	}
	return err
}

// PlatformsScheduleArgs is the periodic fan-out of the sync schedule.
type PlatformsScheduleArgs struct{}

// Kind implements river.JobArgs.
func (PlatformsScheduleArgs) Kind() string { return "platforms.schedule_syncs" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PlatformsScheduleArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// PlatformsScheduleWorker lists the tenants with selected accounts and
// enqueues one PlatformsScheduleTenantArgs each, in one transaction.
type PlatformsScheduleWorker struct {
	river.WorkerDefaults[PlatformsScheduleArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker.
func (w *PlatformsScheduleWorker) Timeout(*river.Job[PlatformsScheduleArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *PlatformsScheduleWorker) Work(ctx context.Context, _ *river.Job[PlatformsScheduleArgs]) error {
	return fanOut(ctx, w.DB, "stratum_sync_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
		return PlatformsScheduleTenantArgs{TenantID: id}, nil
	})
}

// PlatformsScheduleTenantArgs queues one tenant's due syncs.
type PlatformsScheduleTenantArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (PlatformsScheduleTenantArgs) Kind() string { return "platforms.schedule_tenant_syncs" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PlatformsScheduleTenantArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// PlatformsScheduleTenantWorker runs PlatformsScheduleTenantArgs.
type PlatformsScheduleTenantWorker struct {
	river.WorkerDefaults[PlatformsScheduleTenantArgs]
	Platforms *platforms.Service
	Billing   *billing.Service
	Limits    Limits
}

// Timeout implements river.Worker.
func (w *PlatformsScheduleTenantWorker) Timeout(*river.Job[PlatformsScheduleTenantArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker: the tenant's plan picks the schedule.
func (w *PlatformsScheduleTenantWorker) Work(ctx context.Context, job *river.Job[PlatformsScheduleTenantArgs]) error {
	if w.Billing == nil {
		return errNoBilling
	}
	e, err := w.Billing.Entitlements(ctx, job.Args.TenantID)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	sch, ok := SyncSchedules[e.Plan]
	if !ok {
		sch = SyncSchedules[billing.Starter]
	}
	_, err = w.Platforms.ScheduleSyncs(ctx, job.Args.TenantID, sch)
	return err
}

// registerSync adds the sync workers.
func registerSync(w *river.Workers, d *db.DB, s Services, lim Limits) {
	river.AddWorker(w, &PlatformsSyncWorker{Platforms: s.Platforms, Billing: s.Billing, Limits: lim})
	river.AddWorker(w, &PlatformsScheduleWorker{DB: d, Limits: lim})
	river.AddWorker(w, &PlatformsScheduleTenantWorker{Platforms: s.Platforms, Billing: s.Billing, Limits: lim})
}

// syncPeriodic is the sync schedule's fan-out.
func syncPeriodic(runOnStart bool) []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(ScheduleEvery), func() (river.JobArgs, *river.InsertOpts) {
		return PlatformsScheduleArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
