package cdp

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/db"
)

// Config tunes ingestion; zero fields take the defaults below.
type Config struct {
	// MaxQueueBytes bounds the payload bytes waiting for the group
	// committer; a request that would pass it is refused with THROTTLED
	// (429, Retry-After) instead of growing memory without bound.
	MaxQueueBytes int
	// CommitTimeout bounds one tenant's transaction of a group commit.
	CommitTimeout time.Duration
	// DefaultRateLimit is a new source's events per second.
	DefaultRateLimit int
	// Writers is how many group commits run at once in this process
	// (default DefaultWriters): while one waits for its commit to reach
	// disk, the next is being written.
	Writers int
	// PruneBatch is how many dedup rows one transaction of
	// PruneMessageIDs deletes (default DefaultPruneBatch, at most 100,000).
	PruneBatch int
	// SimulatedPeople is how many people a simulated tenant's simulated
	// event stream invents (default SimulatedPeople; tests use fewer).
	SimulatedPeople int
}

func (c Config) simulatedPeople() int {
	if c.SimulatedPeople > 0 {
		return min(c.SimulatedPeople, SimulatedPeople)
	}
	return SimulatedPeople
}

// Defaults of Config.
const (
	DefaultMaxQueueBytes = 64 << 20
	DefaultCommitTimeout = 30 * time.Second
	DefaultRateLimit     = 1000
	DefaultWriters       = 2
)

func (c Config) writers() int {
	if c.Writers <= 0 {
		return DefaultWriters
	}
	return c.Writers
}

func (c Config) maxQueueBytes() int {
	if c.MaxQueueBytes <= 0 {
		return DefaultMaxQueueBytes
	}
	return c.MaxQueueBytes
}

func (c Config) commitTimeout() time.Duration {
	if c.CommitTimeout <= 0 {
		return DefaultCommitTimeout
	}
	return c.CommitTimeout
}

func (c Config) defaultRateLimit() int {
	if c.DefaultRateLimit <= 0 {
		return DefaultRateLimit
	}
	return c.DefaultRateLimit
}

// Service is the CDP's ingestion side: sources, the tracking API and the
// batches it commits. Build it with its fields set and use it from many
// goroutines; Close stops its group committer.
type Service struct {
	DB *db.DB
	// Billing answers whether a tenant has the cdp flag and reserves the
	// plan's monthly_ingested_events.
	Billing *billing.Service
	// Enqueue inserts the cdp.process_batch job of a committed batch in the
	// transaction that commits it (jobs.CDPBatchHook). Without it batches
	// are stored but nothing processes them.
	Enqueue func(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID) error
	// OnBatch, if set, runs in the batch job's transaction after the
	// source counters are updated, once per batch: identity resolution
	// plugs in here.
	OnBatch func(ctx context.Context, tx bun.Tx, tenant, batch uuid.UUID) error
	// BatchHook, if set, runs in the batch job's transaction after OnBatch
	// with the batch's events and their profiles (conversion forwarding).
	BatchHook BatchHook
	// OnMembershipChanged is told, in the batch's transaction, of the
	// membership changes of the dynamic segments its profiles moved (see
	// MembershipHook).
	OnMembershipChanged MembershipHook
	// Identity, if set, resolves each batch's events to profiles in the
	// batch job and applies them to the profiles (ProcessBatch).
	Identity *Identity
	// RFM, if set, computes the profiles' RFM scores (its refresh job is
	// registered with it).
	RFM    *RFM
	Config Config
	// Log receives the debugger's publishing errors (none when nil).
	Log *slog.Logger
	// SharedLimits, if set, holds the per-source rate limits in buckets
	// every replica shares (app sets the process's auth.Limiter), so N
	// servers together admit one source's rate, not N times it; without
	// it each process keeps its own buckets.
	SharedLimits *auth.Limiter
	// TestAfterBatch is a TEST-ONLY hook (app installs it only when
	// STRATUM_TEST_HOLD_CDP_DIR is set): ProcessBatch calls it after the
	// transaction that processed a batch has committed, before returning to
	// the job. The kill test holds one job there, so that a server dies
	// between a batch's work and River recording its job complete.
	TestAfterBatch func(ctx context.Context, tenant, batch uuid.UUID)

	debug     debugger
	startOnce sync.Once
	commit    *committer
	limits    limiter
	waiting   atomic.Int64
}
