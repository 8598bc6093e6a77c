package config

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// The pool is one budget: without STRATUM_WORKER_CONCURRENCY the workers
// get what the API's queries (at most half the pool) and River leave, so
// a serve process never plans more connections than the pool has; a
// worker-only process gives the workers the API's share.
func TestBudgetSharesThePool(t *testing.T) {
	t.Parallel()
	c, err := FromMap(map[string]string{"STRATUM_MAX_CONCURRENT_QUERIES": "8"})
	require.NoError(t, err)
	require.Equal(t, 20, int(c.DBMaxConns))

	serve, err := c.Budget(true, true)
	require.NoError(t, err)
	require.Equal(t, Budget{Pool: 20, Queries: 8, River: RiverConnections, High: 4, Default: 4, Low: 2}, serve)
	require.LessOrEqual(t, serve.Queries+serve.River+serve.High+serve.Default+serve.Low, serve.Pool)

	worker, err := c.Budget(false, true)
	require.NoError(t, err)
	require.Equal(t, Budget{Pool: 20, River: RiverConnections, High: 7, Default: 7, Low: 4}, worker)
	require.Equal(t, worker.Pool, worker.River+worker.High+worker.Default+worker.Low)

	api, err := c.Budget(true, false)
	require.NoError(t, err)
	require.Equal(t, Budget{Pool: 20, Queries: 8, River: RiverConnections}, api)

	// The API takes at most half the pool: many cores do not starve the workers.
	c.MaxConcurrentQueries = 64
	serve, err = c.Budget(true, true)
	require.NoError(t, err)
	require.Equal(t, 10-RiverConnections, serve.High+serve.Default+serve.Low)
}

// A pool too small for one worker per queue stops start-up with the
// figures; setting the workers explicitly is obeyed and, past the pool,
// reported (Over), not refused. The default of the query limit is two
// per CPU.
func TestBudgetLimits(t *testing.T) {
	t.Parallel()
	c, err := FromMap(map[string]string{"STRATUM_DB_MAX_CONNS": "4", "STRATUM_MAX_CONCURRENT_QUERIES": "2"})
	require.NoError(t, err)
	_, err = c.Budget(true, true)
	require.ErrorContains(t, err, "STRATUM_DB_MAX_CONNS is 4")
	ok, err := c.Budget(false, true) // without the API's share it fits (4 − 2 = 2 … not one per queue)
	require.Error(t, err, "%+v", ok)

	c.DBMaxConns = 5
	b, err := c.Budget(false, true)
	require.NoError(t, err)
	require.Equal(t, Budget{Pool: 5, River: RiverConnections, High: 1, Default: 1, Low: 1}, b)

	c.WorkerConcurrency = 10
	b, err = c.Budget(true, true)
	require.NoError(t, err)
	require.Equal(t, 10, b.High)
	require.Equal(t, 10, b.Default)
	require.Equal(t, 2, b.Low)
	require.Contains(t, b.Over, "may hold 26 connections")

	c.DBMaxConns = 40
	b, err = c.Budget(true, true)
	require.NoError(t, err)
	require.Empty(t, b.Over)

	c.MaxConcurrentQueries = 0
	require.Equal(t, 2*runtime.GOMAXPROCS(0), c.QueryConcurrency())

	_, err = FromMap(map[string]string{"STRATUM_WORKER_CONCURRENCY": "-1"})
	require.ErrorContains(t, err, "STRATUM_WORKER_CONCURRENCY")
}
