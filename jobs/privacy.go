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

// PrivacyHook is cdp.Privacy.Enqueue for client c: a new data-subject
// request gets its job (privacy.export or privacy.delete) in the
// transaction that records it.
func PrivacyHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, request uuid.UUID, kind string) error {
	return func(ctx context.Context, tx bun.Tx, tenant, request uuid.UUID, kind string) error {
		var args river.JobArgs = PrivacyExportArgs{TenantID: tenant, RequestID: request}
		if kind == cdp.PrivacyDelete {
			args = PrivacyDeleteArgs{TenantID: tenant, RequestID: request}
		}
		_, err := c.InsertTx(ctx, tx.Tx, args, nil)
		return err
	}
}

// privacyTimeout bounds one run of a privacy job (capped by
// Limits.MaxTimeout like every kind). A run stops starting chunks of its
// scan after three quarters of it and snoozes; the next run goes on where
// it stopped (the scan's cursor is saved with each chunk), so a tenant of
// any size is scanned over as many runs as it takes.
const privacyTimeout = time.Minute

// runPrivacy runs one privacy request with a budget of three quarters of
// timeout, snoozing (not failing) when the budget ends first.
func runPrivacy(ctx context.Context, timeout time.Duration, run func(stop <-chan struct{}) (bool, error)) error {
	budget, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout*3/4)
	defer cancel()
	_, err := run(budget.Done())
	switch {
	case errors.Is(err, cdp.ErrPrivacyContinue):
		return river.JobSnooze(time.Second)
	case errors.Is(err, db.ErrNoTenant):
		return river.JobCancel(err)
	}
	return err
}

// PrivacyExportArgs builds the JSON export of one request
// (cdp.Privacy.RunExport).
type PrivacyExportArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	RequestID uuid.UUID `json:"request_id"`
}

// Kind implements river.JobArgs.
func (PrivacyExportArgs) Kind() string { return "privacy.export" }

// InsertOpts implements river.JobArgsWithInsertOpts: inserted once, by the
// request's transaction.
func (PrivacyExportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5}
}

// PrivacyExportWorker runs PrivacyExportArgs.
type PrivacyExportWorker struct {
	river.WorkerDefaults[PrivacyExportArgs]
	Privacy *cdp.Privacy
	Limits  Limits
}

// Timeout implements river.Worker.
func (w *PrivacyExportWorker) Timeout(*river.Job[PrivacyExportArgs]) time.Duration {
	return w.Limits.timeout(privacyTimeout)
}

// Work implements river.Worker.
func (w *PrivacyExportWorker) Work(ctx context.Context, job *river.Job[PrivacyExportArgs]) error {
	return runPrivacy(ctx, w.Timeout(job), func(stop <-chan struct{}) (bool, error) {
		return w.Privacy.RunExport(ctx, job.Args.TenantID, job.Args.RequestID, stop)
	})
}

// PrivacyDeleteArgs erases the person of one request
// (cdp.Privacy.RunDeletion).
type PrivacyDeleteArgs struct {
	TenantID  uuid.UUID `json:"tenant_id"`
	RequestID uuid.UUID `json:"request_id"`
}

// Kind implements river.JobArgs.
func (PrivacyDeleteArgs) Kind() string { return "privacy.delete" }

// InsertOpts implements river.JobArgsWithInsertOpts. Many attempts: an
// erasure must finish.
func (PrivacyDeleteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 25}
}

// PrivacyDeleteWorker runs PrivacyDeleteArgs.
type PrivacyDeleteWorker struct {
	river.WorkerDefaults[PrivacyDeleteArgs]
	Privacy *cdp.Privacy
	Limits  Limits
}

// Timeout implements river.Worker.
func (w *PrivacyDeleteWorker) Timeout(*river.Job[PrivacyDeleteArgs]) time.Duration {
	return w.Limits.timeout(privacyTimeout)
}

// Work implements river.Worker.
func (w *PrivacyDeleteWorker) Work(ctx context.Context, job *river.Job[PrivacyDeleteArgs]) error {
	return runPrivacy(ctx, w.Timeout(job), func(stop <-chan struct{}) (bool, error) {
		return w.Privacy.RunDeletion(ctx, job.Args.TenantID, job.Args.RequestID, stop)
	})
}

// PrivacyPurgeExportsArgs removes the stored JSON of expired exports
// (global, periodic).
type PrivacyPurgeExportsArgs struct{}

// Kind implements river.JobArgs.
func (PrivacyPurgeExportsArgs) Kind() string { return "privacy.purge_exports" }

// InsertOpts implements river.JobArgsWithInsertOpts: maintenance, at most
// one per interval.
func (PrivacyPurgeExportsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: PrivacyPurgeInterval}}
}

// PrivacyPurgeInterval is how often expired exports are purged: an export
// outlives its 24 hours by at most this.
const PrivacyPurgeInterval = 15 * time.Minute

// PrivacyPurgeExportsWorker runs PrivacyPurgeExportsArgs.
type PrivacyPurgeExportsWorker struct {
	river.WorkerDefaults[PrivacyPurgeExportsArgs]
	Privacy *cdp.Privacy
	Limits  Limits
}

// Timeout implements river.Worker: one UPDATE.
func (w *PrivacyPurgeExportsWorker) Timeout(*river.Job[PrivacyPurgeExportsArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *PrivacyPurgeExportsWorker) Work(ctx context.Context, _ *river.Job[PrivacyPurgeExportsArgs]) error {
	_, err := w.Privacy.PurgeExports(ctx)
	return err
}

// privacyPeriodic purges expired exports every PrivacyPurgeInterval.
func privacyPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Privacy == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(PrivacyPurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
		return PrivacyPurgeExportsArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}

// registerPrivacy adds the privacy workers (when the services have them).
func registerPrivacy(w *river.Workers, s Services, lim Limits) {
	if s.Privacy != nil {
		river.AddWorker(w, &PrivacyExportWorker{Privacy: s.Privacy, Limits: lim})
		river.AddWorker(w, &PrivacyDeleteWorker{Privacy: s.Privacy, Limits: lim})
		river.AddWorker(w, &PrivacyPurgeExportsWorker{Privacy: s.Privacy, Limits: lim})
	}
}
