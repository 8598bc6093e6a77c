package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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

func TestLimiterTakeIsAnAtomicReservation(t *testing.T) {
	t.Parallel()
	l, ctx := setupLimiter(t)
	b := Bucket{Max: 5, Rate: 1e-6}
	var mu sync.Mutex
	granted := 0
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := l.Take(ctx, "k", b, 1)
			require.NoError(t, err)
			if ok {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 5, granted)

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
	require.Equal(t, 50, l.Len(), "copies with unsynced spending are kept")
	require.NoError(t, l.Maintain(ctx, false))
	require.Equal(t, 50, l.Len(), "not synced yet (SyncInterval 1h): nothing may be dropped")
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
