package cdp

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
)

// takeEvents spends n events of source's rate limit (rate a second):
// through the shared buckets when the service has them (ADR 0016, "Rate
// limits"), else this process's. A shared limiter that cannot reach the
// database falls back to this process's bucket rather than refusing
// traffic it could not judge.
func (s *Service) takeEvents(ctx context.Context, source uuid.UUID, rate, n int) (wait time.Duration, ok bool) {
	if s.SharedLimits != nil {
		ok, wait, err := s.SharedLimits.TakeOrOwe(ctx, "cdp_source:"+source.String(), auth.Bucket{Max: float64(rate), Rate: float64(rate)}, float64(n))
		if err == nil {
			return wait, ok
		}
		if s.Log != nil {
			s.Log.Warn("cdp: shared rate limit unavailable; using this process's", "error", err.Error())
		}
	}
	return s.limits.take(source, rate, n, s.DB.Now(ctx))
}

// limiter is the per-source rate limit, a token bucket per source in this
// process holding one second of events. A request is admitted when the
// bucket holds its events, or when the bucket is full (so a batch larger
// than a second's worth can pass, leaving the bucket in debt until it
// refills); otherwise it is told how long to wait.
type limiter struct {
	mu      sync.Mutex
	buckets map[uuid.UUID]*bucket
	// max bounds buckets (maxFallbackBuckets when 0).
	max int
}

// maxFallbackBuckets bounds the sources this process limits on its own.
const maxFallbackBuckets = 10_000

type bucket struct {
	level float64
	at    time.Time
	rate  float64
}

// room reports whether a new source's bucket may be added, dropping from
// a full map the buckets that have refilled (a missing bucket is a full
// one). Without room the new source is admitted as its full bucket would
// admit it, and not remembered: the buckets in debt are kept.
func (l *limiter) room(now time.Time) bool {
	limit := l.max
	if limit <= 0 {
		limit = maxFallbackBuckets
	}
	if len(l.buckets) < limit {
		return true
	}
	for id, b := range l.buckets {
		if b.level+now.Sub(b.at).Seconds()*b.rate >= b.rate {
			delete(l.buckets, id)
		}
	}
	return len(l.buckets) < limit
}

// take spends n events of source's bucket (rate a second) at now.
func (l *limiter) take(source uuid.UUID, rate, n int, now time.Time) (wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[uuid.UUID]*bucket{}
	}
	r := float64(rate)
	b := l.buckets[source]
	if b == nil {
		if !l.room(now) {
			return 0, true
		}
		b = &bucket{level: r, at: now}
		l.buckets[source] = b
	}
	b.rate = r
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.level += dt * r
		b.at = now
	}
	b.level = min(r, b.level) // also when the source's limit was lowered

	need := float64(n)
	if b.level >= need || b.level >= r {
		b.level -= need
		return 0, true
	}
	missing := min(need, r) - b.level
	return time.Duration(missing / r * float64(time.Second)), false
}
