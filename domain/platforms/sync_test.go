package platforms_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
)

// syncStart is the test clock: 2026-03-10 15:30 UTC (10:30 in New York).
var syncStart = time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)

func syncSetup(t *testing.T, simulated bool) (*platforms.Service, uuid.UUID) {
	t.Helper()
	ps, _, tenant := setup(t, simulated)
	ps.DB.Clock = clock.NewManual(syncStart)
	ps.Tokens = stubTokens{platforms.Token{AccessToken: "tok"}}
	return ps, tenant
}

func count(t testing.TB, ps *platforms.Service, tenant uuid.UUID, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(query, args...).Scan(ctx, &n)
	}))
	return n
}

func runOf(t testing.TB, ps *platforms.Service, tenant, id uuid.UUID) platforms.SyncRun {
	t.Helper()
	var r platforms.SyncRun
	require.NoError(t, ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&r).Where("sr.id = ?", id).Scan(ctx)
	}))
	return r
}

func connOf(t testing.TB, ps *platforms.Service, tenant, id uuid.UUID) platforms.Connection {
	t.Helper()
	var c platforms.Connection
	require.NoError(t, ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&c).Where("pc.id = ?", id).Scan(ctx)
	}))
	return c
}

func request(t testing.TB, ps *platforms.Service, tenant uuid.UUID, req platforms.SyncRequest) platforms.SyncRun {
	t.Helper()
	runs, err := ps.RequestSync(context.Background(), tenant, req)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	return runs[0]
}

// A sandbox connection (any workspace, not only the demo) syncs through the
// same path as a real platform: structure (4 campaigns, 8 ad groups, 16
// ads, in micros and the account's currency), then the first incremental
// insights window (the last 7 days in the account's time zone), with
// signal measurements for freshness and the connection OK.
func TestSandboxSyncs(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	conn, acct := connect(t, ps, tenant, platforms.Simulator, "America/New_York")

	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.Equal(t, platforms.RunQueued, run.Status)
	again := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.Equal(t, run.ID, again.ID, "a repeated request returns the active run")
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, platforms.RunSucceeded, runOf(t, ps, tenant, run.ID).Status)
	require.Equal(t, 4, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns WHERE ad_account_id = ? AND currency = 'USD' AND daily_budget_micros > 0", acct.ID))
	require.Equal(t, 8, count(t, ps, tenant, "SELECT count(*) FROM ad_groups"))
	require.Equal(t, 16, count(t, ps, tenant, "SELECT count(*) FROM ads"))
	require.ErrorIs(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}), platforms.ErrSyncDone)
	next := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.NotEqual(t, run.ID, next.ID, "positive control: once finished, a new request queues a new run")

	ins := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
	require.Equal(t, "2026-03-04", ins.WindowFrom.Format(time.DateOnly))
	require.Equal(t, "2026-03-10", ins.WindowTo.Format(time.DateOnly), "today in New York")
	require.NoError(t, ps.RunSync(ctx, tenant, ins.ID, time.Time{}))
	got := runOf(t, ps, tenant, ins.ID)
	require.Equal(t, platforms.RunSucceeded, got.Status)
	require.EqualValues(t, 28, got.RowsWritten)
	require.Equal(t, 28, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics WHERE spend_micros > 0"))
	require.Positive(t, count(t, ps, tenant, "SELECT count(*) FROM signal_measurements WHERE platform = 'SIMULATOR' AND source = 'sync' AND metric = ?", signals.MetricSpend))
	c := connOf(t, ps, tenant, conn.ID)
	require.Equal(t, platforms.ConnectionOK, c.Status)
	require.NotNil(t, c.LastSyncAt)

	// The next incremental window re-reads 3 days before insights_through.
	ins2 := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
	require.Equal(t, "2026-03-07", ins2.WindowFrom.Format(time.DateOnly))
}

