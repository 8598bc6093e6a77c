package automation_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/relay"
)

// platformAPI stands in for an ad platform's API in front of the simulator
// (a fake at the process boundary only): it can refuse a change before the
// platform applies it, or lose the answer after the platform applied it, and
// on every call it checks that the caller holds no transaction.
type platformAPI struct {
	platforms.Connector
	b *bundle

	mu sync.Mutex
	// refuse, when it returns an error, answers ch with it unapplied.
	refuse func(ch platforms.Change) error
	// lose, when it returns an error, answers ch with it after the platform applied ch.
	lose       func(ch platforms.Change) error
	calls      int
	violations []string
}

// installAPI puts a platformAPI in front of b's simulator.
func (b *bundle) installAPI() *platformAPI {
	api := &platformAPI{Connector: b.ps.Connectors[platforms.Simulator], b: b}
	b.ps.Connectors[platforms.Simulator] = api
	return api
}

func (p *platformAPI) set(refuse, lose func(ch platforms.Change) error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse, p.lose = refuse, lose
}

// Apply implements platforms.Connector.
func (p *platformAPI) Apply(ctx context.Context, tenant uuid.UUID, ch platforms.Change) (platforms.Result, error) {
	p.mu.Lock()
	p.calls++
	refuse, lose := p.refuse, p.lose
	p.mu.Unlock()
	action, err := uuid.Parse(strings.SplitN(ch.IdempotencyKey, ":", 2)[0])
	if err == nil {
		err = p.b.noTransactionOpen(ctx, action)
	}
	if err != nil {
		p.mu.Lock()
		p.violations = append(p.violations, err.Error())
		p.mu.Unlock()
	}
	if refuse != nil {
		if err := refuse(ch); err != nil {
			return platforms.Result{}, err
		}
	}
	res, err := p.Connector.Apply(ctx, tenant, ch)
	if err == nil && lose != nil {
		if err := lose(ch); err != nil {
			return platforms.Result{}, err
		}
	}
	return res, err
}

func (p *platformAPI) checked(t *testing.T, calls int) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Empty(t, p.violations, "the connector was called inside a transaction")
	require.Equal(t, calls, p.calls, "connector calls")
}

