package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audiences"
	"github.com/stratumhq/stratum/domain/billing"
)

// AudienceSyncHook is audiences.Service.Enqueue for client c: an audience's
// sync job, due at at, inserted in the caller's transaction (syncAudience,
// or the one that recorded the segment's membership changes). One job per
// audience and second: changes within a second share a run.
func AudienceSyncHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, audience uuid.UUID, at time.Time) error {
	return func(ctx context.Context, tx bun.Tx, tenant, audience uuid.UUID, at time.Time) error {
		_, err := c.InsertTx(ctx, tx.Tx, AudienceSyncArgs{TenantID: tenant, AudienceID: audience,
			Slot: fmt.Sprintf("at-%d", at.Unix())}, &river.InsertOpts{ScheduledAt: at})
		return err
	}
}

// AudienceSyncArgs syncs one audience (audiences.Service.Run): at most
// Settings.RequestsPerRun platform requests a job, the next job enqueued
// by the one before while work is left.
type AudienceSyncArgs struct {
	TenantID   uuid.UUID `json:"tenant_id"`
	AudienceID uuid.UUID `json:"audience_id"`
	// Slot makes the job unique per audience and slot: "at-<unix second>"
	// (hooks), "after-<job id>" (a continuation), "sweep-<job id>".
	Slot string `json:"slot"`
}

// Kind implements river.JobArgs.
func (AudienceSyncArgs) Kind() string { return "audiences.sync" }

// InsertOpts implements river.JobArgsWithInsertOpts: like conversion
// forwarding, on the high queue; a duplicate of a pending run is skipped.
func (AudienceSyncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AudienceSyncWorker runs AudienceSyncArgs.
type AudienceSyncWorker struct {
	river.WorkerDefaults[AudienceSyncArgs]
	Audiences *audiences.Service
	// Billing gates the sync on the audience_sync flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: a bounded number of platform requests
// and short transactions (the client's rescue delay is above it).
func (w *AudienceSyncWorker) Timeout(*river.Job[AudienceSyncArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. A tenant without audience_sync is skipped
// (recorded); a platform's rate limit snoozes the job for its Retry-After
// (a minute when it gave none); other transient errors retry with River's
// backoff. A retried run starts from what the last one recorded.
func (w *AudienceSyncWorker) Work(ctx context.Context, job *river.Job[AudienceSyncArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.AudienceSync)
	if err != nil || !on {
		return err
	}
	more, err := w.Audiences.Run(ctx, job.Args.TenantID, job.Args.AudienceID)
	var rl *audiences.ErrRateLimited
	if errors.As(err, &rl) {
		d := rl.RetryAfter
		if d <= 0 {
			d = time.Minute
		}
		return river.JobSnooze(d)
	}
	if err != nil || !more {
		return err
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = c.Insert(ctx, AudienceSyncArgs{TenantID: job.Args.TenantID, AudienceID: job.Args.AudienceID,
		Slot: fmt.Sprintf("after-%d", job.ID)}, nil)
	return err
}

// AudienceSweepArgs enqueues a run of every audience not stopped (the
// periodic reconcile and the safety net for a lost job).
type AudienceSweepArgs struct{}

// Kind implements river.JobArgs.
func (AudienceSweepArgs) Kind() string { return "audiences.sweep" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one an hour.
func (AudienceSweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// AudienceSweepWorker runs AudienceSweepArgs.
type AudienceSweepWorker struct {
	river.WorkerDefaults[AudienceSweepArgs]
	Audiences *audiences.Service
	Limits    Limits
}

// Timeout implements river.Worker: one bounded read and one insert.
func (w *AudienceSweepWorker) Timeout(*river.Job[AudienceSweepArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *AudienceSweepWorker) Work(ctx context.Context, job *river.Job[AudienceSweepArgs]) error {
	due, err := w.Audiences.Due(ctx, 10000)
	if err != nil || len(due) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(due))
	for i, d := range due {
		params[i] = river.InsertManyParams{Args: AudienceSyncArgs{TenantID: d[0], AudienceID: d[1], Slot: fmt.Sprintf("sweep-%d", job.ID)}}
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = c.InsertMany(ctx, params)
	return err
}

// registerAudiences adds the audience workers (when the services have them).
func registerAudiences(w *river.Workers, s Services, lim Limits) {
	if s.Audiences != nil {
		river.AddWorker(w, &AudienceSyncWorker{Audiences: s.Audiences, Billing: s.Billing, Limits: lim})
		river.AddWorker(w, &AudienceSweepWorker{Audiences: s.Audiences, Limits: lim})
	}
}

// audiencesPeriodic sweeps the audiences every hour.
func audiencesPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Audiences == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return AudienceSweepArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
