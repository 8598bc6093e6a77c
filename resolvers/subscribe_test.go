package resolvers

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/realtime"
)

func TestSharedLoadsRunOncePerEventAndField(t *testing.T) {
	t.Parallel()
	s := &sharedLoads{m: map[loadKey]*loadCall{}}
	var calls atomic.Int32
	load := func(context.Context) (any, error) { calls.Add(1); return "v", nil }
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.do(context.Background(), realtime.Event{Seq: 7}, `incidentOpened{}`, load)
			assert.NoError(t, err) // assert, not require: this is not the test goroutine
			assert.Equal(t, "v", v)
		}()
	}
	wg.Wait()
	require.EqualValues(t, 1, calls.Load(), "50 subscribers of one event share one load")

	_, _ = s.do(context.Background(), realtime.Event{Seq: 7}, `signalHealthChanged{"platform":"META"}`, load)
	_, _ = s.do(context.Background(), realtime.Event{Seq: 8}, `incidentOpened{}`, load)
	require.EqualValues(t, 3, calls.Load(), "another field or another event loads again")
	_, _ = s.do(context.Background(), realtime.Event{}, `incidentOpened{}`, load)
	require.EqualValues(t, 4, calls.Load(), "events not dispatched by a hub are never shared")
}
