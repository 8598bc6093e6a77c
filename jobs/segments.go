package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/db"
)

// SegmentsRefreshInterval is how often every dynamic segment is
// recomputed in full (docs/adr/0020): time windows move on without
// events, and profile repairs (unmerge, split, churn) happen outside the
// batch job's incremental refresh.
const SegmentsRefreshInterval = time.Hour

// CDPSegmentsFanOutArgs starts the full refresh (CDPRefreshSegmentsArgs)
// of every tenant with dynamic segments (global, periodic).
type CDPSegmentsFanOutArgs struct{}

// Kind implements river.JobArgs.
func (CDPSegmentsFanOutArgs) Kind() string { return "cdp.segments_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one per interval.
func (CDPSegmentsFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: SegmentsRefreshInterval}}
}

// CDPSegmentsFanOutWorker lists the tenants and enqueues their refreshes.
type CDPSegmentsFanOutWorker struct {
	river.WorkerDefaults[CDPSegmentsFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *CDPSegmentsFanOutWorker) Timeout(*river.Job[CDPSegmentsFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *CDPSegmentsFanOutWorker) Work(ctx context.Context, _ *river.Job[CDPSegmentsFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_cdp_segment_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
		return CDPRefreshSegmentsArgs{TenantID: id}, nil
	})
}

// CDPRefreshSegmentsArgs recomputes one tenant's dynamic segments in full
// (cdp.Segments.RefreshTenant).
type CDPRefreshSegmentsArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (CDPRefreshSegmentsArgs) Kind() string { return "cdp.refresh_segments" }

// InsertOpts implements river.JobArgsWithInsertOpts: one per tenant and
// interval (the fan-out's period).
func (CDPRefreshSegmentsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: SegmentsRefreshInterval}}
}

// CDPRefreshSegmentsWorker runs CDPRefreshSegmentsArgs.
type CDPRefreshSegmentsWorker struct {
	river.WorkerDefaults[CDPRefreshSegmentsArgs]
	Segments *cdp.Segments
	// Billing gates the job on the cdp flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: one transaction per segment, each
// bounded by the segments' refresh timeout.
func (w *CDPRefreshSegmentsWorker) Timeout(*river.Job[CDPRefreshSegmentsArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Minute)
}

// Work implements river.Worker. Each segment commits on its own; a retry
// recomputes them again, which changes nothing that is already right.
func (w *CDPRefreshSegmentsWorker) Work(ctx context.Context, job *river.Job[CDPRefreshSegmentsArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.CDP)
	if err != nil || !on {
		return err
	}
	_, err = w.Segments.RefreshTenant(ctx, job.Args.TenantID)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	return err
}

// registerSegments adds the segment workers (when the services have segments).
func registerSegments(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.Segments == nil {
		return
	}
	river.AddWorker(w, &CDPSegmentsFanOutWorker{DB: d, Limits: lim})
	river.AddWorker(w, &CDPRefreshSegmentsWorker{Segments: s.Segments, Billing: s.Billing, Limits: lim})
}

// segmentsPeriodic recomputes the dynamic segments every SegmentsRefreshInterval.
func segmentsPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Segments == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(SegmentsRefreshInterval), func() (river.JobArgs, *river.InsertOpts) {
		return CDPSegmentsFanOutArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
