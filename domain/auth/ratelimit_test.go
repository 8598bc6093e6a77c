package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

func setupLimiter(t *testing.T) (*Limiter, context.Context) {
	t.Helper()
	return &Limiter{DB: testdb.New(t).DB, SyncInterval: time.Hour}, context.Background()
}

// sharedLevel reads key's shared row (-1 when it has none).
func sharedLevel(t *testing.T, l *Limiter, key string) float64 {
	t.Helper()
	var level []float64
	require.NoError(t, l.DB.Bun.NewRaw("SELECT tokens FROM rate_limit_buckets WHERE key = ?", key).Scan(context.Background(), &level))
	if len(level) == 0 {
		return -1
	}
	return level[0]
}

// takeConcurrently takes 1 point of key n times at once and returns how
// many takes were granted.
func takeConcurrently(t *testing.T, l *Limiter, key string, b Bucket, n int) int {
	t.Helper()
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := l.Take(context.Background(), key, b, 1)
			require.NoError(t, err)
			if ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(granted.Load())
}

func TestLimiterTakeIsAnAtomicReservation(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	b := Bucket{Max: 5, Rate: 1e-6}
	require.Equal(t, 5, takeConcurrently(t, l, "k", b, 40))

	// A refund makes room for exactly one more, also in the shared row.
	require.NoError(t, l.Give(ctx, "k", b, 1))
	ok, _, err := l.Take(ctx, "k", b, 1)
	require.NoError(t, err)
	require.True(t, ok)
	ok, _, _ = l.Take(ctx, "k", b, 1)
	require.False(t, ok)
	require.NoError(t, l.Flush(ctx))
	require.InDelta(t, 0, sharedLevel(t, l, "k"), 0.01)
	require.NoError(t, l.Give(ctx, "k", b, 2))
	require.NoError(t, l.Flush(ctx))
	require.InDelta(t, 2, sharedLevel(t, l, "k"), 0.01, "refunds reach the shared row")
}

func TestLimiterBoundsKeySize(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	huge := "login-acct:" + strings.Repeat("x", 1<<20)
	_, _, err := l.Take(ctx, huge, Bucket{Max: 5, Rate: 1}, 1)
	require.NoError(t, err)
	require.NoError(t, l.Flush(ctx))
	var longest int
	require.NoError(t, l.DB.Bun.NewRaw("SELECT max(length(key)) FROM rate_limit_buckets").Scan(ctx, &longest))
	require.LessOrEqual(t, longest, maxKeyLen)
	require.Positive(t, longest, "the bucket was recorded")
	l.mu.Lock()
	for k := range l.buckets {
		require.LessOrEqual(t, len(k), maxKeyLen)
	}
	l.mu.Unlock()
	// The same huge key finds the same bucket.
	avail, err := l.Available(ctx, huge, Bucket{Max: 5, Rate: 1e-6})
	require.NoError(t, err)
	require.Less(t, avail, 5.0)
}

func TestLimiterEvictsIdleCopiesAndCapsTheMap(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	l.MaxBuckets = 10
	slow := Bucket{Max: 5, Rate: 1e-6}
	for i := range 50 {
		_, _, err := l.Take(ctx, "k"+string(rune('A'+i)), slow, 1)
		require.NoError(t, err)
	}
	require.Equal(t, 10, l.Len(), "copies with unsynced spending are kept, and no more than the cap")
	require.InDelta(t, 4, sharedLevel(t, l, "k"+string(rune('A'+49))), 0.01, "a key past the cap spends on its shared row")
	require.Equal(t, -1.0, sharedLevel(t, l, "kA"), "positive control: a local copy's spending waits for its sync")
	require.NoError(t, l.Maintain(ctx, false))
	require.Equal(t, 10, l.Len(), "not synced yet (SyncInterval 1h): nothing may be dropped")
	require.NoError(t, l.Flush(ctx))
	_, _, err := l.Take(ctx, "new", slow, 1)
	require.NoError(t, err)
	require.LessOrEqual(t, l.Len(), l.MaxBuckets, "at the cap, synced copies make room")
	require.InDelta(t, 4, sharedLevel(t, l, "kA"), 0.01, "an evicted copy's level stays in the shared row")
	avail, err := l.Available(ctx, "kA", slow)
	require.NoError(t, err)
	require.InDelta(t, 4, avail, 0.01, "and is read back on next use")

	fast := Bucket{Max: 5, Rate: 1e6}
	_, _, err = l.Take(ctx, "refills", fast, 1)
	require.NoError(t, err)
	require.NoError(t, l.Flush(ctx))
	require.NoError(t, l.Maintain(ctx, false))
	l.mu.Lock()
	_, kept := l.buckets["refills"]
	_, keptSlow := l.buckets["kA"]
	l.mu.Unlock()
	require.False(t, kept, "a synced, full copy is evicted")
	require.True(t, keptSlow, "a synced copy that is neither full nor idle stays")
}

