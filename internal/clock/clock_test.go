package clock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/clock"
)

func TestReal(t *testing.T) {
	t.Parallel()
	before := time.Now()
	now := clock.Real{}.Now()
	require.Equal(t, time.UTC, now.Location())
	require.Zero(t, now.Nanosecond()%1000, "truncated to the microsecond")
	require.WithinDuration(t, before, now, time.Second)
}

func TestManual(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 15, 30, 0, 123456789, time.FixedZone("CET", 3600))
	c := clock.NewManual(start)
	want := time.Date(2026, 3, 10, 14, 30, 0, 123456000, time.UTC)

	t.Run("starts at t, in UTC, to the microsecond, and stays there", func(t *testing.T) {
		require.Equal(t, want, c.Now())
		require.Equal(t, want, c.Now())
	})
	t.Run("moves when told", func(t *testing.T) {
		c := clock.NewManual(start)
		require.Equal(t, want.Add(time.Hour), c.Advance(time.Hour))
		require.Equal(t, want.Add(time.Hour), c.Now())
		c.Set(start.Add(-time.Minute))
		require.Equal(t, want.Add(-time.Minute), c.Now(), "Set may move it back")
	})
	t.Run("is safe for concurrent use", func(t *testing.T) {
		c := clock.NewManual(start)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 100 {
					c.Advance(time.Microsecond)
					_ = c.Now()
				}
			}()
		}
		wg.Wait()
		require.Equal(t, want.Add(800*time.Microsecond), c.Now())
	})
}
