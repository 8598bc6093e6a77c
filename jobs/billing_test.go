package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// The prune job deletes applied Stripe events older than the retention, in
// bounded batches, and keeps recent and unapplied ones; when the clock moves
// on, the recent one goes too (the control).
func TestPruneStripeEvents(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := clock.NewManual(t0)
	tdb.Clock = c
	ctx := context.Background()
	day := 24 * time.Hour
	insert := func(id string, received time.Time, applied *time.Time) {
		require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewRaw(`INSERT INTO stripe_events (id, type, payload, received_at, applied_at, outcome) VALUES (?, 'invoice.paid', '{}', ?, ?, 'done')`,
				id, received, applied).Exec(ctx)
			return err
		}))
	}
	at := func(d time.Duration) *time.Time { v := t0.Add(-d); return &v }
	for _, id := range []string{"evt_old1", "evt_old2", "evt_old3", "evt_old4", "evt_old5"} {
		insert(id, t0.Add(-40*day), at(31*day))
	}
	insert("evt_recent", t0.Add(-29*day), at(29*day))
	insert("evt_unapplied", t0.Add(-90*day), nil)
	ids := func() []string {
		var out []string
		require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT id FROM stripe_events ORDER BY id`).Scan(ctx, &out)
		}))
		return out
	}

	s := &billing.Stripe{DB: tdb.DB}
	// Two batches of two: one run stops there, the next goes on.
	w := &jobs.PruneStripeEventsWorker{Stripe: s, Batch: 2, MaxBatches: 2}
	require.NoError(t, w.Work(ctx, &river.Job[jobs.PruneStripeEventsArgs]{}))
	require.Len(t, ids(), 3, "one run deletes at most Batch×MaxBatches events")
	require.NoError(t, w.Work(ctx, &river.Job[jobs.PruneStripeEventsArgs]{}))
	require.Equal(t, []string{"evt_recent", "evt_unapplied"}, ids(), "applied events older than 30 days are gone")

	c.Advance(2 * day)
	n, err := s.PruneEvents(ctx, billing.StripeEventRetention, billing.PruneBatch, 1)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []string{"evt_unapplied"}, ids(), "an unapplied event is kept whatever its age")
}
