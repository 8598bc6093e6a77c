package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/jobs"
)

// TestKilledWorkerFinishesApprovedActionsExactlyOnce is the crash test of
// issue 8, item 10: approved actions are executing in a real `stratum worker`
// process when it is killed with SIGKILL — held by the test-only hook after
// the platform applied each change and before the outcome is recorded, the
// worst place since the connector call runs outside any transaction (ADR
// 0012). A new worker, started with a short rescue, must bring every one of
// them to a final state — each change applied on the platform exactly once,
// thanks to the idempotency key — without anybody overriding anything.
func TestKilledWorkerFinishesApprovedActionsExactlyOnce(t *testing.T) {
	t.Parallel()
	bin := buildStratum(t)
	tdb := testdb.New(t)
	ctx := context.Background()
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Crash", Simulated: true})
	trust := apptest.Services(t, tdb)
	client, err := jobs.NewClient(tdb.DB, jobs.Options{}) // insert-only: Approve enqueues the execution jobs
	require.NoError(t, err)
	trust.EnqueueWith(client)
	require.NoError(t, trust.Platforms.Simulator().SeedSimulator(ctx, tenant))
	_, err = trust.Signals.Recompute(ctx, tenant)
	require.NoError(t, err)
	disableRules(t, trust, tenant) // only our actions change the campaigns
	campaigns, err := trust.Platforms.Campaigns(ctx, tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	require.Len(t, campaigns, 4)

	hold := t.TempDir()
	base := map[string]string{"STRATUM_ENV": "test", "DATABASE_URL": tdb.OwnerURL, "STRATUM_APP_DATABASE_URL": tdb.AppURL,
		"STRATUM_AUTO_MIGRATE": "false", "STRATUM_LOG_LEVEL": "warn", "STRATUM_SHUTDOWN_TIMEOUT": "5s"}
	first := startProcess(t, bin, base, map[string]string{"STRATUM_TEST_HOLD_APPLY_DIR": hold})

	// A +50% budget change is held for review; a person approves each while the worker runs.
	var ids []uuid.UUID
	orig := map[uuid.UUID]float64{}
	for _, c := range campaigns {
		a, err := trust.Automation.QueueAction(ctx, tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &c.ID,
			Params: automation.ActionParams{Percent: ptr(50.0)}}, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Queued, a.Status, "%s: %v", a.Decision, a.Reasons)
		a, err = trust.Automation.Approve(ctx, tenant, a.ID, "user:1")
		require.NoError(t, err)
		require.Equal(t, automation.Approved, a.Status)
		ids = append(ids, a.ID)
		orig[a.ID] = c.DailyBudget()
	}
	require.Eventually(t, func() bool { return heldCount(hold, ids) == len(ids) }, time.Minute, 50*time.Millisecond,
		"the platform applied every action's change in the first worker, whose outcome is not recorded yet")

	first.kill(t)
	// Positive control: the kill left every action unfinished — in flight,
	// no outcome recorded — while the platform has applied each change once.
	want := map[string]int{}
	for _, id := range ids {
		a, err := trust.Automation.Action(ctx, tenant, id)
		require.NoError(t, err)
		require.Equal(t, automation.Approved, a.Status)
		require.Zero(t, a.Attempts)
		want[id.String()] = 1
	}
	require.Equal(t, len(ids), inFlight(t, tdb, tenant, ids), "every execution is in flight")
	require.Equal(t, want, appliedChanges(t, tdb, tenant, ids), "the platform applied each change before the kill")
	require.Equal(t, len(ids), runningExecuteJobs(t, tdb), "the killed worker's jobs are left running")
	written := campaignWrites(t, trust, tenant)

	restarted := time.Now()
	startProcess(t, bin, base, map[string]string{"STRATUM_JOB_TIMEOUT": "2s", "STRATUM_JOB_RESCUE_AFTER": "3s"})
	require.Eventually(t, func() bool {
		for _, id := range ids {
			a, err := trust.Automation.Action(ctx, tenant, id)
			if err != nil || a.Status != automation.Applied {
				return false
			}
		}
		return true
	}, 3*time.Minute, 200*time.Millisecond, "every approved action is applied after the restart")
	t.Logf("all %d actions applied %s after the restart (leader hand-over + rescue + retry)", len(ids), time.Since(restarted).Round(time.Second))

	require.Equal(t, want, appliedChanges(t, tdb, tenant, ids), "still one platform change per action: the retry replayed it by its key")
	require.Zero(t, inFlight(t, tdb, tenant, ids))
	after, err := trust.Platforms.Campaigns(ctx, tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	budget := map[uuid.UUID]float64{}
	for _, c := range after {
		budget[c.ID] = c.DailyBudget()
	}
	// A change carries absolute values, so applying it twice would leave the
	// same budget: that the platform did not write the campaigns again is
	// what shows the retry replayed the change by its key.
	require.Equal(t, written, campaignWrites(t, trust, tenant), "the platform did not change the campaigns again")
	for _, id := range ids {
		a, err := trust.Automation.Action(ctx, tenant, id)
		require.NoError(t, err)
		require.Equal(t, 1, a.Attempts, "the retry resumed the killed attempt's execution")
		require.Nil(t, a.OverrideReason)
		require.InDelta(t, orig[id]*1.5, budget[*a.CampaignID], 0.01, "+50%% applied once, not twice")
		require.InDelta(t, orig[id], a.Before["dailyBudget"], 0.01, "before is the budget before the one change")
	}
}

func ptr[T any](v T) *T { return &v }

func TestMain(m *testing.M) {
	code := m.Run()
	if buildErr == nil && buildBin != "" {
		os.RemoveAll(filepath.Dir(buildBin))
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// buildStratum builds this command once per test process.
func buildStratum(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stratum-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "stratum")
		out, err := exec.Command("go", "build", "-o", buildBin, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			buildBin = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildBin)
	}
	return buildBin
}

func disableRules(t *testing.T, trust *app.Services, tenant uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	n := 100
	page, err := trust.Automation.Rules(ctx, tenant, automation.RuleFilter{}, relay.Args{First: &n})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	for _, r := range page.Items {
		_, err := trust.Automation.SetRuleEnabled(ctx, tenant, r.ID, false)
		require.NoError(t, err)
	}
}

// heldCount counts the actions whose change the hold hook is holding open.
func heldCount(dir string, ids []uuid.UUID) int {
	n := 0
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(dir, id.String())); err == nil {
			n++
		}
	}
	return n
}

