// Package jobs defines Stratum's River jobs: their args, workers and the
// periodic schedule, and builds the River client on the shared pool. Jobs
// carry their tenant id and touch tenant data only through db.InTenant.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

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
	// Concurrency is the default queue's worker count (high gets the same, low a quarter).
	Concurrency int
	// Trust is the trust engine the workers use and whose hooks enqueue with
	// this client (NewTrust(d, nil) when nil; its client is set here if unset).
	Trust *Trust
}

// Client is River's client over the shared pool's database/sql view, so
// InsertTx(ctx, bunTx.Tx, …) joins a bun transaction.
type Client = river.Client[*sql.Tx]

// NewClient builds the River client. LISTEN/NOTIFY stays on pgx through
// NewWithPgxListener (plain riverdatabasesql.New would only poll).
func NewClient(d *db.DB, o Options) (*Client, error) {
	cfg := &river.Config{
		Logger:      o.Log,
		JobTimeout:  time.Minute,
		MaxAttempts: 10,
	}
	trust := o.Trust
	if trust == nil {
		trust = NewTrust(d, nil)
	}
	if o.Work {
		n := o.Concurrency
		if n < 1 {
			n = 10
		}
		workers := river.NewWorkers()
		register(workers, d, trust, o.Log)
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{
			QueueHigh:    {MaxWorkers: n},
			QueueDefault: {MaxWorkers: n},
			QueueLow:     {MaxWorkers: max(1, n/4)},
		}
		cfg.PeriodicJobs = periodic()
	}
	client, err := river.NewClient(riverdatabasesql.NewWithPgxListener(d.SQL, d.Pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	if trust.client == nil {
		trust.SetClient(client)
	}
	return client, nil
}

// register adds every worker.
func register(w *river.Workers, d *db.DB, trust *Trust, log *slog.Logger) {
	river.AddWorker(w, &PruneNotesFanOutWorker{DB: d})
	river.AddWorker(w, &PruneNotesWorker{DB: d})
	registerTrust(w, d, trust, log)
}

// periodic is the schedule River's elected leader runs.
func periodic() []*river.PeriodicJob {
	return append([]*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return PruneNotesFanOutArgs{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}, trustPeriodic()...)
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
