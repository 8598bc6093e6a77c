package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// scriptedAPI is an in-memory platform: n campaigns, daily insights for
// any range, and a rate limit on the first Structure call when limited.
type scriptedAPI struct {
	platforms.API // unused methods panic
	n             int
	mu            sync.Mutex
	limited       bool
	structure     int
	// failInsights makes the n-th Insights call fail as a transient error.
	failInsights int
	insights     int
}

func (f *scriptedAPI) Platform() string { return platforms.Meta }
func (f *scriptedAPI) Configured() bool { return true }

func (f *scriptedAPI) Structure(_ context.Context, tok platforms.Token, _ platforms.Account, fn func(platforms.StructurePage) error) error {
	f.mu.Lock()
	f.structure++
	first := f.structure == 1
	f.mu.Unlock()
	if tok.AccessToken != "tok" {
		return &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorAuth, Message: "no token"}
	}
	if first && f.limited {
		return &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorRateLimited, Code: "17", Message: "User request limit reached", RetryAfter: time.Millisecond}
	}
	var p platforms.StructurePage
	for i := 0; i < f.n; i++ {
		p.Campaigns = append(p.Campaigns, platforms.RemoteCampaign{ExternalID: fmt.Sprintf("m%d", i), Name: "Campaign", Status: platforms.StatusActive, DailyBudgetMicros: 50_000_000})
	}
	return fn(p)
}

func (f *scriptedAPI) Insights(_ context.Context, _ platforms.Token, _ platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	f.mu.Lock()
	f.insights++
	fail := f.insights == f.failInsights
	f.mu.Unlock()
	if fail {
		return &platforms.APIError{Platform: "Meta", Kind: platforms.ErrorTransient, HTTPStatus: 500, Message: "An unexpected error has occurred."}
	}
	fd, _ := time.Parse(time.DateOnly, from)
	td, _ := time.Parse(time.DateOnly, to)
	var page []platforms.Insight
	for d := fd; !d.After(td); d = d.AddDate(0, 0, 1) {
		for i := 0; i < f.n; i++ {
			page = append(page, platforms.Insight{CampaignExternalID: fmt.Sprintf("m%d", i), Day: d.Format(time.DateOnly), SpendMicros: 1_000_000, Impressions: 10})
		}
	}
	return fn(page)
}

type stubTokens struct{}

func (stubTokens) Token(context.Context, *platforms.Connection) (platforms.Token, error) {
	return platforms.Token{AccessToken: "tok"}, nil
}

// connectAccount stores a connection (sandbox for SIMULATOR) with one
// selected account, as the connections flow would.
func connectAccount(t *testing.T, b *bundle, tenant uuid.UUID, platform string) (conn, acct uuid.UUID) {
	t.Helper()
	sandbox := platform == platforms.Simulator
	c := &platforms.Connection{TenantID: tenant, ID: uuid.New(), Platform: platform, Sandbox: sandbox, Status: platforms.ConnectionOK, Scopes: []string{}}
	ext := "act_1"
	if sandbox {
		ext = platforms.SandboxAccountID
	} else {
		c.TokenSealed, c.ExternalUserID = []byte("sealed"), "u1"
	}
	a := &platforms.AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: c.ID, Platform: platform, ExternalID: ext, Name: "A",
		Currency: "USD", TimeZone: "UTC", Sandbox: sandbox, Selected: true}
	require.NoError(t, b.tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		now := time.Now()
		c.CreatedAt, c.UpdatedAt, a.CreatedAt, a.UpdatedAt = now, now, now, now
		if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(a).Exec(ctx)
		return err
	}))
	return c.ID, a.ID
}

func startClient(t *testing.T, b *bundle) *jobs.Client {
	t.Helper()
	client, err := jobs.NewClient(b.tdb.DB, jobs.Options{Log: quietLog(), Work: true, Services: b.svc.Jobs(), Concurrency: 4, NoRunOnStart: true})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stopCtx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		require.NoError(t, client.Stop(stopCtx))
		cancel()
	})
	return client
}

type runRow struct {
	Kind   string `bun:"kind"`
	Status string `bun:"status"`
}

func runsOf(t assert.TestingT, b *bundle, tenant uuid.UUID) []runRow {
	var out []runRow
	assert.NoError(t, b.tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Table("sync_runs").Column("kind", "status").OrderExpr("kind").Scan(ctx, &out)
	}))
	return out
}

