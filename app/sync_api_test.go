package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// storeConnection stores a connection of platform with one selected
// account, as the connections flow would (a sandbox for SIMULATOR).
func storeConnection(t *testing.T, b *idBundle, tenant uuid.UUID, platform string) (conn, acct string) {
	t.Helper()
	sandbox := platform == platforms.Simulator
	c := &platforms.Connection{TenantID: tenant, ID: uuid.New(), Platform: platform, Sandbox: sandbox, Status: platforms.ConnectionOK, Scopes: []string{}}
	ext := platforms.SandboxAccountID
	if !sandbox {
		c.TokenSealed, c.ExternalUserID, ext = []byte("sealed"), "u1", "act_1"
	}
	a := &platforms.AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: c.ID, Platform: platform, ExternalID: ext, Name: "Acct " + platform,
		Currency: "USD", TimeZone: "UTC", Sandbox: sandbox, Selected: true}
	require.NoError(t, b.srv.App.Services.Platforms.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		now := time.Now()
		c.CreatedAt, c.UpdatedAt, a.CreatedAt, a.UpdatedAt = now, now, now, now
		if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(a).Exec(ctx)
		return err
	}))
	return relay.GlobalID("PlatformConnection", c.ID), relay.GlobalID("AdAccount", a.ID)
}

const triggerSyncQuery = `mutation($i: TriggerSyncInput!) { triggerSync(input: $i) {
	runs { id kind trigger status window { from to } progress { done total } account { name sandbox timeZone } }
	userErrors { code field message } } }`

// triggerSync validates its input (userErrors, nothing queued), needs
// platform_connectors for a real connection (FEATURE_DISABLED) but not for
// the sandbox, and a repeated request returns the active run; syncRuns lists
// the runs newest first.
func TestTriggerSyncAPI(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ctx := context.Background()
	owner := b.signUp(t, "sync@acme.test", "Sync")
	tenant := tenantUUID(t, owner)
	sbx, _ := storeConnection(t, b, tenant, platforms.Simulator)
	meta, _ := storeConnection(t, b, tenant, platforms.Meta)
	trigger := func(in map[string]any) map[string]any {
		res := b.srv.Query(t, triggerSyncQuery, map[string]any{"i": in}, owner.H())
		require.Empty(t, res.Errors)
		return res.Data["triggerSync"].(map[string]any)
	}

	for name, in := range map[string]map[string]any{
		"from after to":   {"connectionId": sbx, "kind": "BACKFILL", "from": "2026-01-10", "to": "2026-01-01"},
		"over 90 days":    {"connectionId": sbx, "kind": "BACKFILL", "from": "2025-01-01", "to": "2025-06-01"},
		"in the future":   {"connectionId": sbx, "kind": "INSIGHTS", "from": "2026-01-01", "to": "2999-01-01"},
		"not a day":       {"connectionId": sbx, "kind": "INSIGHTS", "from": "yesterday", "to": "2026-01-01"},
		"not a conn id":   {"connectionId": relay.GlobalID("Campaign", uuid.New()), "kind": "STRUCTURE"},
		"unknown account": {"connectionId": sbx, "accountId": relay.GlobalID("AdAccount", uuid.New()), "kind": "STRUCTURE"},
	} {
		p := trigger(in)
		require.Empty(t, p["runs"], name)
		ue := p["userErrors"].([]any)
		require.Len(t, ue, 1, name)
		require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"], name)
	}

	off := false
	_, err := b.srv.App.Services.Billing.SetFlag(ctx, billing.Operator{Email: "ops@example.test"},
		billing.FlagChange{Tenant: tenant, Flag: "platform_connectors", Enabled: &off, Reason: "test"})
	require.NoError(t, err)
	res := b.srv.Query(t, triggerSyncQuery, map[string]any{"i": map[string]any{"connectionId": meta, "kind": "STRUCTURE"}}, owner.H())
	require.Equal(t, "FEATURE_DISABLED", res.Code())
	require.Equal(t, "platform_connectors", res.Errors[0].Extensions["feature"])

	p := trigger(map[string]any{"connectionId": sbx, "kind": "BACKFILL"})
	require.Empty(t, p["userErrors"])
	runs := p["runs"].([]any)
	require.Len(t, runs, 1, "the sandbox syncs without the flag")
	run := runs[0].(map[string]any)
	require.Equal(t, "BACKFILL", run["kind"])
	require.Equal(t, "USER", run["trigger"])
	require.EqualValues(t, 13, run["progress"].(map[string]any)["total"])
	require.Equal(t, true, run["account"].(map[string]any)["sandbox"])

	_, err = b.srv.App.Services.Billing.SetFlag(ctx, billing.Operator{Email: "ops@example.test"},
		billing.FlagChange{Tenant: tenant, Flag: "platform_connectors", Reason: "back"})
	require.NoError(t, err)
	p = trigger(map[string]any{"connectionId": meta, "kind": "STRUCTURE"})
	require.Empty(t, p["userErrors"])
	require.Len(t, p["runs"], 1, "positive control: with the flag the connection syncs")

	list := b.srv.Query(t, `query($c: ID) { syncRuns(connectionId: $c, first: 5) { totalCount edges { node { id kind } } } }`,
		map[string]any{"c": sbx}, owner.H())
	require.Empty(t, list.Errors)
	edges := list.Data["syncRuns"].(map[string]any)["edges"].([]any)
	require.NotEmpty(t, edges)
	require.Equal(t, run["id"], edges[0].(map[string]any)["node"].(map[string]any)["id"], "newest first")
}