// Bad requests change nothing.
func TestSyncRequestValidation(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	conn, _ := connect(t, ps, tenant, platforms.Simulator, "UTC")
	day := func(s string) *time.Time { d, _ := time.Parse(time.DateOnly, s); return &d }
	for name, req := range map[string]platforms.SyncRequest{
		"from after to":   {ConnectionID: conn.ID, Kind: platforms.SyncBackfill, From: day("2026-03-05"), To: day("2026-03-01")},
		"over 90 days":    {ConnectionID: conn.ID, Kind: platforms.SyncBackfill, From: day("2025-12-01"), To: day("2026-03-01")},
		"future":          {ConnectionID: conn.ID, Kind: platforms.SyncInsights, From: day("2026-03-01"), To: day("2026-03-11")},
		"unknown kind":    {ConnectionID: conn.ID, Kind: "EVERYTHING"},
		"foreign conn":    {ConnectionID: uuid.New(), Kind: platforms.SyncStructure},
		"only from":       {ConnectionID: conn.ID, Kind: platforms.SyncInsights, From: day("2026-03-01")},
		"unknown account": {ConnectionID: conn.ID, Kind: platforms.SyncStructure, AccountID: ptr(uuid.New())},
	} {
		_, err := ps.RequestSync(context.Background(), tenant, req)
		require.True(t, apperr.CodeOf(err) == apperr.BadUserInput, "%s: %v", name, err)
	}
	require.Zero(t, count(t, ps, tenant, "SELECT count(*) FROM sync_runs"))
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncBackfill, From: day("2025-12-11"), To: day("2026-03-10")})
	require.Equal(t, 13, run.ProgressTotal, "positive control: 90 days up to today are 13 chunks of 7")
}

func ptr[T any](v T) *T { return &v }

// Campaigns, ad groups and ads the platform stops reporting are archived.
func TestStructureSyncArchivesWhatIsGone(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 3)
	ps.APIs[platforms.Meta] = fake
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	sync := func() {
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
		require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
		require.Equal(t, platforms.RunSucceeded, runOf(t, ps, tenant, run.ID).Status)
	}
	sync()
	require.Zero(t, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns WHERE status = 'ARCHIVED'"))
	fake.omit[1] = true
	sync()
	require.Equal(t, 1, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns WHERE status = 'ARCHIVED' AND external_id = 'c0001'"))
	require.Equal(t, 1, count(t, ps, tenant, "SELECT count(*) FROM ad_groups WHERE status = 'ARCHIVED'"))
	require.Equal(t, 1, count(t, ps, tenant, "SELECT count(*) FROM ads WHERE status = 'ARCHIVED'"))
	require.Equal(t, 3, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns"), "archived, not deleted")
}

// A backfill that dies after chunk 3 of 13 leaves chunks 1–3 committed and
// resume_from after them; running it again fetches from there on and ends
// with every (campaign, day) row exactly once.
func TestBackfillResumesWithoutDuplicates(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 5)
	fake.pageSize = 7
	ps.APIs[platforms.Meta] = fake
	conn, acct := connect(t, ps, tenant, platforms.Meta, "UTC")
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncBackfill})
	require.Equal(t, "2025-12-11", run.WindowFrom.Format(time.DateOnly))
	require.Equal(t, 13, run.ProgressTotal)
	crash := &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorTransient, HTTPStatus: 500, Message: "An unexpected error has occurred."}
	fake.failOn("Insights", 4, crash)

	err := ps.RunSync(ctx, tenant, run.ID, time.Time{})
	require.ErrorIs(t, err, crash)
	mid := runOf(t, ps, tenant, run.ID)
	require.Equal(t, platforms.RunRunning, mid.Status, "a transient error leaves the run to its retry")
	require.Equal(t, 3, mid.ProgressDone)
	require.Equal(t, "2026-01-01", mid.ResumeFrom.Format(time.DateOnly))
	require.Equal(t, 5*21, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, platforms.ConnectionDegraded, connOf(t, ps, tenant, conn.ID).Status)

	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, [2]string{"2026-01-01", "2026-01-07"}, fake.ranges[4], "the retry starts at resume_from")
	done := runOf(t, ps, tenant, run.ID)
	require.Equal(t, platforms.RunSucceeded, done.Status)
	require.Equal(t, 13, done.ProgressDone)
	require.Equal(t, 5*90, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 5*90, count(t, ps, tenant, "SELECT count(DISTINCT (campaign_id, day)) FROM ad_campaign_metrics"))
	require.EqualValues(t, 5*90, done.RowsWritten)
	require.Equal(t, 1, count(t, ps, tenant, "SELECT count(*) FROM ad_accounts WHERE id = ? AND insights_through = '2026-03-10'", acct.ID))
	require.Equal(t, platforms.ConnectionOK, connOf(t, ps, tenant, conn.ID).Status)
}

