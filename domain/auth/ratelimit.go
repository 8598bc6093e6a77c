package auth

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/stratumhq/stratum/internal/db"
)

// Bucket is a token bucket's shape: Max points, restoring Rate per second.
type Bucket struct {
	Max  float64
	Rate float64
}

// Limiter keeps token buckets shared by every replica in PostgreSQL
// (rate_limit_buckets) with a local copy per process, so a request costs no
// database round trip: each process takes points from its copy and, at
// most once per SyncInterval per bucket, writes what it spent to the shared
// row in one statement and reads back the shared level (which includes
// every other replica's spending). The documented approximation (ADR 0005):
// between two syncs, N replicas may together overspend a bucket by what
// N-1 of them spend in one SyncInterval; the shared row may go negative, so
// the overspend is paid back before the bucket refills.
type Limiter struct {
	DB *db.DB
	// SyncInterval is how often a busy bucket is reconciled with the shared
	// row (default 1s).
	SyncInterval time.Duration

	mu      sync.Mutex
	buckets map[string]*localBucket
}

type localBucket struct {
	shape   Bucket
	tokens  float64   // local estimate of the shared level
	at      time.Time // when tokens was last refilled
	pending float64   // spent locally, not yet written to the shared row
	synced  time.Time
	syncing bool
}

func (l *Limiter) interval() time.Duration {
	if l.SyncInterval > 0 {
		return l.SyncInterval
	}
	return time.Second
}

// bucket returns key's local copy, loading the shared level on first use.
func (l *Limiter) bucket(ctx context.Context, key string, b Bucket) (*localBucket, error) {
	l.mu.Lock()
	lb, ok := l.buckets[key]
	l.mu.Unlock()
	if ok {
		return lb, nil
	}
	level, err := l.shared(ctx, key, b)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*localBucket{}
	}
	if lb, ok := l.buckets[key]; ok {
		return lb, nil
	}
	lb = &localBucket{shape: b, tokens: level, at: time.Now(), synced: time.Now()}
	l.buckets[key] = lb
	return lb, nil
}

func (lb *localBucket) refill(now time.Time) {
	lb.tokens = math.Min(lb.shape.Max, lb.tokens+now.Sub(lb.at).Seconds()*lb.shape.Rate)
	lb.at = now
}

// Take removes cost points from bucket key when it holds at least cost and
// returns whether it did and how many points remain (or are available,
// when refused).
func (l *Limiter) Take(ctx context.Context, key string, b Bucket, cost float64) (ok bool, available float64, err error) {
	lb, err := l.bucket(ctx, key, b)
	if err != nil {
		return false, 0, err
	}
	now := time.Now()
	l.mu.Lock()
	lb.shape = b
	lb.refill(now)
	if cost <= lb.tokens {
		lb.tokens -= cost
		lb.pending += cost
		ok = true
	}
	available = math.Max(0, lb.tokens)
	sync := !lb.syncing && (lb.pending > 0 || !ok) && now.Sub(lb.synced) >= l.interval()
	if sync {
		lb.syncing = true
	}
	l.mu.Unlock()
	if sync {
		go l.sync(key, lb)
	}
	return ok, available, nil
}

// Available returns the points bucket key holds now, without taking any.
func (l *Limiter) Available(ctx context.Context, key string, b Bucket) (float64, error) {
	lb, err := l.bucket(ctx, key, b)
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	lb.refill(time.Now())
	return math.Max(0, lb.tokens), nil
}

// Flush writes every bucket's pending spending to the shared rows now
// (tests and shutdown).
func (l *Limiter) Flush(ctx context.Context) error {
	l.mu.Lock()
	keys := make(map[string]*localBucket, len(l.buckets))
	for k, lb := range l.buckets {
		if !lb.syncing {
			lb.syncing = true
			keys[k] = lb
		}
	}
	l.mu.Unlock()
	var first error
	for k, lb := range keys {
		if err := l.syncCtx(ctx, k, lb); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (l *Limiter) sync(key string, lb *localBucket) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.syncCtx(ctx, key, lb)
}

// syncCtx writes lb's pending spending to the shared row and adopts the
// shared level, minus what was spent locally meanwhile.
func (l *Limiter) syncCtx(ctx context.Context, key string, lb *localBucket) error {
	l.mu.Lock()
	spent, shape := lb.pending, lb.shape
	lb.pending = 0
	l.mu.Unlock()
	var level float64
	err := l.DB.Bun.NewRaw(`
		INSERT INTO rate_limit_buckets AS r (key, tokens, updated_at) VALUES (?0, ?1::float8 - ?3::float8, clock_timestamp())
		ON CONFLICT (key) DO UPDATE
		SET tokens = GREATEST(-?1::float8, LEAST(?1::float8, r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated_at) * ?2::float8) - ?3::float8),
		    updated_at = clock_timestamp()
		RETURNING tokens`, key, shape.Max, shape.Rate, spent).Scan(ctx, &level)
	l.mu.Lock()
	defer l.mu.Unlock()
	lb.syncing = false
	lb.synced = time.Now()
	if err != nil {
		lb.pending += spent // retry at the next sync
		return err
	}
	lb.tokens = level - lb.pending
	lb.at = time.Now()
	return nil
}

// shared reads the shared level of key (a full bucket when it has no row).
func (l *Limiter) shared(ctx context.Context, key string, b Bucket) (float64, error) {
	var level []float64
	err := l.DB.Bun.NewRaw(`SELECT LEAST(?1::float8, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * ?2::float8)
		FROM rate_limit_buckets WHERE key = ?0`, key, b.Max, b.Rate).Scan(ctx, &level)
	if err != nil {
		return 0, err
	}
	if len(level) == 0 {
		return b.Max, nil
	}
	return level[0], nil
}
