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
	"github.com/stratumhq/stratum/internal/db"
)

// RFMRefreshInterval is how often every CDP tenant's RFM scores are
// recomputed (docs/adr/0021); refreshRfm asks for one sooner.
const RFMRefreshInterval = 6 * time.Hour

// RFMRefreshHook is cdp.RFM.Enqueue for client c: the tenant's refresh
// job, inserted in the asking transaction.
func RFMRefreshHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	return func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
		_, err := c.InsertTx(ctx, tx.Tx, RFMRefreshArgs{TenantID: tenant}, nil)
		return err
	}
}

// RFMFanOutArgs starts the RFM refresh of every tenant with CDP sources
// (global, periodic).
type RFMFanOutArgs struct{}

// Kind implements river.JobArgs.
func (RFMFanOutArgs) Kind() string { return "cdp.rfm_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most one per
// interval.
func (RFMFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: RFMRefreshInterval}}
}

// RFMFanOutWorker lists the tenants and enqueues their refreshes.
type RFMFanOutWorker struct {
	river.WorkerDefaults[RFMFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *RFMFanOutWorker) Timeout(*river.Job[RFMFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *RFMFanOutWorker) Work(ctx context.Context, _ *river.Job[RFMFanOutArgs]) error {
	return fanOut(ctx, w.DB, "stratum_cdp_tenant_ids()", func(_ time.Time, id uuid.UUID) (river.JobArgs, error) {
		return RFMRefreshArgs{TenantID: id}, nil
	})
}

// RFMRefreshArgs recomputes one tenant's RFM scores (cdp.RFM.Refresh).
type RFMRefreshArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (RFMRefreshArgs) Kind() string { return "cdp.rfm_refresh" }

// InsertOpts implements river.JobArgsWithInsertOpts: one per tenant at
// a time (a request while one waits or runs joins it).
func (RFMRefreshArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// RFMRefreshWorker runs RFMRefreshArgs.
type RFMRefreshWorker struct {
	river.WorkerDefaults[RFMRefreshArgs]
	RFM *cdp.RFM
	// Billing gates the job on the cdp flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker: the scores' statement (bounded by
// cdp.RFMRefreshTimeout), then the full refresh of the dynamic segments
// with RFM conditions in the same transaction (docs/adr/0020).
func (w *RFMRefreshWorker) Timeout(*river.Job[RFMRefreshArgs]) time.Duration {
	return w.Limits.timeout(5 * time.Minute)
}

// Work implements river.Worker. A tenant without the cdp flag is skipped
// (recorded by billing.Service.Gate). The refresh replaces the scores in
// one transaction, so a retry is harmless.
func (w *RFMRefreshWorker) Work(ctx context.Context, job *river.Job[RFMRefreshArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.CDP)
	if err != nil || !on {
		return err
	}
	_, err = w.RFM.Refresh(ctx, job.Args.TenantID)
	if errors.Is(err, db.ErrNoTenant) {
		return river.JobCancel(err)
	}
	return err
}

// registerRFM adds the RFM workers (when the CDP has its RFM service).
func registerRFM(w *river.Workers, d *db.DB, s Services, lim Limits) {
	if s.CDP != nil && s.CDP.RFM != nil {
		river.AddWorker(w, &RFMFanOutWorker{DB: d, Limits: lim})
		river.AddWorker(w, &RFMRefreshWorker{RFM: s.CDP.RFM, Billing: s.Billing, Limits: lim})
	}
}

// rfmPeriodic refreshes every CDP tenant's RFM scores every
// RFMRefreshInterval (and on start).
func rfmPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.CDP == nil || s.CDP.RFM == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(RFMRefreshInterval), func() (river.JobArgs, *river.InsertOpts) {
		return RFMFanOutArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
