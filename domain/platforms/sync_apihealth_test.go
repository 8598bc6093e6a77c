package platforms_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/meta"
	"github.com/stratumhq/stratum/domain/platforms/meta/metafake"
)

// metaTransient is the fake's FailNext message (Meta's code 2).
const metaTransient = "An unexpected error has occurred. Please retry your request later."

// metaSync is a Meta connection synced over HTTP from the fake Graph API
// through the Meta client: its structure is synced once (one clean call),
// and insights run in 1-day chunks, so a first insights sync makes 7
// Insights calls.
type metaSync struct {
	ps     *platforms.Service
	tenant uuid.UUID
	fake   *metafake.Server
	conn   *platforms.Connection
}

func newMetaSync(t *testing.T) *metaSync {
	t.Helper()
	ps, tenant := syncSetup(t, false)
	fake := metafake.New(t)
	acts := fake.Seed(1, 3, 1)
	fake.SetInsightDays(syncStart.Format(time.DateOnly), 14)
	ps.Tokens = stubTokens{platforms.Token{AccessToken: fake.IssueToken(24 * time.Hour)}}
	ps.APIs[platforms.Meta] = meta.New(fake.Endpoints())
	ps.Sync.ChunkDays = 1
	conn, acct := connect(t, ps, tenant, platforms.Meta, "UTC")
	ctx := context.Background()
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model(acct).Set("external_id = ?", acts[0]).WherePK().Exec(ctx)
		return err
	}))
	m := &metaSync{ps: ps, tenant: tenant, fake: fake, conn: conn}
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, platforms.RunSucceeded, runOf(t, ps, tenant, run.ID).Status)
	return m
}

// attempt runs one attempt of run (as the worker's job would) and returns
// its error and the run afterwards.
func (m *metaSync) attempt(t *testing.T, run uuid.UUID) (platforms.SyncRun, error) {
	t.Helper()
	err := m.ps.RunSync(context.Background(), m.tenant, run, time.Time{})
	return runOf(t, m.ps, m.tenant, run), err
}

func (m *metaSync) platformStatus(t *testing.T) platforms.PlatformStatus {
	t.Helper()
	sts, err := m.ps.Statuses(context.Background(), m.tenant)
	require.NoError(t, err)
	for _, st := range sts {
		if st.Platform == platforms.Meta {
			return st
		}
	}
	t.Fatal("no Meta status")
	return platforms.PlatformStatus{}
}

// A sync whose calls to the platform fail often (three transient failures,
// each retried by the next attempt of the same run) still ends SUCCEEDED,
// but the platform's API is flaky: the connection and the platform are
// DEGRADED, saying how many calls failed and the platform's last words. The
// counts add up over the attempts of the run.
func TestSyncAPIErrorRateDegrades(t *testing.T) {
	t.Parallel()
	m := newMetaSync(t)
	ctx := context.Background()
	run := request(t, m.ps, m.tenant, platforms.SyncRequest{ConnectionID: m.conn.ID, Kind: platforms.SyncInsights})
	for i := 1; i <= 3; i++ {
		m.fake.FailNext(1, http.StatusInternalServerError)
		r, err := m.attempt(t, run.ID)
		require.Equal(t, platforms.ErrorTransient, platforms.ErrorKindOf(err), "attempt %d: %v", i, err)
		require.Equal(t, platforms.RunRunning, r.Status, "a transient error leaves the run to its retry")
		require.Equal(t, i, r.APICalls, "attempt %d: the failed call is counted on the run", i)
		require.Equal(t, i, r.APIErrors)
	}
	r, err := m.attempt(t, run.ID)
	require.NoError(t, err)
	require.Equal(t, platforms.RunSucceeded, r.Status)

	c := connOf(t, m.ps, m.tenant, m.conn.ID)
	require.Equal(t, platforms.ConnectionDegraded, c.Status, "30 %% of the run's calls failed")
	want := "3 of 10 calls to the Meta API failed during the last sync (last error: " + metaTransient + ")"
	require.Equal(t, want, c.StatusMessage)
	require.Equal(t, metaTransient, c.LastError)
	st := m.platformStatus(t)
	require.Equal(t, platforms.DegradedOps, st.Status, "the platform's status follows the connection")
	require.Equal(t, want, st.Message)
	require.Equal(t, 10, r.APICalls, "3 failed attempts of one call each, then 7 chunks")
	require.Equal(t, 3, r.APIErrors)
	require.Positive(t, count(t, m.ps, m.tenant, "SELECT count(*) FROM signal_measurements WHERE platform = 'META' AND metric = 'platform_up' AND value = 1"),
		"a DEGRADED platform is still up")

	// Positive control: the next sync's calls all succeed → OK.
	next := request(t, m.ps, m.tenant, platforms.SyncRequest{ConnectionID: m.conn.ID, Kind: platforms.SyncInsights})
	require.NoError(t, m.ps.RunSync(ctx, m.tenant, next.ID, time.Time{}))
	nr := runOf(t, m.ps, m.tenant, next.ID)
	require.Equal(t, platforms.RunSucceeded, nr.Status)
	require.Positive(t, nr.APICalls)
	require.Zero(t, nr.APIErrors)
	require.Equal(t, platforms.ConnectionOK, connOf(t, m.ps, m.tenant, m.conn.ID).Status)
	require.Equal(t, platforms.Operational, m.platformStatus(t).Status)
}

