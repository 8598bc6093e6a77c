package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/conversions/emq"
)

// Meta's own event match quality (issue 15, docs/adr/0022 "Meta's own
// score"): every hour a fan-out enqueues one fetch per enabled META
// destination, which asks Meta's Dataset Quality API for the pixel's
// scores and stores them, or records why it could not.

// EMQPlatformInterval is how often the platforms' own scores are fetched.
const EMQPlatformInterval = time.Hour

// EMQPlatformFanOutArgs enqueues an EMQPlatformArgs for every enabled
// destination whose platform reports its own score (global, periodic).
type EMQPlatformFanOutArgs struct{}

// Kind implements river.JobArgs.
func (EMQPlatformFanOutArgs) Kind() string { return "conversions.emq_platform_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one per
// interval.
func (EMQPlatformFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: EMQPlatformInterval}}
}

// EMQPlatformFanOutWorker runs EMQPlatformFanOutArgs.
type EMQPlatformFanOutWorker struct {
	river.WorkerDefaults[EMQPlatformFanOutArgs]
	Fetcher *emq.PlatformFetcher
	Limits  Limits
}

// Timeout implements river.Worker: one bounded read and one insert.
func (w *EMQPlatformFanOutWorker) Timeout(*river.Job[EMQPlatformFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *EMQPlatformFanOutWorker) Work(ctx context.Context, _ *river.Job[EMQPlatformFanOutArgs]) error {
	due, err := w.Fetcher.Due(ctx)
	if err != nil || len(due) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(due))
	for i, d := range due {
		params[i] = river.InsertManyParams{Args: EMQPlatformArgs{TenantID: d[0], DestinationID: d[1]}}
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	_, err = c.InsertMany(ctx, params)
	return err
}

// EMQPlatformArgs fetches one destination's own scores from its platform
// (emq.PlatformFetcher.Fetch).
type EMQPlatformArgs struct {
	TenantID      uuid.UUID `json:"tenant_id"`
	DestinationID uuid.UUID `json:"destination_id"`
}

// Kind implements river.JobArgs.
func (EMQPlatformArgs) Kind() string { return "conversions.emq_platform" }

// InsertOpts implements river.JobArgsWithInsertOpts: once per destination
// and interval; a transient failure (rate limit, 5xx) is retried twice.
func (EMQPlatformArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: EMQPlatformInterval}}
}

// EMQPlatformWorker runs EMQPlatformArgs.
type EMQPlatformWorker struct {
	river.WorkerDefaults[EMQPlatformArgs]
	Fetcher *emq.PlatformFetcher
	// Billing gates the fetch on the capi flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: one platform request (at most 30 s)
// and two short transactions.
func (w *EMQPlatformWorker) Timeout(*river.Job[EMQPlatformArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. A permanent failure (401, a missing
// permission) is recorded by the fetcher and ends the job; only a
// transient one returns an error, for River's retry.
func (w *EMQPlatformWorker) Work(ctx context.Context, job *river.Job[EMQPlatformArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.CAPI)
	if err != nil || !on {
		return err
	}
	return w.Fetcher.Fetch(ctx, job.Args.TenantID, job.Args.DestinationID)
}

// registerEMQPlatform adds the platform-score workers (when the services
// have a fetcher).
func registerEMQPlatform(w *river.Workers, s Services, lim Limits) {
	if s.EMQPlatform == nil {
		return
	}
	river.AddWorker(w, &EMQPlatformFanOutWorker{Fetcher: s.EMQPlatform, Limits: lim})
	river.AddWorker(w, &EMQPlatformWorker{Fetcher: s.EMQPlatform, Billing: s.Billing, Limits: lim})
}

// emqPlatformPeriodic fans the fetches out every EMQPlatformInterval.
func emqPlatformPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.EMQPlatform == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(EMQPlatformInterval), func() (river.JobArgs, *river.InsertOpts) {
		return EMQPlatformFanOutArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
