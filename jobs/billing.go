package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
)

// ApplyStripeEventHook is billing.Stripe.Enqueue for client c: a stored
// Stripe event gets its job in the transaction that stored it.
func ApplyStripeEventHook(c *Client) func(ctx context.Context, tx bun.Tx, eventID string) error {
	return func(ctx context.Context, tx bun.Tx, eventID string) error {
		_, err := c.InsertTx(ctx, tx.Tx, ApplyStripeEventArgs{EventID: eventID}, nil)
		return err
	}
}

// ApplyStripeEventArgs applies one stored Stripe event to its tenant.
type ApplyStripeEventArgs struct {
	EventID string `json:"event_id"`
}

// Kind implements river.JobArgs.
func (ApplyStripeEventArgs) Kind() string { return "billing.apply_stripe_event" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per event
// (a replayed delivery inserts none), in every state including completed.
func (ApplyStripeEventArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ApplyStripeEventWorker runs ApplyStripeEventArgs.
type ApplyStripeEventWorker struct {
	river.WorkerDefaults[ApplyStripeEventArgs]
	Stripe *billing.Stripe
	Limits Limits
}

// Timeout implements river.Worker: two or three short transactions, no
// call to Stripe.
func (w *ApplyStripeEventWorker) Timeout(*river.Job[ApplyStripeEventArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker. Applying is idempotent (the event's
// applied_at is set with the change), so a retry or a rescued attempt
// after a crash applies the event at most once; a missing event ends the
// job.
func (w *ApplyStripeEventWorker) Work(ctx context.Context, job *river.Job[ApplyStripeEventArgs]) error {
	_, err := w.Stripe.ApplyEvent(ctx, job.Args.EventID)
	if billing.IsNotFound(err) {
		return river.JobCancel(err)
	}
	return err
}

// PruneStripeEventsArgs deletes applied Stripe events older than
// billing.StripeEventRetention (periodic, global: stripe_events has no tenant).
type PruneStripeEventsArgs struct{}

// Kind implements river.JobArgs.
func (PruneStripeEventsArgs) Kind() string { return "billing.prune_stripe_events" }

// InsertOpts implements river.JobArgsWithInsertOpts: maintenance, once an
// hour at most.
func (PruneStripeEventsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// PruneStripeEventsWorker runs PruneStripeEventsArgs.
type PruneStripeEventsWorker struct {
	river.WorkerDefaults[PruneStripeEventsArgs]
	Stripe *billing.Stripe
	Limits Limits
	// Batch and MaxBatches bound one run (billing.PruneBatch and 50 when
	// zero): what is left waits for the next run.
	Batch, MaxBatches int
}

// Timeout implements river.Worker: at most MaxBatches short deletes.
func (w *PruneStripeEventsWorker) Timeout(*river.Job[PruneStripeEventsArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. Each batch commits on its own, so an
// attempt cut short by its timeout (or rescued after a crash) keeps what it
// deleted and the next run goes on.
func (w *PruneStripeEventsWorker) Work(ctx context.Context, _ *river.Job[PruneStripeEventsArgs]) error {
	batch, batches := w.Batch, w.MaxBatches
	if batch <= 0 {
		batch = billing.PruneBatch
	}
	if batches <= 0 {
		batches = 50
	}
	_, err := w.Stripe.PruneEvents(ctx, billing.StripeEventRetention, batch, batches)
	return err
}

// registerBilling adds the billing workers (when the services have Stripe).
func registerBilling(w *river.Workers, s Services, lim Limits) {
	if s.Stripe != nil {
		river.AddWorker(w, &ApplyStripeEventWorker{Stripe: s.Stripe, Limits: lim})
		river.AddWorker(w, &PruneStripeEventsWorker{Stripe: s.Stripe, Limits: lim})
	}
}

// billingPeriodic prunes Stripe's events every six hours (when the
// services have Stripe, which registers the worker).
func billingPeriodic(runOnStart bool, s Services) []*river.PeriodicJob {
	if s.Stripe == nil {
		return nil
	}
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour), func() (river.JobArgs, *river.InsertOpts) {
		return PruneStripeEventsArgs{}, nil
	}, &river.PeriodicJobOpts{RunOnStart: runOnStart})}
}
