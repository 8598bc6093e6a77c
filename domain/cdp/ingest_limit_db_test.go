package cdp

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A source's rate limit holds across replicas: two services (two server
// processes) with their own limiters on one database admit the rate once
// between them, once the first has synced what it spent; each process
// keeping its own bucket (no SharedLimits) would admit it twice. Lumps
// larger than a second's worth still pass a full bucket, into debt.
func TestSourceRateLimitIsSharedByReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tdb := testdb.New(t)
	c := clock.NewManual(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	tdb.Clock = c
	// Syncs happen at Flush only (no background sync racing the test).
	replica := func() *Service {
		return &Service{DB: tdb.DB, SharedLimits: &auth.Limiter{DB: tdb.DB, SyncInterval: time.Hour}}
	}
	a, b := replica(), replica()
	src := uuid.New()

	_, ok := a.takeEvents(ctx, src, 10, 10)
	require.True(t, ok, "a full bucket")
	require.NoError(t, a.SharedLimits.Flush(ctx))
	wait, ok := b.takeEvents(ctx, src, 10, 5)
	require.False(t, ok, "the other replica sees the source's second already spent")
	require.Equal(t, 500*time.Millisecond, wait)

	alone := &Service{DB: tdb.DB} // positive control: per-process buckets
	_, ok = alone.takeEvents(ctx, src, 10, 5)
	require.True(t, ok, "a process with its own bucket admits the spent second again")

	c.Advance(time.Second) // refilled: b admits, a big lump too, into debt
	_, ok = b.takeEvents(ctx, src, 10, 25)
	require.True(t, ok)
	require.NoError(t, b.SharedLimits.Flush(ctx))
	c.Advance(time.Second)
	fresh := replica()
	wait, ok = fresh.takeEvents(ctx, src, 10, 1)
	require.False(t, ok, "the debt is shared (bounded at a second's worth: -10 + 10 = 0)")
	require.Equal(t, 100*time.Millisecond, wait)
}
