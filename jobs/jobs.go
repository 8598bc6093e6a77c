// Package jobs defines Stratum's River jobs: their args, workers and the
// periodic schedule, and builds the River client on the shared pool. Jobs
// carry their tenant id and touch tenant data only through db.InTenant.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/observability"
)

// Queue names mirror the original design.
const (
	QueueHigh    = "high"    // realtime sync, forwarding
	QueueDefault = "default" // general work
	QueueLow     = "low"     // reports, recomputes, maintenance
)

// Options configure the client.
type Options struct {
	Log     *slog.Logger
	Metrics *observability.Metrics
	// Work is false for insert-only clients (`stratum api`).
	Work bool
	// Concurrency is the default queue's worker count (high gets the same,
	// low a quarter) when Queues is zero.
	Concurrency int
	// Queues, when set, is each queue's worker count (the process's
	// connection budget, config.Budget).
	Queues QueueWorkers
	// Services are the domain services the workers call (needed with Work).
	// They are built once, in app; their hooks (RecomputeHook, ExecuteHook)
	// enqueue with the client NewClient returns.
	Services Services
	// Limits are the job timeouts and the rescue delay (DefaultLimits when zero).
	Limits Limits
	// NoRunOnStart keeps the periodic fan-outs (simulator tick, recompute,
	// evaluation) from running as soon as the leader is elected; they run at
	// their first interval instead. Tests set it so that a fan-out never
	// touches their tenants in the middle of a check.
	NoRunOnStart bool
}

// Limits bound how long a job attempt runs and how soon the job of a dead
// worker runs again (docs/adr/0010-job-rescue.md). River rescues client-wide:
// a job still `running` RescueAfter after its attempt started is retried, so
// RescueAfter must exceed every kind's timeout — otherwise a slow but live
// attempt would be run a second time beside itself.
type Limits struct {
	// MaxTimeout caps every job kind's own timeout (see the workers' Timeout
	// methods): tests shorten it to seconds, operators may shorten it to get a
	// quicker rescue. Default DefaultMaxJobTimeout, the longest kind's.
	MaxTimeout time.Duration
	// RescueAfter is how long a job may stay running before River's rescuer
	// (on the elected leader, every 30 s) retries it. Default MaxTimeout +
	// DefaultRescueMargin; it must exceed MaxTimeout.
	RescueAfter time.Duration
}

// Default limits: the longest job kind's timeout is a minute, and a job
// whose worker died runs again 90 s–2 min after its attempt began (plus the
// rescuer's 30 s interval at worst), instead of River's default of an hour.
const (
	DefaultMaxJobTimeout = time.Minute
	DefaultRescueMargin  = 30 * time.Second
)

func (l Limits) withDefaults() Limits {
	if l.MaxTimeout <= 0 {
		l.MaxTimeout = DefaultMaxJobTimeout
	}
	if l.RescueAfter <= 0 {
		l.RescueAfter = l.MaxTimeout + DefaultRescueMargin
	}
	return l
}

// timeout is a kind's own timeout d, capped by MaxTimeout.
func (l Limits) timeout(d time.Duration) time.Duration {
	if l.MaxTimeout > 0 && l.MaxTimeout < d {
		return l.MaxTimeout
	}
	return d
}

// Client is River's client over the shared pool's database/sql view, so
// InsertTx(ctx, bunTx.Tx, …) joins a bun transaction.
type Client = river.Client[*sql.Tx]

// QueueWorkers is how many jobs of each queue one process runs at once.
type QueueWorkers struct{ High, Default, Low int }

