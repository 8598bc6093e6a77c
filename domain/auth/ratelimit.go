package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Bucket is a token bucket's shape: Max points, restoring Rate per second.
type Bucket struct {
	Max  float64
	Rate float64
}

// RefillTime is how long the bucket takes from its lowest level (-Max, see
// syncCtx) back to full: Limiter.PruneAfter must exceed it.
func (b Bucket) RefillTime() time.Duration {
	if b.Rate <= 0 {
		return 0
	}
	return time.Duration(2 * b.Max / b.Rate * float64(time.Second))
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
//
// Within one process Take is atomic: a caller that reserves before doing
// the work (and gives the point back with Give when it should not count)
// can never admit more than the bucket holds, however many requests race
// (ADR 0007). The state is bounded: keys longer than maxKeyLen are hashed,
// local copies that hold nothing unsynced are evicted when idle or when
// MaxBuckets is reached (the shared row keeps their level), a key that
// finds the map full of unsynced copies is worked on its shared row
// directly, and Run deletes shared rows that have been full for PruneAfter.
type Limiter struct {
	DB *db.DB
	// SyncInterval is how often a busy bucket is reconciled with the shared
	// row (default 1s).
	SyncInterval time.Duration
	// MaxBuckets caps the local copies (default 100,000). Copies with
	// unsynced spending are never dropped; when the map is full of them, a
	// key without a copy is worked on its shared row directly (one atomic
	// statement per call) until Run has synced and dropped some.
	MaxBuckets int
	// IdleAfter evicts a synced local copy unused this long (default 1m);
	// a full synced copy is evicted at the next Run round.
	IdleAfter time.Duration
	// PruneAfter deletes shared rows not updated for this long (default 1h).
	// It must exceed the longest refillTime of any bucket shape used, so
	// that only full buckets are deleted (a missing row reads as full);
	// app.wireIdentity sets it from the configured shapes.
	PruneAfter time.Duration

	mu      sync.Mutex
	buckets map[string]*localBucket
	// scanned is when (DB.Now) a full map last looked for copies to drop
	// (at most one scan per scanEvery: a scan visits every copy under the
	// lock).
	scanned time.Time
}

// scanEvery spaces out the scans of a full map for copies to drop.
const scanEvery = 100 * time.Millisecond

type localBucket struct {
	shape   Bucket
	tokens  float64   // local estimate of the shared level
	at      time.Time // when tokens was last refilled (last use)
	pending float64   // spent locally (negative: refunded), not yet written to the shared row
	synced  time.Time
	syncing bool
}

// maxKeyLen bounds a key's size in memory and in the shared table; longer
// keys are replaced by a digest (boundKey).
const maxKeyLen = 128

// boundKey returns key, or for a key longer than maxKeyLen its first 32
// bytes and the SHA-256 of the whole (97 bytes), so no caller can make the
// limiter hold large keys.
func boundKey(key string) string {
	if len(key) <= maxKeyLen {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return key[:32] + "#" + hex.EncodeToString(sum[:])
}

func (l *Limiter) interval() time.Duration {
	if l.SyncInterval > 0 {
		return l.SyncInterval
	}
	return time.Second
}

func (l *Limiter) maxBuckets() int {
	if l.MaxBuckets > 0 {
		return l.MaxBuckets
	}
	return 100_000
}

func (l *Limiter) idleAfter() time.Duration {
	if l.IdleAfter > 0 {
		return l.IdleAfter
	}
	return time.Minute
}

func (l *Limiter) pruneAfter() time.Duration {
	if l.PruneAfter > 0 {
		return l.PruneAfter
	}
	return time.Hour
}

// bucket returns key's local copy, loading the shared level on first use;
// nil when the map is full and nothing in it can be dropped now.
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
	now := l.DB.Now(ctx)
	if len(l.buckets) >= l.maxBuckets() {
		if now.Sub(l.scanned) < scanEvery && !now.Before(l.scanned) {
			return nil, nil
		}
		l.scanned = now
		l.evictLocked(now, true)
		if len(l.buckets) >= l.maxBuckets() {
			return nil, nil
		}
	}
	lb = &localBucket{shape: b, tokens: level, at: now, synced: now}
	l.buckets[key] = lb
	return lb, nil
}

// locked runs fn on key's local copy under the lock and reports whether it
// did: false when the map is full (bucket), and the caller works on the
// shared row instead. A copy evicted between the lookup and the lock is
// looked up again, so no spending lands on a dropped copy.
func (l *Limiter) locked(ctx context.Context, key string, b Bucket, fn func(lb *localBucket)) (bool, error) {
	for {
		lb, err := l.bucket(ctx, key, b)
		if err != nil || lb == nil {
			return false, err
		}
		l.mu.Lock()
		if l.buckets[key] == lb {
			fn(lb)
			l.mu.Unlock()
			return true, nil
		}
		l.mu.Unlock()
	}
}

// takeShared is Take (owe false) or TakeOrOwe (owe true) on key's shared
// row, in one statement (atomic across processes): ok, and the level left
// when ok or found when refused.
func (l *Limiter) takeShared(ctx context.Context, key string, b Bucket, cost float64, owe bool) (ok bool, level float64, err error) {
	var left []float64
	err = l.DB.Bun.NewRaw(`
		INSERT INTO rate_limit_buckets AS r (key, tokens, updated_at)
		SELECT ?0, GREATEST(-?1::float8, ?1::float8 - ?3::float8), ?4 WHERE ?3::float8 <= ?1::float8 OR ?5
		ON CONFLICT (key) DO UPDATE
		SET tokens = GREATEST(-?1::float8, LEAST(?1::float8, r.tokens + `+refillSQL("?2", "?4")+`) - ?3::float8),
		    updated_at = GREATEST(r.updated_at, ?4)
		WHERE LEAST(?1::float8, r.tokens + `+refillSQL("?2", "?4")+`) >= ?3::float8
		   OR (?5 AND LEAST(?1::float8, r.tokens + `+refillSQL("?2", "?4")+`) >= ?1::float8)
		RETURNING tokens`, key, b.Max, b.Rate, cost, l.DB.Now(ctx), owe).Scan(ctx, &left)
	if err != nil {
		return false, 0, fmt.Errorf("take from rate limit bucket: %w", err)
	}
	if len(left) == 1 {
		return true, left[0], nil
	}
	level, err = l.shared(ctx, key, b)
	return false, level, err
}

// giveShared is Give on key's shared row (a missing row is a full bucket).
func (l *Limiter) giveShared(ctx context.Context, key string, b Bucket, cost float64) error {
	_, err := l.DB.Bun.ExecContext(ctx, `UPDATE rate_limit_buckets AS r
		SET tokens = LEAST(?1::float8, LEAST(?1::float8, r.tokens + `+refillSQL("?2", "?4")+`) + ?3::float8),
		    updated_at = GREATEST(r.updated_at, ?4)
		WHERE key = ?0`, key, b.Max, b.Rate, cost, l.DB.Now(ctx))
	if err != nil {
		return fmt.Errorf("give to rate limit bucket: %w", err)
	}
	return nil
}

// refill adds what the bucket gained since lb.at. A now before lb.at (a
// caller inside a transaction that began earlier, a clock set back) adds
// nothing and leaves lb.at, so no time is counted twice.
func (lb *localBucket) refill(now time.Time) {
	elapsed := math.Max(0, now.Sub(lb.at).Seconds())
	lb.tokens = math.Min(lb.shape.Max, lb.tokens+elapsed*lb.shape.Rate)
	if now.After(lb.at) {
		lb.at = now
	}
}

// Take removes cost points from bucket key when it holds at least cost and
// returns whether it did and how many points remain (or are available,
// when refused). The check and the removal are one step, so Take is the
// reservation of a limited attempt: call it before the work.
func (l *Limiter) Take(ctx context.Context, key string, b Bucket, cost float64) (ok bool, available float64, err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Take")
	key = boundKey(key)
	var sync bool
	var lb *localBucket
	local, err := l.locked(ctx, key, b, func(b2 *localBucket) {
		lb = b2
		now := l.DB.Now(ctx)
		lb.shape = b
		lb.refill(now)
		if cost <= lb.tokens {
			lb.tokens -= cost
			lb.pending += cost
			ok = true
		}
		available = math.Max(0, lb.tokens)
		sync = !lb.syncing && (lb.pending != 0 || !ok) && now.Sub(lb.synced) >= l.interval()
		if sync {
			lb.syncing = true
		}
	})
	if err != nil {
		return false, 0, err
	}
	if !local {
		ok, level, err := l.takeShared(ctx, key, b, cost, false)
		return ok, math.Max(0, level), err
	}
	if sync {
		go l.sync(key, lb)
	}
	return ok, available, nil
}

// TakeOrOwe is Take for work that comes in lumps that may exceed the
// bucket (a batch of events against a per-second rate): it also admits
// cost when the bucket is full, leaving it in debt (down to Max − cost)
// that later refills pay back. When it refuses, wait is how long until
// the bucket holds min(cost, Max).
func (l *Limiter) TakeOrOwe(ctx context.Context, key string, b Bucket, cost float64) (ok bool, wait time.Duration, err error) {
	defer derrors.Wrap(&err, "auth.Limiter.TakeOrOwe")
	key = boundKey(key)
	var sync bool
	var lb *localBucket
	local, err := l.locked(ctx, key, b, func(b2 *localBucket) {
		lb = b2
		now := l.DB.Now(ctx)
		lb.shape = b
		lb.refill(now)
		if cost <= lb.tokens || lb.tokens >= b.Max {
			lb.tokens -= cost
			lb.pending += cost
			ok = true
		} else if b.Rate > 0 {
			wait = time.Duration((math.Min(cost, b.Max) - lb.tokens) / b.Rate * float64(time.Second))
		}
		sync = !lb.syncing && (lb.pending != 0 || !ok) && now.Sub(lb.synced) >= l.interval()
		if sync {
			lb.syncing = true
		}
	})
	if err != nil {
		return false, 0, err
	}
	if !local {
		ok, level, err := l.takeShared(ctx, key, b, cost, true)
		if err == nil && !ok && b.Rate > 0 {
			wait = time.Duration((math.Min(cost, b.Max) - level) / b.Rate * float64(time.Second))
		}
		return ok, wait, err
	}
	if sync {
		go l.sync(key, lb)
	}
	return ok, wait, nil
}

// Give returns cost points to bucket key (never above its Max): the refund
// of a reservation made with Take whose attempt should not count (a
// successful log-in, work refused for another reason).
func (l *Limiter) Give(ctx context.Context, key string, b Bucket, cost float64) (err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Give")
	key = boundKey(key)
	local, err := l.locked(ctx, key, b, func(lb *localBucket) {
		lb.shape = b
		lb.refill(l.DB.Now(ctx))
		lb.tokens = math.Min(b.Max, lb.tokens+cost)
		lb.pending -= cost
	})
	if err == nil && !local {
		err = l.giveShared(ctx, key, b, cost)
	}
	return err
}

// Available returns the points bucket key holds now, without taking any.
func (l *Limiter) Available(ctx context.Context, key string, b Bucket) (available float64, err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Available")
	key = boundKey(key)
	local, err := l.locked(ctx, key, b, func(lb *localBucket) {
		lb.refill(l.DB.Now(ctx))
		available = math.Max(0, lb.tokens)
	})
	if err == nil && !local {
		available, err = l.shared(ctx, key, b)
		available = math.Max(0, available)
	}
	return available, err
}

// Len is how many local copies the limiter holds (metrics and tests).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Flush writes every bucket's pending spending to the shared rows now
// (tests and shutdown: app.Stop calls it so no spending is lost).
func (l *Limiter) Flush(ctx context.Context) (err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Flush")
	return l.syncWhere(ctx, func(*localBucket) bool { return true })
}

// syncWhere syncs the buckets that pick selects and are not syncing.
func (l *Limiter) syncWhere(ctx context.Context, pick func(*localBucket) bool) error {
	l.mu.Lock()
	keys := make(map[string]*localBucket, len(l.buckets))
	for k, lb := range l.buckets {
		if !lb.syncing && pick(lb) {
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

// Run keeps the limiter's state bounded until ctx ends: every SyncInterval
// it writes unsynced spending of quiet buckets (a bucket used once would
// otherwise never sync) and evicts idle local copies; every PruneAfter/4 it
// deletes shared rows that are full again. Errors go to onErr (the caller
// logs them); they are never fatal, and unsynced spending is retried.
func (l *Limiter) Run(ctx context.Context, onErr func(error)) {
	t := time.NewTicker(l.interval())
	defer t.Stop()
	var pruned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := l.DB.Now(ctx)
		prune := now.Sub(pruned) >= l.pruneAfter()/4
		if prune {
			pruned = now
		}
		if err := l.Maintain(ctx, prune); err != nil && ctx.Err() == nil {
			onErr(err)
		}
	}
}

// Maintain runs one round of Run: sync quiet buckets, evict idle copies
// and, with prune, delete shared rows that are full again.
func (l *Limiter) Maintain(ctx context.Context, prune bool) (err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Maintain")
	now := l.DB.Now(ctx)
	err = l.syncWhere(ctx, func(lb *localBucket) bool {
		return lb.pending != 0 && now.Sub(lb.synced) >= l.interval()
	})
	l.mu.Lock()
	l.evictLocked(now, false)
	l.mu.Unlock()
	if prune {
		if _, perr := l.Prune(ctx); perr != nil && err == nil {
			err = perr
		}
	}
	return err
}

// evictLocked drops local copies with nothing unsynced that are full or
// idle (or, with all, every such copy). The shared row holds their level,
// so dropping one costs only a read at its next use.
func (l *Limiter) evictLocked(now time.Time, all bool) {
	for k, lb := range l.buckets {
		if lb.syncing || lb.pending != 0 {
			continue
		}
		idle := now.Sub(lb.at) >= l.idleAfter()
		full := lb.tokens+now.Sub(lb.at).Seconds()*lb.shape.Rate >= lb.shape.Max
		if all || idle || full {
			delete(l.buckets, k)
		}
	}
}

// Prune deletes shared rows not updated for PruneAfter (their buckets are
// full again, which a missing row also means) and returns how many.
func (l *Limiter) Prune(ctx context.Context) (_ int64, err error) {
	defer derrors.Wrap(&err, "auth.Limiter.Prune")
	res, err := l.DB.Bun.ExecContext(ctx, `DELETE FROM rate_limit_buckets WHERE updated_at < ?::timestamptz - ?::interval`,
		l.DB.Now(ctx), fmt.Sprintf("%d milliseconds", l.pruneAfter().Milliseconds()))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (l *Limiter) sync(key string, lb *localBucket) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.syncCtx(ctx, key, lb) // on error the spending stays pending; Run retries
}

// syncCtx writes lb's pending spending to the shared row and adopts the
// shared level, minus what was spent locally meanwhile.
func (l *Limiter) syncCtx(ctx context.Context, key string, lb *localBucket) error {
	l.mu.Lock()
	spent, shape := lb.pending, lb.shape
	lb.pending = 0
	l.mu.Unlock()
	var level float64
	now := l.DB.Now(ctx)
	err := l.DB.Bun.NewRaw(`
		INSERT INTO rate_limit_buckets AS r (key, tokens, updated_at) VALUES (?0, LEAST(?1::float8, ?1::float8 - ?3::float8), ?4)
		ON CONFLICT (key) DO UPDATE
		SET tokens = GREATEST(-?1::float8, LEAST(?1::float8, LEAST(?1::float8, r.tokens + `+refillSQL("?2", "?4")+`) - ?3::float8)),
		    updated_at = GREATEST(r.updated_at, ?4)
		RETURNING tokens`, key, shape.Max, shape.Rate, spent, now).Scan(ctx, &level)
	done := l.DB.Now(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	lb.syncing = false
	lb.synced = done
	if err != nil {
		lb.pending += spent // retry at the next sync
		return fmt.Errorf("sync rate limit bucket: %w", err)
	}
	lb.tokens = math.Min(shape.Max, level-lb.pending)
	lb.at = done
	return nil
}

// refillSQL is the SQL of what shared row r gained from its updated_at
// until the placeholder now (the caller's DB.Now) at the placeholder rate
// points a second. Replicas write updated_at from their own clocks, so a
// now before it (a clock behind) adds nothing rather than draining the
// bucket, and syncCtx never moves updated_at back.
func refillSQL(rate, now string) string {
	return "GREATEST(0, EXTRACT(EPOCH FROM " + now + "::timestamptz - r.updated_at)) * " + rate + "::float8"
}

// shared reads the shared level of key (a full bucket when it has no row).
func (l *Limiter) shared(ctx context.Context, key string, b Bucket) (float64, error) {
	var level []float64
	err := l.DB.Bun.NewRaw(`SELECT LEAST(?1::float8, tokens + `+refillSQL("?2", "?3")+`)
		FROM rate_limit_buckets AS r WHERE key = ?0`, key, b.Max, b.Rate, l.DB.Now(ctx)).Scan(ctx, &level)
	if err != nil {
		return 0, fmt.Errorf("read rate limit bucket: %w", err)
	}
	if len(level) == 0 {
		return b.Max, nil
	}
	return level[0], nil
}