// Past the cap, with every copy holding unsynced spending, a key is worked
// on its shared row in one statement: still an atomic reservation (ADR
// 0007), for Take, TakeOrOwe, Give and Available alike.
func TestLimiterPastItsCapWorksOnTheSharedRowAtomically(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	l.MaxBuckets = 2
	b := Bucket{Max: 5, Rate: 1e-6}
	for _, k := range []string{"a", "b"} {
		_, _, err := l.Take(ctx, k, b, 1)
		require.NoError(t, err)
	}
	require.Equal(t, 5, takeConcurrently(t, l, "past", b, 20))
	require.Equal(t, 2, l.Len())
	avail, err := l.Available(ctx, "past", b)
	require.NoError(t, err)
	require.InDelta(t, 0, avail, 0.01)
	require.NoError(t, l.Give(ctx, "past", b, 2))
	require.InDelta(t, 2, sharedLevel(t, l, "past"), 0.01, "a refund reaches the row")
	ok, wait, err := l.TakeOrOwe(ctx, "past", b, 3)
	require.NoError(t, err)
	require.False(t, ok, "2 left, 3 asked, not full")
	require.Positive(t, wait)
	ok, _, err = l.TakeOrOwe(ctx, "lump", b, 8)
	require.NoError(t, err)
	require.True(t, ok, "a full bucket admits a lump, into debt")
	require.InDelta(t, -3, sharedLevel(t, l, "lump"), 0.01)
	require.Equal(t, 2, l.Len())
}

func TestLimiterPrunesRowsThatRefilled(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	l.PruneAfter = time.Hour
	_, err := l.DB.Bun.ExecContext(ctx, `INSERT INTO rate_limit_buckets (key, tokens, updated_at) VALUES
		('old', -3, now() - interval '2 hours'), ('fresh', -3, now())`)
	require.NoError(t, err)
	n, err := l.Prune(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	require.Equal(t, -1.0, sharedLevel(t, l, "old"))
	require.Equal(t, -3.0, sharedLevel(t, l, "fresh"))
}

// setupClockLimiter is setupLimiter with a Manual database clock at start.
func setupClockLimiter(t *testing.T) (*Limiter, *clock.Manual, context.Context) {
	t.Helper()
	l, ctx := setupLimiter(t)
	c := clock.NewManual(time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC))
	l.DB.Clock = c
	return l, c, ctx
}

// A bucket refills by the database clock, locally and in the shared row,
// and rows are pruned by it.
func TestLimiterRefillsByTheClock(t *testing.T) {
	t.Parallel()
	b := Bucket{Max: 2, Rate: 1}

	t.Run("locally", func(t *testing.T) {
		t.Parallel()
		l, c, ctx := setupClockLimiter(t)
		take := func() bool {
			ok, _, err := l.Take(ctx, "k", b, 1)
			require.NoError(t, err)
			return ok
		}
		require.True(t, take())
		require.True(t, take())
		require.False(t, take(), "empty, and the clock stands still")
		c.Advance(500 * time.Millisecond)
		avail, err := l.Available(ctx, "k", b)
		require.NoError(t, err)
		require.InDelta(t, 0.5, avail, 1e-9)
		require.False(t, take())
		c.Advance(500 * time.Millisecond)
		require.True(t, take(), "positive control: a second of the clock restores a point")
		require.False(t, take())
		c.Advance(2 * time.Second)
		require.True(t, take())
		c.Advance(-time.Hour)
		require.True(t, take(), "a clock set back takes no points away")
	})

	t.Run("in the shared row", func(t *testing.T) {
		t.Parallel()
		l, c, ctx := setupClockLimiter(t)
		for range 2 {
			ok, _, err := l.Take(ctx, "k", b, 1)
			require.NoError(t, err)
			require.True(t, ok)
		}
		require.NoError(t, l.Flush(ctx))
		require.InDelta(t, 0, sharedLevel(t, l, "k"), 1e-9)
		replica := &Limiter{DB: l.DB, SyncInterval: time.Hour} // another process, same database and clock
		avail, err := replica.Available(ctx, "k", b)
		require.NoError(t, err)
		require.Zero(t, avail, "the clock stands still: the shared row is still empty")
		c.Advance(1500 * time.Millisecond)
		replica2 := &Limiter{DB: l.DB, SyncInterval: time.Hour}
		avail, err = replica2.Available(ctx, "k", b)
		require.NoError(t, err)
		require.InDelta(t, 1.5, avail, 1e-9, "positive control: the shared row refilled by the clock")
	})

	t.Run("pruning", func(t *testing.T) {
		t.Parallel()
		l, c, ctx := setupClockLimiter(t)
		l.PruneAfter = time.Hour
		_, _, err := l.Take(ctx, "k", b, 1)
		require.NoError(t, err)
		require.NoError(t, l.Flush(ctx))
		c.Advance(59 * time.Minute)
		n, err := l.Prune(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "updated 59 minutes ago by the clock")
		c.Advance(2 * time.Minute)
		n, err = l.Prune(ctx)
		require.NoError(t, err)
		require.EqualValues(t, 1, n, "positive control: an hour later by the clock it goes")
	})
}