// A deadline pauses a backfill between chunks (the worker snoozes it), and
// the next call continues.
func TestBackfillPausesAtItsDeadline(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 2)
	ps.APIs[platforms.Meta] = fake
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncBackfill})
	require.ErrorIs(t, ps.RunSync(ctx, tenant, run.ID, time.Unix(1, 0)), platforms.ErrSyncPaused)
	require.Equal(t, 1, runOf(t, ps, tenant, run.ID).ProgressDone)
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, 2*90, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
}

// Errors by kind: AUTH fails the run and marks the connection
// NEEDS_REAUTH; PERMANENT fails it with the platform's words (DEGRADED,
// DOWN after three in a row); RATE_LIMITED leaves it running; success
// brings the connection back to OK.
func TestSyncErrorsByKind(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 1)
	ps.APIs[platforms.Meta] = fake
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	marker := &reauthMarker{stubTokens: stubTokens{platforms.Token{AccessToken: "tok"}}}
	ps.Tokens = marker
	structure := func() (platforms.SyncRun, error) {
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
		err := ps.RunSync(ctx, tenant, run.ID, time.Time{})
		return runOf(t, ps, tenant, run.ID), err
	}
	refused := &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorPermanent, Code: "100", Message: "(#100) Invalid parameter"}
	for i := 1; i <= 3; i++ {
		fake.failOn("Structure", i, refused)
		run, err := structure()
		require.NoError(t, err)
		require.Equal(t, platforms.RunFailed, run.Status)
		require.Equal(t, "(#100) Invalid parameter", run.Error)
		c := connOf(t, ps, tenant, conn.ID)
		require.Equal(t, "(#100) Invalid parameter", c.LastError)
		want := platforms.ConnectionDegraded
		if i == 3 {
			want = platforms.ConnectionDown
		}
		require.Equal(t, want, c.Status, "after %d failures", i)
	}

	limited := &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorRateLimited, Code: "17", Message: "User request limit reached", RetryAfter: time.Minute}
	fake.failOn("Structure", 4, limited)
	run, err := structure()
	var ae *platforms.APIError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, time.Minute, ae.RetryAfter)
	require.Equal(t, platforms.RunRunning, run.Status, "rate limited is not a failure")
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, platforms.RunSucceeded, runOf(t, ps, tenant, run.ID).Status)
	require.Equal(t, platforms.ConnectionOK, connOf(t, ps, tenant, conn.ID).Status)

	require.Empty(t, marker.marked, "no grant was refused yet")
	fake.failOn("Structure", 6, &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorAuth, Code: "190", Message: "Error validating access token"})
	run, err = structure()
	require.NoError(t, err)
	require.Equal(t, platforms.RunFailed, run.Status)
	require.Equal(t, []string{conn.ID.String() + ": Error validating access token"}, marker.marked,
		"the refused grant is handed to the connections service (its incident)")
	c := connOf(t, ps, tenant, conn.ID)
	require.Equal(t, platforms.ConnectionNeedsReauth, c.Status)
	require.Equal(t, "Error validating access token", c.LastError)
	_, err = ps.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.True(t, apperr.CodeOf(err) == apperr.Conflict, "a connection needing re-authorization does not sync: %v", err)
	sts, err := ps.Statuses(ctx, tenant)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	require.Equal(t, platforms.Outage, sts[0].Status, "the platform status follows the connection")
}