// A run's calls to the platform and its failed calls reach syncRuns
// (apiCalls, apiErrors). The run is of a Meta connection whose
// platform_connectors flag is off, so the worker cancels it without calling
// anything; the counts are added as an attempt would add them.
func TestSyncRunAPICounts(t *testing.T) {
	t.Parallel()
	b := setupIdentity(t, nil)
	ctx := context.Background()
	owner := b.signUp(t, "synccounts@acme.test", "Sync counts")
	tenant := tenantUUID(t, owner)
	off := false
	_, err := b.srv.App.Services.Billing.SetFlag(ctx, billing.Operator{Email: "ops@example.test"},
		billing.FlagChange{Tenant: tenant, Flag: "platform_connectors", Enabled: &off, Reason: "test"})
	require.NoError(t, err)
	meta, _ := storeConnection(t, b, tenant, platforms.Meta)
	_, connID, err := relay.ParseGlobalID(meta)
	require.NoError(t, err)
	svc := b.srv.App.Services.Platforms
	counted, err := svc.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: connID, Kind: platforms.SyncStructure})
	require.NoError(t, err)
	clean, err := svc.RequestSync(ctx, tenant, platforms.SyncRequest{ConnectionID: connID, Kind: platforms.SyncInsights})
	require.NoError(t, err)
	require.NoError(t, svc.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("sync_runs").Set("api_calls = api_calls + 12, api_errors = api_errors + 3").Where("id = ?", counted[0].ID).Exec(ctx)
		return err
	}))
	res := b.srv.Query(t, `query($c: ID) { syncRuns(connectionId: $c, first: 5) { edges { node { id apiCalls apiErrors } } } }`,
		map[string]any{"c": meta}, owner.H())
	require.Empty(t, res.Errors)
	got := map[string][2]float64{}
	for _, e := range res.Data["syncRuns"].(map[string]any)["edges"].([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		got[n["id"].(string)] = [2]float64{n["apiCalls"].(float64), n["apiErrors"].(float64)}
	}
	require.Equal(t, [2]float64{12, 3}, got[relay.GlobalID("SyncRun", counted[0].ID)])
	require.Equal(t, [2]float64{0, 0}, got[relay.GlobalID("SyncRun", clean[0].ID)], "positive control: a run without calls shows none")
}