// appliedChanges counts the simulator's committed changes per idempotency key.
func appliedChanges(t *testing.T, tdb *testdb.DB, tenant uuid.UUID, ids []uuid.UUID) map[string]int {
	t.Helper()
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = id.String()
	}
	out := map[string]int{}
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			Key string `bun:"idempotency_key"`
			N   int    `bun:"n"`
		}
		if err := tx.NewRaw("SELECT idempotency_key, count(*) AS n FROM simulator_applied_changes WHERE idempotency_key IN (?) GROUP BY 1",
			bun.List(keys)).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.Key] = r.N
		}
		return nil
	}))
	return out
}

// campaignWrites returns when the platform last wrote each campaign.
func campaignWrites(t *testing.T, trust *app.Services, tenant uuid.UUID) map[uuid.UUID]time.Time {
	t.Helper()
	cs, err := trust.Platforms.Campaigns(context.Background(), tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	out := map[uuid.UUID]time.Time{}
	for _, c := range cs {
		out[c.ID] = c.UpdatedAt
	}
	return out
}

// inFlight counts the actions whose execution has started and has no outcome recorded.
func inFlight(t *testing.T, tdb *testdb.DB, tenant uuid.UUID, ids []uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM automation_actions WHERE id IN (?) AND execution IS NOT NULL", bun.List(ids)).Scan(ctx, &n)
	}))
	return n
}

func runningExecuteJobs(t *testing.T, tdb *testdb.DB) int {
	t.Helper()
	var n int
	require.NoError(t, tdb.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'running'", jobs.AutomationExecuteArgs{}.Kind()).Scan(&n))
	return n
}

// process is a stratum command (worker, serve) running as a child process.
type process struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// startProcess runs `stratum worker` with env (later maps win).
func startProcess(t *testing.T, bin string, env ...map[string]string) *process {
	t.Helper()
	return startCommand(t, bin, "worker", env...)
}

// startCommand runs `stratum command` with env (later maps win); at the
// end of the test it is stopped with SIGTERM (then SIGKILL), and its
// output is logged if the test failed.
func startCommand(t *testing.T, bin, command string, env ...map[string]string) *process {
	t.Helper()
	var vars []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STRATUM_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			vars = append(vars, kv)
		}
	}
	for _, m := range env {
		for k, v := range m {
			vars = append(vars, k+"="+v)
		}
	}
	p := &process{cmd: exec.Command(bin, command), out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = vars, p.out, p.out
	require.NoError(t, p.cmd.Start())
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stratum %s %v output:\n%s", command, env[len(env)-1], p.out.String())
		}
	})
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	<-p.done
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
