package jobs

import (
	"context"
	"errors"
	"fmt"
	"github.com/stratumhq/stratum/domain/audiences"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/db"
)

// Services are the domain services the workers call. They are built once,
// in app, and handed to NewClient.
type Services struct {
	Signals       *signals.Service
	Platforms     *platforms.Service
	Automation    *automation.Service
	Notifications *notifications.Service
	// Auth and Tenancy send account e-mail and invitations.
	Auth    *auth.Service
	Tenancy *tenancy.Service
	// Stripe applies Stripe's webhook events (billing.apply_stripe_event);
	// without it that kind has no worker.
	Stripe *billing.Stripe
	// Billing answers whether a tenant has a gated job's feature.
	Billing *billing.Service
	// Connections refresh platform grants and, with Auth and
	// Notifications, re-seal secrets after a key rotation (secrets.reencrypt).
	Connections *platforms.Connections
	// CDP processes committed event batches and keeps the events table's
	// partitions ahead; without it those kinds have no worker.
	CDP *cdp.Service
	// Traits backfills and maintains computed traits; without it those
	// kinds have no worker.
	Traits *cdp.Traits
	// Privacy runs the CDP's data-subject requests (export, deletion).
	Privacy *cdp.Privacy
	// Segments are recomputed in full by the periodic job; without it that
	// kind has no worker.
	Segments *cdp.Segments
	// Deliveries forwards conversions (conversions.flush); without it that
	// kind has no worker.
	Deliveries *conversions.Deliveries
	// Audiences keeps segments in step with the platforms' customer lists
	// (audiences.sync); without it that kind has no worker.
	Audiences *audiences.Service
	// ConversionDestinations' credentials are re-sealed by
	// secrets.reencrypt (nil: not).
	ConversionDestinations *conversions.Destinations
	// EMQPlatform fetches the platforms' own EMQ of the destinations
	// (conversions.emq_platform, hourly); without it those kinds have no
	// worker.
	EMQPlatform *emq.PlatformFetcher
}

// RecomputeDebounce is the window in which measurement writes collapse into
// one recompute job per tenant.
const RecomputeDebounce = time.Second

// RecomputeHook is signals.Service.OnMeasured for client c: measurement
// writes enqueue a debounced recompute of their tenant in the writing
// transaction. The bucket is the writing transaction's time (db.TxNow, the
// database clock's) truncated to RecomputeDebounce.
func RecomputeHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	return func(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
		bucket := db.TxNow(ctx).Truncate(RecomputeDebounce).UnixMilli()
		res, err := c.InsertTx(ctx, tx.Tx, SignalsRecomputeArgs{TenantID: tenant, Bucket: bucket}, nil)
		if err != nil || !res.UniqueSkippedAsDuplicate || res.Job == nil || res.Job.State != rivertype.JobStateRunning {
			return err
		}
		// A recompute of this bucket is already running and may have read the
		// measurements before ours: queue a follow-up. (A job that has not started
		// yet needs none: Recompute waits for this transaction, see signals.Record.)
		// Its bucket is only a unique key, not a time: it reads the system
		// clock's nanoseconds, which differ between follow-ups where a test's
		// stopped database clock would not.
		_, err = c.InsertTx(ctx, tx.Tx, SignalsRecomputeArgs{TenantID: tenant, Bucket: -time.Now().UnixNano()}, nil)
		return err
	}
}

// ExecuteHook is automation.Service.OnExecutable for client c: an action the
// gate lets through gets its execution job in the writing transaction.
func ExecuteHook(c *Client) func(ctx context.Context, tx bun.Tx, tenant, action uuid.UUID) error {
	return func(ctx context.Context, tx bun.Tx, tenant, action uuid.UUID) error {
		_, err := c.InsertTx(ctx, tx.Tx, AutomationExecuteArgs{TenantID: tenant, ActionID: action}, nil)
		return err
	}
}

// debounceStates make a recompute unique while waiting or running but let a
// new one in once it completed.
var debounceStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable}

// SignalsRecomputeArgs recomputes one tenant's signal health. Writes within
// one RecomputeDebounce bucket share a job; a write while that job runs
// queues a follow-up (negative Bucket).
type SignalsRecomputeArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Bucket   int64     `json:"bucket"`
}

