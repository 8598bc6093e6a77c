package cdp

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// The process-local fallback of the per-source limit keeps at most max
// sources: refilled buckets are dropped first (a missing bucket is a full
// one), so a bucket in debt survives a flood of new sources while it can.
func TestFallbackSourceLimitIsBounded(t *testing.T) {
	t.Parallel()
	l := &limiter{max: 10}
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	busy := uuid.New()
	_, ok := l.take(busy, 100, 100, now)
	require.True(t, ok)
	_, ok = l.take(busy, 100, 1, now)
	require.False(t, ok, "positive control: the busy source's second is spent")
	for i := range 100 {
		_, ok := l.take(uuid.New(), 100, 1, now.Add(time.Duration(i)*time.Millisecond))
		require.True(t, ok)
		require.LessOrEqual(t, len(l.buckets), 10)
	}
	_, ok = l.take(busy, 100, 50, now.Add(100*time.Millisecond))
	require.False(t, ok, "the busy source kept its debt: it had not refilled")
}
