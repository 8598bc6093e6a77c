package platforms

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// A sync's API error rate (docs/adr/0015, "Sync"). A run retries transient
// errors through its job's attempts and may end SUCCEEDED although many of
// its calls to the platform failed; its status would then say OK while the
// platform's API is flaky. So every attempt counts its calls and the failed
// ones (countingAPI), adds them to the run's api_calls and api_errors when
// it ends (succeeded, failed, paused, rate limited or retried), and a run
// that succeeds with too high a share of failed calls leaves its connection
// DEGRADED instead of OK, in plain words.
//
// A call is one method call on the platform's API (a structure listing, one
// insights chunk), however many pages the client fetched for it. It failed
// when the platform answered TRANSIENT or PERMANENT; a rate limit is a
// call, not a failure (the platform pacing us); AUTH is counted as a call
// and handled by its own status (NEEDS_REAUTH). A call cut short by our own
// context, or ended by an error that is not the platform's answer, is not
// counted.

// Thresholds of the API error rate.
const (
	// DegradedErrorPercent is the share of failed calls (in percent) from
	// which a run that succeeded leaves its connection DEGRADED.
	DegradedErrorPercent = 20
	// MinRateCalls is the fewest calls a run must make for its error rate
	// to count (one failure among two calls says little).
	MinRateCalls = 5
)

// countingAPI is the API of one sync attempt: it passes every call through
// and counts it. Insights chunks are fetched in their own goroutine, hence
// the mutex.
type countingAPI struct {
	API
	mu        sync.Mutex
	calls     int
	errors    int
	lastError string
}

// apiCounts are an attempt's counts not yet added to its run.
type apiCounts struct {
	calls, errors int
	lastError     string
}

// done counts one call that returned err; answered is true when the
// platform answered even though err is not nil (our callback stopped the
// listing).
func (c *countingAPI) done(ctx context.Context, err error, answered bool) error {
	var ae *APIError
	failed := false
	if err != nil && !answered {
		if ctx.Err() != nil || !errors.As(err, &ae) {
			return err // not the platform's answer: not counted
		}
		failed = ae.Kind == ErrorTransient || ae.Kind == ErrorPermanent
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if failed {
		c.errors++
		c.lastError = ae.Message
	}
	return err
}

// take returns the counts so far and starts again from zero.
func (c *countingAPI) take() apiCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := apiCounts{c.calls, c.errors, c.lastError}
	c.calls, c.errors, c.lastError = 0, 0, ""
	return n
}

func (c *countingAPI) Accounts(ctx context.Context, tok Token) ([]Account, error) {
	as, err := c.API.Accounts(ctx, tok)
	return as, c.done(ctx, err, false)
}

func (c *countingAPI) Structure(ctx context.Context, tok Token, acct Account, fn func(StructurePage) error) error {
	var stopped atomic.Bool
	err := c.API.Structure(ctx, tok, acct, func(p StructurePage) error {
		err := fn(p)
		stopped.Store(err != nil)
		return err
	})
	return c.done(ctx, err, stopped.Load())
}

func (c *countingAPI) Insights(ctx context.Context, tok Token, acct Account, from, to string, fn func([]Insight) error) error {
	var stopped atomic.Bool
	err := c.API.Insights(ctx, tok, acct, from, to, func(rows []Insight) error {
		err := fn(rows)
		stopped.Store(err != nil)
		return err
	})
	return c.done(ctx, err, stopped.Load())
}

func (c *countingAPI) Campaign(ctx context.Context, tok Token, acct Account, rc RemoteCampaign) (CampaignState, error) {
	st, err := c.API.Campaign(ctx, tok, acct, rc)
	return st, c.done(ctx, err, false)
}

func (c *countingAPI) Mutate(ctx context.Context, tok Token, acct Account, m Mutation) error {
	return c.done(ctx, c.API.Mutate(ctx, tok, acct, m), false)
}

// addAPICountsTx adds the attempt's counts to the run (atomically: two
// attempts of one run never overlap, but the sum is the database's) and
// loads the run's totals into sc.run.
func (s *Service) addAPICountsTx(ctx context.Context, tx bun.Tx, sc *syncCtx) error {
	n := sc.calls.take()
	q := tx.NewUpdate().Table("sync_runs").Set("api_calls = api_calls + ?, api_errors = api_errors + ?", n.calls, n.errors)
	if n.lastError != "" {
		q = q.Set("api_last_error = ?", clip(n.lastError, 2000))
	}
	return q.Where("tenant_id = ? AND id = ?", sc.tenant, sc.run.ID).Returning("api_calls, api_errors, api_last_error").
		Scan(ctx, &sc.run.APICalls, &sc.run.APIErrors, &sc.run.APILastError)
}

// addAPICounts is addAPICountsTx in its own transaction (an attempt that
// did not succeed).
func (s *Service) addAPICounts(ctx context.Context, sc *syncCtx) error {
	return s.DB.InTenant(ctx, sc.tenant, func(ctx context.Context, tx bun.Tx) error { return s.addAPICountsTx(ctx, tx, sc) })
}

// apiErrorsDegrade reports whether a run with these totals leaves its
// connection DEGRADED although it succeeded.
func apiErrorsDegrade(calls, failed int) bool {
	return calls >= MinRateCalls && failed*100 >= DegradedErrorPercent*calls
}

// apiErrorsMessage says so in plain words.
func apiErrorsMessage(platform string, run *SyncRun) string {
	msg := fmt.Sprintf("%d of %d calls to the %s API failed during the last sync", run.APIErrors, run.APICalls, Name(platform))
	if run.APILastError != "" {
		msg += " (last error: " + run.APILastError + ")"
	}
	return msg
}