// noTransactionOpen reports an error when ctx carries a transaction, when
// the action's row is locked, or when any other session of this test's
// database has a transaction open.
func (b *bundle) noTransactionOpen(ctx context.Context, action uuid.UUID) error {
	if _, ok := db.TxFromContext(ctx); ok {
		return errors.New("ctx carries a transaction")
	}
	var open int
	err := b.tdb.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SELECT 1 FROM automation_actions WHERE id = ? FOR UPDATE NOWAIT", action); err != nil {
			return fmt.Errorf("the action row is locked: %w", err)
		}
		return tx.NewRaw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = current_user
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL`).Scan(ctx, &open)
	})
	if err == nil && open > 0 {
		err = fmt.Errorf("%d other transaction(s) open", open)
	}
	return err
}

func (b *bundle) budget(t *testing.T, campaign uuid.UUID) float64 {
	t.Helper()
	cs, err := b.ps.Campaigns(context.Background(), b.tenant, platforms.CampaignFilter{CampaignIDs: []uuid.UUID{campaign}})
	require.NoError(t, err)
	return cs[0].DailyBudget()
}

func (b *bundle) statuses(t *testing.T) map[string]string {
	t.Helper()
	cs, err := b.ps.Campaigns(context.Background(), b.tenant, platforms.CampaignFilter{})
	require.NoError(t, err)
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.Status
	}
	return out
}

// appliedOnPlatform counts the changes the simulator committed under keys
// that start with the action's id.
func (b *bundle) appliedOnPlatform(t *testing.T, action uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, b.tdb.InTenant(context.Background(), b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM simulator_applied_changes WHERE idempotency_key LIKE ?", action.String()+"%").Scan(ctx, &n)
	}))
	return n
}

func (b *bundle) failureIncidents(t *testing.T) []incidents.Incident {
	t.Helper()
	inc := &incidents.Service{DB: b.tdb.DB}
	page, err := inc.List(context.Background(), b.tenant, incidents.Filter{}, relay.Args{})
	require.NoError(t, err)
	var out []incidents.Incident
	for _, i := range page.Items {
		if i.Cause == incidents.CauseActionFailed {
			out = append(out, i)
		}
	}
	return out
}

func (b *bundle) increase(t *testing.T, c *platforms.Campaign, percent float64) *automation.Action {
	t.Helper()
	a, err := b.auto.QueueAction(context.Background(), b.tenant, automation.ActionInput{Type: automation.IncreaseBudget, CampaignID: &c.ID,
		Params: automation.ActionParams{Percent: pct(percent)}}, "user:1")
	require.NoError(t, err)
	return a
}

func TestConnectorIsCalledWithNoTransactionOpen(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand := b.campaign("Brand Search")

	t.Run("the check can fail", func(t *testing.T) {
		a := b.increase(t, brand, 10)
		err := b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM automation_actions WHERE id = ? FOR NO KEY UPDATE", a.ID); err != nil {
				return err
			}
			return b.noTransactionOpen(ctx, a.ID)
		})
		require.ErrorContains(t, err, "transaction")
		err = b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM automation_actions WHERE id = ? FOR NO KEY UPDATE", a.ID); err != nil {
				return err
			}
			return b.noTransactionOpen(context.Background(), a.ID)
		})
		require.ErrorContains(t, err, "the action row is locked")
		_, err = b.auto.Dismiss(ctx, b.tenant, a.ID, "user:1")
		require.NoError(t, err)
	})
	t.Run("execution", func(t *testing.T) {
		a := b.increase(t, brand, 10)
		require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
		a, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		api.checked(t, 1)
	})
	t.Run("a manual override", func(t *testing.T) {
		retarget := b.campaign("Retargeting – Cart Abandoners")
		a := b.increase(t, retarget, 50)
		require.Equal(t, automation.Hold, a.Decision, "%v", a.Reasons)
		a, err := b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "checked with the agency")
		require.NoError(t, err)
		require.Equal(t, automation.Applied, a.Status)
		api.checked(t, 2)
	})
}

func TestTransientConnectorErrorLeavesTheActionToRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand := b.campaign("Brand Search")
	a := b.increase(t, brand, 10)
	require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)

	api.set(func(platforms.Change) error {
		return fmt.Errorf("meta: %w (rate limited, retry in 60 s)", platforms.ErrUnavailable)
	}, nil)
	_, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.ErrorIs(t, err, platforms.ErrUnavailable, "the job retries")
	a, err = b.auto.Action(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Queued, a.Status, "still waiting for execution")
	require.Zero(t, a.Attempts)
	require.Nil(t, a.Error)
	require.Empty(t, b.failureIncidents(t))
	require.Equal(t, 150.0, b.budget(t, brand.ID))
	_, err = b.auto.Dismiss(ctx, b.tenant, a.ID, "user:1")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "an action in flight cannot be dismissed: %v", err)

	api.set(nil, nil)
	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status)
	require.Equal(t, 1, a.Attempts)
	require.Equal(t, 165.0, a.After["dailyBudget"])
	require.Equal(t, 165.0, b.budget(t, brand.ID))
	api.checked(t, 2)
}

func TestPermanentConnectorErrorFailsTheAction(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand := b.campaign("Brand Search")
	a := b.increase(t, brand, 10)
	const words = "(#1487) the daily budget of this ad set is too low"

	api.set(func(platforms.Change) error { return errors.New(words) }, nil)
	a, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err, "a refusal is an outcome, not a job error")
	require.Equal(t, automation.Failed, a.Status)
	require.Equal(t, words, *a.Error, "the platform's words")
	require.Equal(t, 1, a.Attempts)
	inc := b.failureIncidents(t)
	require.Len(t, inc, 1)
	require.Equal(t, "Increase budget failed on Simulator", inc[0].Title, "words, not the action's code")
	require.Equal(t, words, inc[0].Details["error"])
	require.Equal(t, a.ID.String(), inc[0].Details["actionId"])
	require.Equal(t, 150.0, b.budget(t, brand.ID))

	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Failed, a.Status, "a failed action is left alone")
	api.checked(t, 1)

	api.set(nil, nil)
	a, err = b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "budget raised on the platform")
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status)
	require.Nil(t, a.Error)
	require.Equal(t, 2, a.Attempts)
	require.Equal(t, 165.0, b.budget(t, brand.ID))
	api.checked(t, 2)
}

// TestCrashBetweenConnectorAndOutcome: the platform applied the change but
// the worker never learnt (it died): the retry sends the same idempotency
// key and records the platform's first result.
func TestCrashBetweenConnectorAndOutcome(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand := b.campaign("Brand Search")
	a := b.increase(t, brand, 10)

	dying, die := context.WithCancel(ctx)
	api.set(nil, func(platforms.Change) error { die(); return dying.Err() })
	_, err := b.auto.Execute(dying, b.tenant, a.ID)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, b.appliedOnPlatform(t, a.ID), "the platform committed the change")
	require.Equal(t, 165.0, b.budget(t, brand.ID))
	a, err = b.auto.Action(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Queued, a.Status, "no outcome recorded")

	api.set(nil, nil)
	a, err = b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.Applied, a.Status)
	require.Equal(t, 1, a.Attempts, "the retry resumed the execution")
	require.Equal(t, 150.0, a.Before["dailyBudget"])
	require.Equal(t, 165.0, a.After["dailyBudget"])
	require.Equal(t, 165.0, b.budget(t, brand.ID), "150 + 10% once (twice would be 181.5)")
	require.Equal(t, 1, b.appliedOnPlatform(t, a.ID))
	api.checked(t, 2)
}

// TestPauseAllWithOneCampaignFailing: pause_all is one change per campaign,
// each with its own idempotency key. Campaigns the platform paused stay
// paused (a platform change cannot be rolled back); a transient error
// anywhere retries the whole action, which replays the changes already
// made; a refusal fails the action with the campaign's name and the
// platform's words, and after records how many campaigns are still active.
func TestPauseAllWithOneCampaignFailing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	prospecting := b.campaign("Prospecting – Broad Audience")
	a, err := b.auto.QueueAction(ctx, b.tenant, automation.ActionInput{Type: automation.PauseAll, Platform: platforms.Simulator}, "user:1")
	require.NoError(t, err)
	require.Equal(t, automation.Pass, a.Decision, "%v", a.Reasons)
	only := func(err error) func(ch platforms.Change) error {
		return func(ch platforms.Change) error {
			if ch.CampaignID == prospecting.ID {
				return err
			}
			return nil
		}
	}
	allPaused := map[string]string{"Brand Search": platforms.CampaignPaused, "Prospecting – Broad Audience": platforms.CampaignPaused,
		"Retargeting – Cart Abandoners": platforms.CampaignPaused, "Spring Sale – Lookalike 3%": platforms.CampaignPaused}
	allButProspecting := map[string]string{}
	for k, v := range allPaused {
		allButProspecting[k] = v
	}
	allButProspecting[prospecting.Name] = platforms.CampaignActive

	t.Run("a transient error midway retries the action", func(t *testing.T) {
		api.set(only(fmt.Errorf("simulator: %w (timeout)", platforms.ErrUnavailable)), nil)
		_, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.ErrorIs(t, err, platforms.ErrUnavailable)
		got, err := b.auto.Action(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Queued, got.Status)
		require.Equal(t, allButProspecting, b.statuses(t), "the others were paused on the platform")
		require.Equal(t, 3, b.appliedOnPlatform(t, a.ID))
	})
	t.Run("a refusal fails it with the campaign and the platform's words", func(t *testing.T) {
		api.set(only(errors.New("campaign is locked by an ongoing A/B test")), nil)
		got, err := b.auto.Execute(ctx, b.tenant, a.ID)
		require.NoError(t, err)
		require.Equal(t, automation.Failed, got.Status)
		require.Equal(t, "Prospecting – Broad Audience: campaign is locked by an ongoing A/B test", *got.Error)
		require.Equal(t, 1.0, got.After["activeCampaigns"], "one campaign is still active")
		require.Equal(t, 1, got.Attempts)
		require.Equal(t, allButProspecting, b.statuses(t))
		require.Len(t, b.failureIncidents(t), 1)
		require.Equal(t, 3, b.appliedOnPlatform(t, a.ID), "the retry replayed the three changes already made")
	})
	t.Run("an override pauses the rest", func(t *testing.T) {
		api.set(nil, nil)
		got, err := b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "A/B test ended")
		require.NoError(t, err)
		require.Equal(t, automation.Applied, got.Status)
		require.Equal(t, 0.0, got.After["activeCampaigns"])
		require.Equal(t, allPaused, b.statuses(t))
		require.Equal(t, 4, b.appliedOnPlatform(t, a.ID), "one change per campaign")
	})
	api.checked(t, 4+4+1)
}

// TestOverrideAndItsBackupJobRecordTheOutcomeOnce: a manual override queues
// an execution job that finishes the execution should the API process die
// before recording it. When both run — here the job resumes the execution
// while the override waits for the platform — the platform applies the
// change once, and the outcome, its event and its audit record are written
// once.
func TestOverrideAndItsBackupJobRecordTheOutcomeOnce(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	retarget := b.campaign("Retargeting – Cart Abandoners")
	a := b.increase(t, retarget, 50)
	require.Equal(t, automation.Hold, a.Decision, "%v", a.Reasons)
	b.executed = nil

	var byJob *automation.Action
	api.set(func(platforms.Change) error {
		if byJob != nil {
			return nil
		}
		byJob = a // the job's own call below passes through here once more
		var err error
		byJob, err = b.auto.Execute(ctx, b.tenant, a.ID)
		return err
	}, nil)
	got, err := b.auto.Apply(ctx, b.tenant, a.ID, "user:1", "agency asked for it")
	require.NoError(t, err)
	require.Equal(t, []uuid.UUID{a.ID}, b.executed, "the override queued its backup job")
	require.Equal(t, automation.Applied, byJob.Status, "the job recorded the outcome")
	require.Equal(t, automation.Applied, got.Status)
	require.Equal(t, 1, got.Attempts)
	require.Equal(t, "user:1", *got.AppliedBy)
	require.Equal(t, "agency asked for it", *got.OverrideReason)
	require.Equal(t, 300.0, b.budget(t, retarget.ID), "200 + 50% once")
	require.Equal(t, 1, b.appliedOnPlatform(t, a.ID))
	var records int
	require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM audit_log WHERE action = 'action.override_apply' AND target_id = ?", a.ID).Scan(ctx, &records)
	}))
	require.Equal(t, 1, records, "one override_apply audit record")
	api.checked(t, 2)
}

// TestActionWhoseCampaignIsGoneIsNotNeeded: an action whose campaign was
// deleted since the proposal ends NOT_NEEDED at its start (re-validation),
// without calling the platform and without an incident: nothing failed.
func TestActionWhoseCampaignIsGoneIsNotNeeded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	api := b.installAPI()
	brand := b.campaign("Brand Search")
	a := b.increase(t, brand, 10)
	require.NoError(t, b.tdb.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM ad_campaigns WHERE id = ?", brand.ID)
		return err
	}))
	a, err := b.auto.Execute(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, automation.NotNeeded, a.Status)
	require.Equal(t, "the campaign no longer exists", *a.Resolution)
	require.Nil(t, a.Error)
	require.Empty(t, b.failureIncidents(t))
	api.checked(t, 0)
}