func countIn(t *testing.T, b *bundle, tenant uuid.UUID, q string) int {
	t.Helper()
	var n int
	require.NoError(t, b.tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(q).Scan(ctx, &n)
	}))
	return n
}

// Two worker processes (two River clients on one database) running the
// same schedule — the periodic fan-out inserted by both, and the tenants'
// schedules run many times at once — produce each sync run once: one
// structure and one insights run per account, each written once.
func TestSyncScheduleRunsEachSyncOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.svc.Platforms.APIs[platforms.Meta] = &scriptedAPI{n: 3}
	b.svc.Platforms.Tokens = stubTokens{}
	sandboxTenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Sandbox"})
	metaTenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Meta"})
	connectAccount(t, b, sandboxTenant, platforms.Simulator)
	connectAccount(t, b, metaTenant, platforms.Meta)

	c1, c2 := startClient(t, b), startClient(t, b)
	b.svc.EnqueueWith(c1)
	var wg sync.WaitGroup
	for _, c := range []*jobs.Client{c1, c2} {
		_, err := c.Insert(ctx, jobs.PlatformsScheduleArgs{}, nil)
		require.NoError(t, err)
		for _, tenant := range []uuid.UUID{sandboxTenant, metaTenant} {
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := b.svc.Platforms.ScheduleSyncs(ctx, tenant, jobs.SyncSchedules[billing.Starter])
					assert.NoError(t, err)
				}()
			}
		}
	}
	wg.Wait()
	want := []runRow{{platforms.SyncInsights, platforms.RunSucceeded}, {platforms.SyncStructure, platforms.RunSucceeded}}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, want, runsOf(c, b, sandboxTenant))
		assert.Equal(c, want, runsOf(c, b, metaTenant))
	}, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, 4*7, countIn(t, b, sandboxTenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 3*7, countIn(t, b, metaTenant, "SELECT count(*) FROM ad_campaign_metrics"))
	res, err := c1.JobList(ctx, river.NewJobListParams().Kinds(jobs.PlatformsSyncArgs{}.Kind()).First(100))
	require.NoError(t, err)
	require.Len(t, res.Jobs, 4, "one job per run")

	// Positive control: once the structure interval has passed, the
	// schedule queues a new structure run.
	_, err = b.svc.Platforms.ScheduleSyncs(ctx, sandboxTenant, platforms.Schedule{Structure: time.Nanosecond, Insights: time.Hour})
	require.NoError(t, err)
	require.Len(t, runsOf(t, b, sandboxTenant), 3)
}

// A rate-limited sync is snoozed for the platform's wait, not failed, and
// succeeds on its next run.
func TestSyncRateLimitSnoozesThenSucceeds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := &scriptedAPI{n: 2, limited: true}
	b.svc.Platforms.APIs[platforms.Meta] = api
	b.svc.Platforms.Tokens = stubTokens{}
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Meta"})
	conn, _ := connectAccount(t, b, tenant, platforms.Meta)
	client := startClient(t, b)
	b.svc.EnqueueWith(client)
	events, cancel := client.Subscribe(river.EventKindJobSnoozed, river.EventKindJobCompleted)
	defer cancel()

	runs, err := b.svc.Platforms.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: conn, Kind: platforms.SyncStructure, Trigger: platforms.TriggerUser})
	require.NoError(t, err)
	var kinds []river.EventKind
	for len(kinds) < 2 {
		select {
		case ev := <-events:
			if ev.Job.Kind == (jobs.PlatformsSyncArgs{}).Kind() {
				kinds = append(kinds, ev.Kind)
				require.Equal(t, jobs.QueueHigh, ev.Job.Queue, "user-triggered syncs run on high")
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("events so far: %v", kinds)
		}
	}
	require.Equal(t, []river.EventKind{river.EventKindJobSnoozed, river.EventKindJobCompleted}, kinds)
	require.Equal(t, []runRow{{platforms.SyncStructure, platforms.RunSucceeded}}, runsOf(t, b, tenant))
	require.Equal(t, 2, api.structure)
	_ = runs
}