// Kind implements river.JobArgs.
func (SignalsRecomputeArgs) Kind() string { return "signals.recompute" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SignalsRecomputeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// SignalsRecomputeWorker runs SignalsRecomputeArgs.
type SignalsRecomputeWorker struct {
	river.WorkerDefaults[SignalsRecomputeArgs]
	Signals *signals.Service
	Limits  Limits
}

// Timeout implements river.Worker.
func (w *SignalsRecomputeWorker) Timeout(*river.Job[SignalsRecomputeArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *SignalsRecomputeWorker) Work(ctx context.Context, job *river.Job[SignalsRecomputeArgs]) error {
	_, err := w.Signals.Recompute(ctx, job.Args.TenantID)
	return err
}

// TrustFanOutArgs starts one job of Target's kind per tenant (all tenants,
// or simulated ones for the simulator tick).
type TrustFanOutArgs struct {
	Target string `json:"target"` // "recompute", "evaluate" or "simulator"
}

// Kind implements river.JobArgs.
func (TrustFanOutArgs) Kind() string { return "trust.fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (TrustFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// TrustFanOutWorker lists tenants and enqueues their jobs in one transaction.
type TrustFanOutWorker struct {
	river.WorkerDefaults[TrustFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *TrustFanOutWorker) Timeout(*river.Job[TrustFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *TrustFanOutWorker) Work(ctx context.Context, job *river.Job[TrustFanOutArgs]) error {
	fn := "stratum_tenant_ids()"
	if job.Args.Target == "simulator" {
		fn = "stratum_simulated_tenant_ids()"
	}
	return fanOut(ctx, w.DB, fn, func(now time.Time, id uuid.UUID) (river.JobArgs, error) {
		switch job.Args.Target {
		case "recompute":
			return SignalsRecomputeArgs{TenantID: id, Bucket: now.Truncate(RecomputeDebounce).UnixMilli()}, nil
		case "evaluate":
			return AutomationEvaluateArgs{TenantID: id}, nil
		case "simulator":
			return SimulatorTickArgs{TenantID: id}, nil
		}
		return nil, river.JobCancel(fmt.Errorf("unknown fan-out target %q", job.Args.Target))
	})
}

// AutomationEvaluateArgs evaluates one tenant's due automation rules.
type AutomationEvaluateArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (AutomationEvaluateArgs) Kind() string { return "automation.evaluate" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (AutomationEvaluateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueDefault, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// AutomationEvaluateWorker runs AutomationEvaluateArgs.
type AutomationEvaluateWorker struct {
	river.WorkerDefaults[AutomationEvaluateArgs]
	Automation *automation.Service
	// Billing gates the job on the automation_rules flag (required).
	Billing *billing.Service
	Limits  Limits
}

// Timeout implements river.Worker.
func (w *AutomationEvaluateWorker) Timeout(*river.Job[AutomationEvaluateArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. Running it twice, even concurrently, queues
// each proposal once (see automation.Service.EvaluateRules). A tenant
// without the automation_rules flag is not evaluated: the job completes and
// the skip is recorded with its reason (billing.Service.Gate), which the
// tenant sees on the flag (viewer.features[].skippedJobs).
func (w *AutomationEvaluateWorker) Work(ctx context.Context, job *river.Job[AutomationEvaluateArgs]) error {
	on, err := gated(ctx, w.Billing, job.Args.TenantID, job.Args.Kind(), billing.AutomationRules)
	if err != nil || !on {
		return err
	}
	_, err = w.Automation.EvaluateRules(ctx, job.Args.TenantID, false)
	return err
}

// errNoBilling fails a gated job whose worker was built without the billing
// service, rather than letting it run ungated or skip unrecorded.
var errNoBilling = errors.New("jobs: a gated worker needs Services.Billing")

// gated is a gated job's check at start (billing.Service.Gate): false, with
// the skip recorded, when the tenant lacks flag. A tenant that no longer
// exists cancels the job.
func gated(ctx context.Context, b *billing.Service, tenant uuid.UUID, kind string, flag billing.Flag) (bool, error) {
	if b == nil {
		return false, errNoBilling
	}
	on, err := b.Gate(ctx, tenant, kind, flag)
	if errors.Is(err, db.ErrNoTenant) {
		return false, river.JobCancel(err)
	}
	return on, err
}

// AutomationExecuteArgs executes one action through its platform connector.
type AutomationExecuteArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	ActionID uuid.UUID `json:"action_id"`
}

// Kind implements river.JobArgs.
func (AutomationExecuteArgs) Kind() string { return "automation.execute" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (AutomationExecuteArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueHigh, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: debounceStates}}
}

// AutomationExecuteWorker runs AutomationExecuteArgs.
type AutomationExecuteWorker struct {
	river.WorkerDefaults[AutomationExecuteArgs]
	Automation *automation.Service
	Limits     Limits
}

// Timeout implements river.Worker: the connector call included.
func (w *AutomationExecuteWorker) Timeout(*river.Job[AutomationExecuteArgs]) time.Duration {
	return w.Limits.timeout(time.Minute)
}

// Work implements river.Worker. Execute calls the connector outside any
// transaction with the action's idempotency keys (ADR 0012), so a retry —
// also one after River rescued the job of a killed worker — resumes the
// execution in flight and the platform applies each change once. A
// transient connector error fails the attempt (River retries it); on the
// last attempt the action is recorded FAILED with the platform's words
// instead of being left in flight.
func (w *AutomationExecuteWorker) Work(ctx context.Context, job *river.Job[AutomationExecuteArgs]) error {
	_, err := w.Automation.Execute(ctx, job.Args.TenantID, job.Args.ActionID)
	switch {
	case errors.Is(err, db.ErrNoTenant):
		return river.JobCancel(err)
	case err != nil && platforms.Transient(err) && job.Attempt >= job.MaxAttempts && !errors.Is(ctx.Err(), context.Canceled):
		// The job's own deadline may have passed: record the failure with a
		// short context of its own (a worker stopping cancels ctx and skips this).
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, gerr := w.Automation.GiveUp(gctx, job.Args.TenantID, job.Args.ActionID, err); gerr != nil {
			return errors.Join(err, gerr)
		}
		return nil
	}
	return err
}

// SimulatorTickArgs runs one simulated sync for a simulated tenant.
type SimulatorTickArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (SimulatorTickArgs) Kind() string { return "platforms.simulator_tick" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (SimulatorTickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Minute}}
}

// SimulatorTickWorker runs SimulatorTickArgs.
type SimulatorTickWorker struct {
	river.WorkerDefaults[SimulatorTickArgs]
	Platforms *platforms.Service
	Limits    Limits
}

// Timeout implements river.Worker.
func (w *SimulatorTickWorker) Timeout(*river.Job[SimulatorTickArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *SimulatorTickWorker) Work(ctx context.Context, job *river.Job[SimulatorTickArgs]) error {
	return w.Platforms.Simulator().Tick(ctx, job.Args.TenantID)
}

// registerTrust adds the trust engine's workers.
func registerTrust(w *river.Workers, d *db.DB, s Services, lim Limits) {
	river.AddWorker(w, &SignalsRecomputeWorker{Signals: s.Signals, Limits: lim})
	river.AddWorker(w, &TrustFanOutWorker{DB: d, Limits: lim})
	river.AddWorker(w, &AutomationEvaluateWorker{Automation: s.Automation, Billing: s.Billing, Limits: lim})
	river.AddWorker(w, &AutomationExecuteWorker{Automation: s.Automation, Limits: lim})
	river.AddWorker(w, &SimulatorTickWorker{Platforms: s.Platforms, Limits: lim})
}

// trustPeriodic is the trust engine's schedule: signal health every 5
// minutes, rule evaluation every 5 minutes (rules keep their own schedule),
// simulator ticks every 15 minutes.
func trustPeriodic(runOnStart bool) []*river.PeriodicJob {
	every := func(d time.Duration, target string) *river.PeriodicJob {
		return river.NewPeriodicJob(river.PeriodicInterval(d), func() (river.JobArgs, *river.InsertOpts) {
			return TrustFanOutArgs{Target: target}, nil
		}, &river.PeriodicJobOpts{RunOnStart: runOnStart})
	}
	return []*river.PeriodicJob{every(15*time.Minute, "simulator"), every(5*time.Minute, "recompute"), every(5*time.Minute, "evaluate")}
}