// Insights naming a campaign the account does not know yet trigger one
// structure sync inside the run; rows still unknown after it are skipped.
func TestInsightsLearnNewCampaigns(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 2)
	ps.APIs[platforms.Meta] = fake
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	fake.campaigns = 3
	ins := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
	require.NoError(t, ps.RunSync(ctx, tenant, ins.ID, time.Time{}))
	require.Equal(t, 3*7, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 2, fake.calls["Structure"])
}

// The simulate-degradation controls work on a sandbox account of a
// workspace that is not the demo: FRESHNESS MAJOR stops its insights two
// days before today, FRESHNESS CRITICAL is an outage (a transient error,
// the connection DEGRADED), and Recover brings full data back.
func TestSandboxFollowsDegradations(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	require.Error(t, ps.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentFreshness, platforms.Major),
		"a workspace without a sandbox connection has no simulator")
	conn, _ := connect(t, ps, tenant, platforms.Simulator, "UTC")
	insights := func() (platforms.SyncRun, error) {
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
		err := ps.RunSync(ctx, tenant, run.ID, time.Time{})
		return runOf(t, ps, tenant, run.ID), err
	}
	require.NoError(t, ps.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentFreshness, platforms.Major))
	run, err := insights()
	require.NoError(t, err)
	require.Equal(t, platforms.RunSucceeded, run.Status)
	require.Equal(t, "2026-03-08", maxDay(t, ps, tenant), "no data for the last two days")

	require.NoError(t, ps.Degrade(ctx, tenant, platforms.Simulator, platforms.ComponentFreshness, platforms.Critical))
	run, err = insights()
	require.Equal(t, platforms.ErrorTransient, platforms.ErrorKindOf(err))
	require.Equal(t, platforms.RunRunning, run.Status)
	require.Equal(t, platforms.ConnectionDegraded, connOf(t, ps, tenant, conn.ID).Status)

	require.NoError(t, ps.Recover(ctx, tenant, platforms.Simulator))
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, "2026-03-10", maxDay(t, ps, tenant), "positive control: recovered, today's data arrives")
	require.Equal(t, platforms.ConnectionOK, connOf(t, ps, tenant, conn.ID).Status)
}

func maxDay(t *testing.T, ps *platforms.Service, tenant uuid.UUID) string {
	t.Helper()
	var d time.Time
	require.NoError(t, ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT max(day) FROM ad_campaign_metrics").Scan(ctx, &d)
	}))
	return d.Format(time.DateOnly)
}

// Signal health reacts to a real connector's syncs: after an insights sync
// Meta's data is fresh; two days later with no sync it is stale, and a sync
// that brings today's data makes it fresh again.
func TestSyncFeedsSignalHealth(t *testing.T) {
	t.Parallel()
	ps, sig, tenant := setup(t, false)
	c := clock.NewManual(syncStart)
	ps.DB.Clock = c
	ps.Tokens = stubTokens{platforms.Token{AccessToken: "tok"}}
	ctx := context.Background()
	ps.APIs[platforms.Meta] = newFake(platforms.Meta, 2)
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	sync := func() {
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
		require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	}
	freshness := func() float64 {
		_, err := sig.Recompute(ctx, tenant)
		require.NoError(t, err)
		h, err := sig.Get(ctx, tenant, platforms.Meta)
		require.NoError(t, err)
		for _, comp := range h.Components {
			if comp.Name == signals.ComponentFreshness {
				require.True(t, comp.Known)
				return comp.Score
			}
		}
		t.Fatal("no freshness component")
		return 0
	}
	sync()
	require.Equal(t, 100.0, freshness())
	c.Advance(60 * time.Hour)
	require.Less(t, freshness(), 50.0, "no sync for 60 hours: stale")
	sync()
	require.Equal(t, 100.0, freshness(), "positive control: a sync brings fresh data")
}

