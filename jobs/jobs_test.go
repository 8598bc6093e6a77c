package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A bun write and a River job inserted in the same transaction commit or
// roll back together.
func TestJobAndWriteShareTheTransaction(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog()})
	require.NoError(t, err)

	write := func(tenant uuid.UUID, fail bool) error {
		return tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO tenants (id, name, slug) VALUES (?, 'T', ?)", tenant, "t-"+tenant.String()[:8]); err != nil {
				return err
			}
			if _, err := client.InsertTx(ctx, tx.Tx, jobs.PruneNotesArgs{TenantID: tenant}, nil); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
	}
	committed, rolledBack := uuid.New(), uuid.New()
	require.NoError(t, write(committed, false))
	require.Error(t, write(rolledBack, true))

	count := func(tenant uuid.UUID) (tenants, jobCount int) {
		require.NoError(t, tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewSelect().Table("tenants").ColumnExpr("count(*)").Scan(ctx, &tenants); err != nil {
				return err
			}
			return tx.NewSelect().Table("river_job").ColumnExpr("count(*)").
				Where("kind = 'notes.prune' AND args->>'tenant_id' = ?", tenant.String()).Scan(ctx, &jobCount)
		}))
		return
	}
	tn, jn := count(committed)
	require.Equal(t, [2]int{1, 1}, [2]int{tn, jn})
	tn, jn = count(rolledBack)
	require.Equal(t, [2]int{0, 0}, [2]int{tn, jn})
}

// The periodic fan-out enqueues one prune job per tenant and the workers
// run them, deleting only old notes of each tenant.
func TestPruneNotesFanOut(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	tenants := []uuid.UUID{uuid.New(), uuid.New()}
	for _, id := range tenants {
		require.NoError(t, tdb.InTenant(ctx, id, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO tenants (id, name, slug) VALUES (?, 'T', ?)", id, "t-"+id.String()[:8]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO notes (tenant_id, id, body, created_at) VALUES
				(?, gen_random_uuid(), 'old', now() - interval '60 days'), (?, gen_random_uuid(), 'new', now())`, id, id)
			return err
		}))
	}
	client, err := jobs.NewClient(tdb.DB, jobs.Options{Log: quietLog(), Work: true, Concurrency: 2})
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	require.NoError(t, client.Start(runCtx)) // RunOnStart enqueues the fan-out
	defer client.Stop(context.Background())

	require.NotEmpty(t, tenants)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, id := range tenants {
			var bodies []string
			assert.NoError(c, tdb.InTenant(ctx, id, func(ctx context.Context, tx bun.Tx) error {
				return tx.NewSelect().Table("notes").Column("body").Scan(ctx, &bodies)
			}))
			assert.Equal(c, []string{"new"}, bodies, "tenant %s keeps only its recent note", id)
		}
	}, 15*time.Second, 100*time.Millisecond)
}
