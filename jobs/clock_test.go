package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/jobs"
)

// A measurement write's recompute is debounced by the database clock: writes
// within one RecomputeDebounce of the clock share a job, a write in the next
// second gets its own.
func TestRecomputeBucketFollowsTheClock(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Services: b.svc.Jobs()}) // inserts only
	require.NoError(t, err)
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	b.tdb.Clock = c
	hook := jobs.RecomputeHook(client)
	write := func() {
		t.Helper()
		require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error { return hook(ctx, tx, b.tenant) }))
	}
	buckets := func() []int64 {
		t.Helper()
		res, err := client.JobList(ctx, river.NewJobListParams().Kinds(jobs.SignalsRecomputeArgs{}.Kind()).First(100))
		require.NoError(t, err)
		var out []int64
		for _, j := range res.Jobs {
			var a jobs.SignalsRecomputeArgs
			require.NoError(t, json.Unmarshal(j.EncodedArgs, &a))
			out = append(out, a.Bucket)
		}
		return out
	}

	write()
	c.Advance(999 * time.Millisecond)
	write()
	require.Equal(t, []int64{start.UnixMilli()}, buckets(), "one job for writes within the clock's second")
	c.Advance(time.Millisecond)
	write()
	require.ElementsMatch(t, []int64{start.UnixMilli(), start.Add(time.Second).UnixMilli()}, buckets(),
		"positive control: the clock's next second gets its own job")
}