// The sandbox applies mutations to its synced rows, reads them back, and a
// later structure sync keeps them (its remote state is those rows).
func TestSandboxMutations(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	conn, acct := connect(t, ps, tenant, platforms.Simulator, "UTC")
	structure := func() {
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
		require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	}
	structure()
	api := ps.APIs[platforms.Simulator]
	tok := platforms.SandboxToken(tenant)
	c := platforms.RemoteCampaign{ExternalID: platforms.SandboxAccountID + "-c1"}
	before, err := api.Campaign(ctx, tok, acct.Remote(), c)
	require.NoError(t, err)
	require.Equal(t, platforms.StatusActive, before.Status)
	require.NoError(t, api.Mutate(ctx, tok, acct.Remote(), platforms.Mutation{Kind: platforms.MutatePause, Campaign: c}))
	require.NoError(t, api.Mutate(ctx, tok, acct.Remote(), platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: c, BudgetMicros: 123_000_000}))
	require.NoError(t, api.Mutate(ctx, tok, acct.Remote(), platforms.Mutation{Kind: platforms.MutateUpdateBid, Campaign: c, BidMicros: 2_500_000}))
	structure()
	after, err := api.Campaign(ctx, tok, acct.Remote(), c)
	require.NoError(t, err)
	require.Equal(t, platforms.CampaignState{Status: platforms.StatusPaused, DailyBudgetMicros: 123_000_000, BidMicros: 2_500_000}, after)
	require.Equal(t, 2, count(t, ps, tenant, "SELECT count(*) FROM ad_groups WHERE bid_micros = 2500000"), "the bid is on the campaign's ad groups")
	require.Equal(t, 1, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns WHERE status = 'PAUSED'"), "only the mutated campaign")
	err = api.Mutate(ctx, tok, acct.Remote(), platforms.Mutation{Kind: platforms.MutateUpdateBudget, Campaign: c, BudgetMicros: -1})
	require.Equal(t, platforms.ErrorPermanent, platforms.ErrorKindOf(err))
}

// reauthMarker is a token source that also records MarkNeedsReauth calls
// (as platforms.Connections implements it).
type reauthMarker struct {
	stubTokens
	marked []string
}

func (m *reauthMarker) MarkNeedsReauth(_ context.Context, _, id uuid.UUID, message string) error {
	m.marked = append(m.marked, id.String()+": "+message)
	return nil
}

// raceHook inserts a row through another transaction right before the
// sync's insert of new rows, as a concurrent run writing the same day would.
type raceHook struct {
	fired, fellBack atomic.Int32
	do              func(context.Context)
}

func (h *raceHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	switch strings.TrimSpace(e.Query) {
	case "SAVEPOINT insights_fresh":
		if h.fired.Add(1) == 1 {
			h.do(ctx)
		}
	case "ROLLBACK TO SAVEPOINT insights_fresh":
		h.fellBack.Add(1)
	}
	return ctx
}