// NewClient builds the River client. LISTEN/NOTIFY stays on pgx through
// NewWithPgxListener (plain riverdatabasesql.New would only poll).
func NewClient(d *db.DB, o Options) (*Client, error) {
	lim := o.Limits.withDefaults()
	if lim.RescueAfter <= lim.MaxTimeout {
		return nil, fmt.Errorf("river client: the rescue delay (%s) must exceed the longest job timeout (%s)", lim.RescueAfter, lim.MaxTimeout)
	}
	cfg := &river.Config{
		Logger:               o.Log,
		JobTimeout:           lim.MaxTimeout,
		RescueStuckJobsAfter: lim.RescueAfter,
		MaxAttempts:          10,
	}
	if o.Work {
		if o.Services.Signals == nil || o.Services.Platforms == nil || o.Services.Automation == nil || o.Services.Notifications == nil ||
			o.Services.Auth == nil || o.Services.Tenancy == nil {
			return nil, errors.New("river client: workers need the domain services (Options.Services)")
		}
		n := o.Concurrency
		if n < 1 {
			n = 10
		}
		workers := river.NewWorkers()
		register(workers, d, o.Services, lim)
		cfg.Workers = workers
		q := o.Queues
		if q == (QueueWorkers{}) {
			q = QueueWorkers{High: n, Default: n, Low: max(1, n/4)}
		}
		cfg.Queues = map[string]river.QueueConfig{
			QueueHigh:    {MaxWorkers: max(1, q.High)},
			QueueDefault: {MaxWorkers: max(1, q.Default)},
			QueueLow:     {MaxWorkers: max(1, q.Low)},
		}
		cfg.PeriodicJobs = periodic(!o.NoRunOnStart, o.Services)
	}
	client, err := river.NewClient(riverdatabasesql.NewWithPgxListener(d.SQL, d.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return client, nil
}

// register adds every worker. Each implements Timeout with its kind's own
// timeout, capped by lim.
func register(w *river.Workers, d *db.DB, s Services, lim Limits) {
	registerTrust(w, d, s, lim)
	registerNotifications(w, d, s, lim)
	registerAccountMail(w, s, lim)
	registerBilling(w, s, lim)
	registerSync(w, d, s, lim)
	registerConnections(w, d, s, lim)
	registerCDP(w, d, s, lim)
	registerTraits(w, d, s, lim)
	registerRFM(w, d, s, lim)
	registerPrivacy(w, s, lim)
	registerSegments(w, d, s, lim)
	registerConversions(w, s, lim)
	registerEMQPlatform(w, s, lim)
	registerAudiences(w, s, lim)
}

// periodic is the schedule River's elected leader runs.
func periodic(runOnStart bool, s Services) []*river.PeriodicJob {
	out := append(trustPeriodic(runOnStart), notificationsPeriodic(runOnStart)...)
	out = append(out, syncPeriodic(runOnStart)...)
	out = append(out, connectionsPeriodic(runOnStart, s)...)
	out = append(out, cdpPeriodic(runOnStart, s)...)
	out = append(out, traitsPeriodic(runOnStart, s)...)
	out = append(out, rfmPeriodic(runOnStart, s)...)
	out = append(out, privacyPeriodic(runOnStart, s)...)
	out = append(out, segmentsPeriodic(runOnStart, s)...)
	out = append(out, conversionsPeriodic(runOnStart, s)...)
	out = append(out, emqPlatformPeriodic(runOnStart, s)...)
	out = append(out, audiencesPeriodic(runOnStart, s)...)
	return append(out, billingPeriodic(runOnStart, s)...)
}

// ObserveOutcomes counts finished jobs in m until ctx ends.
func ObserveOutcomes(ctx context.Context, c *Client, m *observability.Metrics) {
	events, cancel := c.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				m.JobOutcomes.WithLabelValues(ev.Job.Kind, string(ev.Kind)).Inc()
			}
		}
	}()
}

// QueueDepth reads River's waiting and running jobs by queue and state.
func QueueDepth(d *db.DB) func(ctx context.Context) (map[[2]string]float64, error) {
	return func(ctx context.Context) (map[[2]string]float64, error) {
		rows, err := d.Pool.Query(ctx, `SELECT queue, state::text, count(*) FROM river_job
			WHERE state IN ('available', 'running', 'retryable', 'scheduled') GROUP BY 1, 2`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[[2]string]float64{}
		for _, q := range []string{QueueHigh, QueueDefault, QueueLow} {
			out[[2]string{q, "available"}] = 0
		}
		for rows.Next() {
			var q, s string
			var n float64
			if err := rows.Scan(&q, &s, &n); err != nil {
				return nil, err
			}
			out[[2]string{q, s}] = n
		}
		return out, rows.Err()
	}
}

// fanOut lists tenant ids with the global SQL function fn (e.g.
// "stratum_tenant_ids()") and inserts one job per tenant, made by argsFor
// from the transaction's time and the id, in that one transaction; an error
// from argsFor ends the fan-out with nothing inserted.
func fanOut(ctx context.Context, d *db.DB, fn string, argsFor func(now time.Time, tenant uuid.UUID) (river.JobArgs, error)) error {
	return d.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ids []uuid.UUID
		if err := tx.NewRaw("SELECT "+fn).Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		now := d.Now(ctx)
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			args, err := argsFor(now, id)
			if err != nil {
				return err
			}
			params[i] = river.InsertManyParams{Args: args}
		}
		_, err := river.ClientFromContext[*sql.Tx](ctx).InsertManyTx(ctx, tx.Tx, params)
		return err
	})
}
