package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
)

// NoteRetention is how long demo notes are kept.
const NoteRetention = 30 * 24 * time.Hour

// PruneNotesFanOutArgs starts one PruneNotes job per tenant (the pattern
// every periodic per-tenant job follows: list tenant ids, insert one unique
// job each in the same transaction).
type PruneNotesFanOutArgs struct{}

// Kind implements river.JobArgs.
func (PruneNotesFanOutArgs) Kind() string { return "notes.prune_fanout" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PruneNotesFanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, UniqueOpts: river.UniqueOpts{ByPeriod: 30 * time.Minute}}
}

// PruneNotesFanOutWorker lists tenants and enqueues their prune jobs.
type PruneNotesFanOutWorker struct {
	river.WorkerDefaults[PruneNotesFanOutArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker: one INSERT of a job per tenant.
func (w *PruneNotesFanOutWorker) Timeout(*river.Job[PruneNotesFanOutArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *PruneNotesFanOutWorker) Work(ctx context.Context, job *river.Job[PruneNotesFanOutArgs]) error {
	return w.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		var ids []uuid.UUID
		if err := tx.NewRaw("SELECT stratum_tenant_ids()").Scan(ctx, &ids); err != nil {
			return err
		}
		client := river.ClientFromContext[*sql.Tx](ctx)
		params := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			params[i] = river.InsertManyParams{Args: PruneNotesArgs{TenantID: id}}
		}
		if len(params) == 0 {
			return nil
		}
		_, err := client.InsertManyTx(ctx, tx.Tx, params)
		return err
	})
}

// PruneNotesArgs deletes one tenant's notes older than NoteRetention.
type PruneNotesArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
}

// Kind implements river.JobArgs.
func (PruneNotesArgs) Kind() string { return "notes.prune" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PruneNotesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueLow, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: 30 * time.Minute}}
}

// PruneNotesWorker runs PruneNotesArgs.
type PruneNotesWorker struct {
	river.WorkerDefaults[PruneNotesArgs]
	DB     *db.DB
	Limits Limits
}

// Timeout implements river.Worker.
func (w *PruneNotesWorker) Timeout(*river.Job[PruneNotesArgs]) time.Duration {
	return w.Limits.timeout(30 * time.Second)
}

// Work implements river.Worker.
func (w *PruneNotesWorker) Work(ctx context.Context, job *river.Job[PruneNotesArgs]) error {
	return w.DB.InTenant(ctx, job.Args.TenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Table("notes").Where("created_at < ?", time.Now().Add(-NoteRetention)).Exec(ctx)
		return err
	})
}