// Connector syncs need the platform_connectors flag (the skip is recorded
// and the run canceled); a sandbox sync of the same tenant runs anyway.
func TestSyncGatedExceptSandbox(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	b.svc.Platforms.APIs[platforms.Meta] = &scriptedAPI{n: 1}
	b.svc.Platforms.Tokens = stubTokens{}
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Off"})
	metaConn, _ := connectAccount(t, b, tenant, platforms.Meta)
	sbxConn, _ := connectAccount(t, b, tenant, platforms.Simulator)
	off := false
	_, err := b.svc.Billing.SetFlag(ctx, billing.Operator{Email: "ops@example.test"}, billing.FlagChange{Tenant: tenant, Flag: "platform_connectors", Enabled: &off, Reason: "test"})
	require.NoError(t, err)
	worker := &jobs.PlatformsSyncWorker{Platforms: b.svc.Platforms, Billing: b.svc.Billing}
	work := func(conn uuid.UUID) platforms.SyncRun {
		runs, err := b.svc.Platforms.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: conn, Kind: platforms.SyncStructure})
		require.NoError(t, err)
		require.NoError(t, worker.Work(ctx, &river.Job[jobs.PlatformsSyncArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1, MaxAttempts: 8},
			Args: jobs.SyncArgs(&runs[0])}))
		var r platforms.SyncRun
		require.NoError(t, b.tdb.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Model(&r).Where("sr.id = ?", runs[0].ID).Scan(ctx)
		}))
		return r
	}
	r := work(metaConn)
	require.Equal(t, platforms.RunCanceled, r.Status)
	require.Contains(t, r.Error, "switched off")
	skips, err := b.svc.Billing.Skips(ctx, tenant)
	require.NoError(t, err)
	require.Len(t, skips, 1)
	require.Equal(t, "platforms.sync", skips[0].JobKind)
	require.Equal(t, platforms.RunSucceeded, work(sbxConn).Status, "the sandbox is on every plan")
}

// Queues by trigger: user → high, schedule → default, backfill → low.
func TestSyncQueues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ kind, trigger, queue string }{
		{platforms.SyncInsights, platforms.TriggerUser, jobs.QueueHigh},
		{platforms.SyncStructure, platforms.TriggerSchedule, jobs.QueueDefault},
		{platforms.SyncBackfill, platforms.TriggerUser, jobs.QueueLow},
	} {
		require.Equal(t, c.queue, jobs.PlatformsSyncArgs{SyncKind: c.kind, Trigger: c.trigger}.InsertOpts().Queue)
	}
}

// A backfill whose attempt dies after chunk 3 (a transient platform error)
// is retried by River, resumes from chunk 4 and ends with every
// (campaign, day) row once, on the low queue.
func TestBackfillRetryResumesThroughRiver(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := &scriptedAPI{n: 4, failInsights: 4}
	b.svc.Platforms.APIs[platforms.Meta] = api
	b.svc.Platforms.Tokens = stubTokens{}
	tenant := testdb.MustInsertTenant(t, b.tdb.DB, testdb.Tenant{Name: "Meta"})
	conn, _ := connectAccount(t, b, tenant, platforms.Meta)
	// Structure first, so the backfill's chunks are the only Insights calls.
	runs, err := b.svc.Platforms.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: conn, Kind: platforms.SyncStructure})
	require.NoError(t, err)
	require.NoError(t, b.svc.Platforms.RunSync(ctx, tenant, runs[0].ID, time.Time{}))

	client := startClient(t, b)
	b.svc.EnqueueWith(client)
	runs, err = b.svc.Platforms.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: conn, Kind: platforms.SyncBackfill, Trigger: platforms.TriggerUser})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, []runRow{{platforms.SyncBackfill, platforms.RunSucceeded}, {platforms.SyncStructure, platforms.RunSucceeded}}, runsOf(c, b, tenant))
	}, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, 4*90, countIn(t, b, tenant, "SELECT count(*) FROM ad_campaign_metrics"))
	require.Equal(t, 4*90, countIn(t, b, tenant, "SELECT count(DISTINCT (campaign_id, day)) FROM ad_campaign_metrics"))
	require.Equal(t, 14, api.insights, "13 chunks and one failed call: the retry did not start over")
	res, err := client.JobList(ctx, river.NewJobListParams().Kinds(jobs.PlatformsSyncArgs{}.Kind()).First(10))
	require.NoError(t, err)
	require.Len(t, res.Jobs, 1)
	require.Equal(t, jobs.QueueLow, res.Jobs[0].Queue)
	require.Equal(t, 2, res.Jobs[0].Attempt)
	require.Len(t, res.Jobs[0].Errors, 1)
}
