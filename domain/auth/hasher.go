package auth

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Hasher runs argon2id for the whole process with at most Slots hashes at
// once. One hash takes MemoryKiB (64 MiB by default) and ~100 ms of a
// core, so unbounded concurrent log-ins or sign-ups would grow the heap
// by 64 MiB each and starve every other request (ADR 0007). A caller that
// finds every slot taken waits at most Wait, then gets ErrHashBusy
// (THROTTLED). Nothing may hold a database connection while it calls Hash
// or Verify.
type Hasher struct {
	// Params are the parameters of new hashes (Verify uses the hash's own).
	Params Argon2Params
	// Slots is how many hashes may run at once (default: the number of CPUs).
	Slots int
	// Wait bounds how long a caller waits for a slot (default 2s).
	Wait time.Duration
	// OnHash, when set, runs inside the slot just before each hash, with the
	// caller's context. Tests use it to observe concurrency and to check
	// that no transaction is open while hashing.
	OnHash func(ctx context.Context)

	once                 sync.Once
	sem                  chan struct{}
	running, peak, total atomic.Int64
	busy                 atomic.Int64
}

// HashStats are a Hasher's counters since start.
type HashStats struct {
	// Total is how many hashes ran (hash or verify).
	Total int64
	// Peak is the most that ran at once.
	Peak int64
	// Busy is how many callers were refused with ErrHashBusy.
	Busy int64
}

// ErrHashBusy answers a request that found every hashing slot taken for
// longer than Hasher.Wait.
var ErrHashBusy = &apperr.Error{Code: apperr.Throttled,
	Message:    "the server is busy checking other passwords; try again in a moment",
	Extensions: map[string]any{"retryAfterSeconds": 1}}

func (h *Hasher) init() {
	h.once.Do(func() {
		n := h.Slots
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		h.sem = make(chan struct{}, n)
	})
}

// do runs f in a slot.
func (h *Hasher) do(ctx context.Context, f func()) error {
	h.init()
	wait := h.Wait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	select {
	case h.sem <- struct{}{}:
	default:
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case h.sem <- struct{}{}:
		case <-t.C:
			h.busy.Add(1)
			return ErrHashBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-h.sem }()
	n := h.running.Add(1)
	defer h.running.Add(-1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	h.total.Add(1)
	if h.OnHash != nil {
		h.OnHash(ctx)
	}
	f()
	return nil
}

// Hash hashes a new password with Params.
func (h *Hasher) Hash(ctx context.Context, password string) (hash string, err error) {
	defer derrors.Wrap(&err, "auth.Hasher.Hash")
	if derr := h.do(ctx, func() { hash, err = HashPassword(password, h.Params) }); derr != nil {
		return "", derr
	}
	return hash, err
}

// Verify reports whether password matches encoded.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok bool, err error) {
	defer derrors.Wrap(&err, "auth.Hasher.Verify")
	if derr := h.do(ctx, func() { ok, err = VerifyPassword(password, encoded) }); derr != nil {
		return false, derr
	}
	return ok, err
}

// Stats returns the counters.
func (h *Hasher) Stats() HashStats {
	return HashStats{Total: h.total.Load(), Peak: h.peak.Load(), Busy: h.busy.Load()}
}
