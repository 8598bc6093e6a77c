package config

import (
	"fmt"
	"runtime"
)

// RiverConnections is what River itself is counted to take from the pool
// besides its workers' jobs: its LISTEN connection (held for good) and one
// for its fetches, completions and maintenance (each brief).
const RiverConnections = 2

// Budget is how one process shares the pool's STRATUM_DB_MAX_CONNS
// connections (README, "Connection budget"): the GraphQL queries it
// executes at once (each holds at most one connection: a query's reads
// share one transaction), River's own, and the job workers, each of which
// holds at most one while its job reads or writes.
type Budget struct {
	Pool    int
	Queries int // 0 without the API
	River   int // RiverConnections: every process runs a River client
	// High, Default and Low are the job workers per queue (0 without workers).
	High, Default, Low int
	// Over is set when explicit settings add up to more than the pool:
	// what is asked for, for a warning at start-up (jobs then wait for
	// connections, never fail for want of one).
	Over string
}

// QueryConcurrency is STRATUM_MAX_CONCURRENT_QUERIES, or two per CPU the
// Go runtime uses when it is 0.
func (c Config) QueryConcurrency() int {
	if c.MaxConcurrentQueries > 0 {
		return c.MaxConcurrentQueries
	}
	return 2 * runtime.GOMAXPROCS(0)
}

// Budget shares the pool out for a process running the API, the workers,
// or both. Without STRATUM_WORKER_CONCURRENCY the workers get what the API
// (at most half the pool) and River leave: two fifths each to high and
// default, the rest (at least one) to low. With it, high and default get
// that many workers each and low a quarter, as before, and Over says when
// that is more than the pool holds.
func (c Config) Budget(api, worker bool) (Budget, error) {
	b := Budget{Pool: int(c.DBMaxConns), River: RiverConnections}
	if api {
		b.Queries = c.QueryConcurrency()
	}
	if !worker {
		if need := b.Queries + b.River; need > b.Pool {
			b.Over = fmt.Sprintf("STRATUM_DB_MAX_CONNS is %d but the API's queries (%d) and River (%d) may hold %d connections at once: queries will wait for connections",
				b.Pool, b.Queries, b.River, need)
		}
		return b, nil
	}
	if n := c.WorkerConcurrency; n > 0 {
		b.High, b.Default, b.Low = n, n, max(1, n/4)
		if need := b.Queries + b.River + b.High + b.Default + b.Low; need > b.Pool {
			b.Over = fmt.Sprintf("STRATUM_DB_MAX_CONNS is %d but the API's queries (%d), River (%d) and the workers (%d high, %d default, %d low) may hold %d connections at once: jobs will wait for connections",
				b.Pool, b.Queries, b.River, b.High, b.Default, b.Low, need)
		}
		return b, nil
	}
	jobs := b.Pool - min(b.Queries, b.Pool/2) - b.River
	if jobs < 3 {
		return b, fmt.Errorf("STRATUM_DB_MAX_CONNS is %d: after the API's queries (%d) and River (%d) it leaves %d connections for job workers, and each of the three queues needs one; raise it, or set STRATUM_WORKER_CONCURRENCY",
			b.Pool, min(b.Queries, b.Pool/2), b.River, jobs)
	}
	b.High = max(1, jobs*2/5)
	b.Default = max(1, jobs*2/5)
	b.Low = max(1, jobs-b.High-b.Default)
	return b, nil
}