// Under the threshold a run that succeeds sets the connection OK as before:
// one transient failure among eight calls (12.5 %), or one of two calls
// (too few calls to judge a rate). A rate limit is counted as a call but
// not as a failure: it is the platform pacing us.
func TestSyncAPIErrorRateUnderThreshold(t *testing.T) {
	t.Parallel()
	m := newMetaSync(t)
	run := request(t, m.ps, m.tenant, platforms.SyncRequest{ConnectionID: m.conn.ID, Kind: platforms.SyncInsights})
	m.fake.RateLimitNext(1)
	r, err := m.attempt(t, run.ID)
	require.Equal(t, platforms.ErrorRateLimited, platforms.ErrorKindOf(err), "%v", err)
	require.Equal(t, platforms.RunRunning, r.Status)
	require.Equal(t, 1, r.APICalls)
	require.Zero(t, r.APIErrors, "a rate limit is not a failure")

	m.fake.FailNext(1, http.StatusServiceUnavailable)
	r, err = m.attempt(t, run.ID)
	require.Equal(t, platforms.ErrorTransient, platforms.ErrorKindOf(err), "%v", err)
	require.Equal(t, platforms.ConnectionDegraded, connOf(t, m.ps, m.tenant, m.conn.ID).Status, "a transient error degrades until the run ends")
	r, err = m.attempt(t, run.ID)
	require.NoError(t, err)
	require.Equal(t, platforms.RunSucceeded, r.Status)
	require.Equal(t, 9, r.APICalls, "a rate-limited call, a failed one, then 7 chunks")
	require.Equal(t, 1, r.APIErrors)
	c := connOf(t, m.ps, m.tenant, m.conn.ID)
	require.Equal(t, platforms.ConnectionOK, c.Status, "1 of 9 calls failed: under the threshold")
	require.Empty(t, c.StatusMessage)
	require.Equal(t, platforms.Operational, m.platformStatus(t).Status)

	// One of two calls failed: 50 %, but too few calls for a rate.
	st := request(t, m.ps, m.tenant, platforms.SyncRequest{ConnectionID: m.conn.ID, Kind: platforms.SyncStructure})
	m.fake.FailNext(1, http.StatusInternalServerError)
	_, err = m.attempt(t, st.ID)
	var ae *platforms.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	r, err = m.attempt(t, st.ID)
	require.NoError(t, err)
	require.Equal(t, 2, r.APICalls)
	require.Equal(t, 1, r.APIErrors)
	require.Equal(t, platforms.ConnectionOK, connOf(t, m.ps, m.tenant, m.conn.ID).Status)
}
