package auth

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// waitingForRefresh counts goroutines blocked on a refresh lock.
func waitingForRefresh() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("sync.(*Mutex).Lock")) && bytes.Contains(g, []byte("(*Revocations)")) {
			n++
		}
	}
	return n
}

// TestStaleRevocationsAreRefreshedOnceForConcurrentRequests: when the view
// goes stale under load, the requests that find it stale wait for one
// refresh instead of each querying the database in turn (a convoy on the
// pool: every request's directives queued behind N serial refreshes).
func TestStaleRevocationsAreRefreshedOnceForConcurrentRequests(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	r := &Revocations{DB: tdb.DB, Interval: time.Hour}
	p := &Principal{TenantID: uuid.New(), UserID: uuid.New(), TokenID: "jti", IssuedAt: time.Now()}
	const n = 20
	r.refresh.Lock() // a refresh in progress while n requests find the view stale
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Revoked(context.Background(), p)
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return waitingForRefresh() == n }, 10*time.Second, 5*time.Millisecond)
	before := tdb.Pool.Stat().AcquireCount()
	r.refresh.Unlock()
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	queries := tdb.Pool.Stat().AcquireCount() - before
	require.Positive(t, queries, "the view was refreshed")
	require.LessOrEqual(t, queries, int64(2), "one refresh (one or two queries), not one per waiting request")
}

// Revocations are stamped and expire by the database clock: a revoked
// token stays refused until the clock passes the revocation's expiry.
func TestRevocationsFollowTheClock(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	tdb.Clock = c
	ctx := context.Background()
	r := &Revocations{DB: tdb.DB, Interval: time.Hour}
	p := &Principal{TenantID: uuid.New(), UserID: uuid.New(), TokenID: "jti-1", IssuedAt: start}
	revoked := func() bool {
		t.Helper()
		require.NoError(t, r.Refresh(ctx))
		ok, err := r.Revoked(ctx, p)
		require.NoError(t, err)
		return ok
	}

	require.False(t, revoked())
	require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		c.Advance(time.Minute) // the row takes the transaction's time, fixed when it began
		return Insert(ctx, tx, RevokeJTI, p.TokenID, start, start.Add(10*time.Minute))
	}))
	var created time.Time
	require.NoError(t, tdb.Bun.NewRaw("SELECT created_at FROM revocations").Scan(ctx, &created))
	require.Equal(t, start, created.UTC())
	require.True(t, revoked(), "positive control: the revocation is seen")

	c.Advance(8 * time.Minute)
	require.True(t, revoked(), "nine minutes after: still in force")
	c.Advance(2 * time.Minute)
	require.False(t, revoked(), "eleven minutes after, by the clock, it has expired and is forgotten")
}

// An API key's revocation expires like the others (after it, the key's
// own revoked_at refuses it): before, the view kept every revoked key of
// every tenant for the life of the process.
func TestAPIKeyRevocationsExpireFromTheView(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	tdb.Clock = c
	ctx := context.Background()
	r := &Revocations{DB: tdb.DB, Interval: time.Hour}
	key := uuid.New()
	require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return Insert(ctx, tx, RevokeAPIKey, key.String(), start, start.Add(10*time.Minute))
	}))
	held := func() int {
		t.Helper()
		require.NoError(t, r.Refresh(ctx))
		r.mu.RLock()
		defer r.mu.RUnlock()
		return len(r.apiKeys)
	}
	require.Equal(t, 1, held(), "positive control: the revocation is held")
	ok, err := r.Revoked(ctx, &Principal{TenantID: uuid.New(), APIKeyID: key})
	require.NoError(t, err)
	require.True(t, ok)
	c.Advance(11 * time.Minute)
	require.Zero(t, held(), "expired and forgotten")
}

// A revocation's explicit Refresh is never skipped for a refresh in flight:
// that refresh may have read the table before the revocation committed, so
// the waiting Refresh reads again once it has the lock, although the view
// has just become fresh (only stale-view requests share a refresh).
func TestExplicitRefreshRunsAfterARefreshInFlight(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	ctx := context.Background()
	r := &Revocations{DB: tdb.DB, Interval: time.Hour}
	p := &Principal{TenantID: uuid.New(), UserID: uuid.New(), TokenID: "jti-in-flight", IssuedAt: time.Now()}
	ok, err := r.Revoked(ctx, p) // the first read fills the view
	require.NoError(t, err)
	require.False(t, ok)

	r.refresh.Lock() // a refresh in flight that read the table before the revocation below
	require.NoError(t, tdb.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		return Insert(ctx, tx, RevokeJTI, p.TokenID, time.Now(), time.Now().Add(time.Hour))
	}))
	done := make(chan error, 1)
	go func() { done <- r.Refresh(ctx) }() // the revoking request, after its commit
	require.Eventually(t, func() bool { return waitingForRefresh() == 1 }, 10*time.Second, 5*time.Millisecond)
	r.mu.Lock()
	r.checked = time.Now() // the refresh in flight completes: the view is fresh, without the revocation
	r.mu.Unlock()
	r.refresh.Unlock()
	require.NoError(t, <-done)

	ok, err = r.Revoked(ctx, p)
	require.NoError(t, err)
	require.True(t, ok, "the explicit refresh read the revocation")
}
