package testdb

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stratumhq/stratum/internal/apperr"
)

// CreateConcurrently calls create(1) … create(n) from workers goroutines at
// once — the way concurrent requests meet a cap — and counts the calls
// that succeeded and those refused with BAD_USER_INPUT; any other error
// fails t.
func CreateConcurrently(t testing.TB, workers, n int, create func(i int) error) (created, refused int) {
	t.Helper()
	var next, ok, no atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
				switch err := create(i); {
				case err == nil:
					ok.Add(1)
				case apperr.CodeOf(err) == apperr.BadUserInput:
					no.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	return int(ok.Load()), int(no.Load())
}