func (h *raceHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// An insights sync inserts new rows, updates restated ones, leaves
// unchanged ones alone, and survives another writer inserting one of its
// new rows between its read of what is stored and its insert: the row is
// written with the platform's value all the same.
func TestInsightsWriteNewRestatedAndRacingRows(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	// Two writers per chunk (the default is one, which every other sync
	// test runs): each has its own transaction and its share of campaigns.
	ps.Sync.Writers = 2
	ctx := context.Background()
	fake := newFake(platforms.Meta, 3)
	ps.APIs[platforms.Meta] = fake
	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	sync := func() platforms.SyncRun {
		t.Helper()
		run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
		require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
		got := runOf(t, ps, tenant, run.ID)
		require.Equal(t, platforms.RunSucceeded, got.Status, got.Error)
		return got
	}
	first := sync() // 2026-03-04 … 2026-03-10
	require.EqualValues(t, 3*7, first.RowsWritten)
	require.Equal(t, 3*7, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics WHERE spend_micros BETWEEN 10000000 AND 10000002"))

	// Two days later the platform restates everything by 5 micros; the
	// re-sync window is 2026-03-07 … 2026-03-12.
	ps.DB.Clock.(*clock.Manual).Advance(48 * time.Hour)
	fake.bump = 5
	// On the first writer's savepoint, another transaction inserts the
	// new day's rows of every campaign (those another writer has already
	// inserted are left to it): the first writer's insert meets them.
	hook := &raceHook{do: func(context.Context) {
		assert.NoError(t, ps.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO ad_campaign_metrics (tenant_id, campaign_id, day, spend_micros)
				SELECT tenant_id, id, '2026-03-12', 1 FROM ad_campaigns ON CONFLICT DO NOTHING`)
			return err
		}))
	}}
	ps.DB.Bun.AddQueryHook(hook)
	second := sync()
	require.GreaterOrEqual(t, hook.fired.Load(), int32(1), "the race was run")
	// Each of the chunk's writers whose new rows the other transaction
	// got to first falls back: the first writer always (the rows are
	// inserted at its savepoint), the second too when it had not yet
	// inserted its own when the other transaction ran.
	fell := hook.fellBack.Load()
	require.True(t, fell >= 1 && fell <= 2, "the raced writer fell back to the upsert (%d fallbacks)", fell)
	require.EqualValues(t, 3*6, second.RowsWritten)
	require.Equal(t, 3*9, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 3*9, count(t, ps, tenant, "SELECT count(DISTINCT (campaign_id, day)) FROM ad_campaign_metrics"))
	require.Equal(t, 3*6, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics WHERE day >= '2026-03-07' AND spend_micros BETWEEN 10000005 AND 10000007"),
		"restated days updated, new days inserted, the raced row holds the platform's value")
	require.Equal(t, 3*3, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics WHERE day < '2026-03-07' AND spend_micros BETWEEN 10000000 AND 10000002"),
		"days outside the window keep their values")

	// The same numbers again: nothing is rewritten (row versions stay).
	versions := func() string {
		var v string
		require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT string_agg(xmin::text, ',' ORDER BY campaign_id, day) FROM ad_campaign_metrics").Scan(&v)
		}))
		return v
	}
	before := versions()
	ps.DB.Clock.(*clock.Manual).Advance(time.Hour)
	third := sync()
	require.EqualValues(t, 3*4, third.RowsWritten, "2026-03-09 … 2026-03-12 synced")
	require.Equal(t, before, versions(), "unchanged rows are left alone")
	fake.bump = 6
	ps.DB.Clock.(*clock.Manual).Advance(time.Hour)
	sync()
	require.NotEqual(t, before, versions(), "positive control: restated rows get new versions")
}

// onceHook runs do before the first statement containing match.
type onceHook struct {
	match string
	once  sync.Once
	do    func()
}

func (h *onceHook) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.Contains(e.Query, h.match) {
		h.once.Do(h.do)
	}
	return ctx
}

func (h *onceHook) AfterQuery(context.Context, *bun.QueryEvent) {}

// Metrics have no per-row foreign key to their campaign (migration 0048):
// disconnecting deletes them, and a sync writing when the connection goes
// stops without leaving rows of campaigns that no longer exist.
func TestDisconnectLeavesNoMetrics(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	ps.APIs[platforms.Meta] = newFake(platforms.Meta, 3)
	conns := &platforms.Connections{DB: ps.DB, Platforms: ps}
	all := "SELECT count(*) FROM ad_campaign_metrics"

	conn, _ := connect(t, ps, tenant, platforms.Meta, "UTC")
	run := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncInsights})
	require.NoError(t, ps.RunSync(ctx, tenant, run.ID, time.Time{}))
	require.Equal(t, 3*7, count(t, ps, tenant, all), "positive control: the sync wrote its rows")
	require.NoError(t, conns.DisconnectPlatform(ctx, tenant, conn.ID))
	require.Zero(t, count(t, ps, tenant, all), "disconnecting deletes the metrics with the campaigns")
	require.Zero(t, count(t, ps, tenant, "SELECT count(*) FROM ad_campaigns"))

	// Disconnected while a backfill is about to write its first chunk.
	conn, _ = connect(t, ps, tenant, platforms.Meta, "UTC")
	st := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncStructure})
	require.NoError(t, ps.RunSync(ctx, tenant, st.ID, time.Time{}))
	back := request(t, ps, tenant, platforms.SyncRequest{ConnectionID: conn.ID, Kind: platforms.SyncBackfill})
	hook := &onceHook{match: "FOR KEY SHARE", do: func() {
		assert.NoError(t, conns.DisconnectPlatform(context.Background(), tenant, conn.ID))
	}}
	ps.DB.Bun.AddQueryHook(hook)
	err := ps.RunSync(ctx, tenant, back.ID, time.Time{})
	require.ErrorIs(t, err, platforms.ErrSyncDone, "the writer finds no account and stops")
	require.Zero(t, count(t, ps, tenant, all), "no metrics outlive their campaigns")
}

// The account's recorded insights range: a chunk of days outside it is
// written without reading stored rows first; rows stored there all the
// same (a chunk written, its progress lost in a crash) are met by the
// insert's unique violation and end with the platform's values through
// the upsert. A first sync records the range, a backfill extends it.
func TestInsightsOutsideTheRecordedRangeSurviveALostProgress(t *testing.T) {
	t.Parallel()
	ps, tenant := syncSetup(t, false)
	ctx := context.Background()
	fake := newFake(platforms.Meta, 3)
	ps.APIs[platforms.Meta] = fake
	conn, acct := connect(t, ps, tenant, platforms.Meta, "UTC")
	hook := &raceHook{do: func(context.Context) {}}
	ps.DB.Bun.AddQueryHook(hook)
	run := func(req platforms.SyncRequest) platforms.SyncRun {
		t.Helper()
		req.ConnectionID = conn.ID
		r := request(t, ps, tenant, req)
		require.NoError(t, ps.RunSync(ctx, tenant, r.ID, time.Time{}))
		got := runOf(t, ps, tenant, r.ID)
		require.Equal(t, platforms.RunSucceeded, got.Status, got.Error)
		return got
	}
	rangeOf := func() string {
		var s string
		require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT coalesce(insights_from::text, '-') || ' ' || coalesce(insights_through::text, '-')
				FROM ad_accounts WHERE id = ?`, acct.ID).Scan(&s)
		}))
		return s
	}
	require.Equal(t, "- -", rangeOf())
	run(platforms.SyncRequest{Kind: platforms.SyncInsights}) // 2026-03-04 … 2026-03-10
	require.Equal(t, "2026-03-04 2026-03-10", rangeOf())
	require.Zero(t, hook.fellBack.Load(), "nothing stored: plain inserts")

	// Rows of two earlier days stored without their progress (as if the
	// worker died between a chunk's rows and its progress), wrong values.
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ad_campaign_metrics (tenant_id, campaign_id, day, spend_micros)
			SELECT tenant_id, id, d, 1 FROM ad_campaigns, (VALUES ('2026-02-26'::date), ('2026-02-27'::date)) AS x(d)`)
		return err
	}))
	from, to := time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	back := run(platforms.SyncRequest{Kind: platforms.SyncBackfill, From: &from, To: &to})
	require.EqualValues(t, 3*7, back.RowsWritten)
	require.Equal(t, int32(1), hook.fellBack.Load(), "the unread stored rows sent the chunk to the upsert")
	require.Equal(t, "2026-02-25 2026-03-10", rangeOf())
	require.Equal(t, 3*14, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 3*14, count(t, ps, tenant, "SELECT count(DISTINCT (campaign_id, day)) FROM ad_campaign_metrics"))
	require.Zero(t, count(t, ps, tenant, "SELECT count(*) FROM ad_campaign_metrics WHERE spend_micros = 1"), "the platform's values replaced them")
}
