package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// The demo tenant's simulated event stream: seeding gives it one source
// labelled simulated and a bounded backfill through the real ingestion
// path, whose batch jobs build profiles with normalised identifiers;
// seeding again adds neither a source nor an event. The simulated flag is
// true only for that source (a source made with createSource is not).
func TestSeedGivesTheDemoTenantASimulatedEventStream(t *testing.T) {
	tdb := testdb.New(t)
	c := clock.NewManual(cdpT0)
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = c
		a.Services.CDP.Config.SimulatedPeople = 0 // the demo's own size, not apptest's
	})
	e := &ingestEnv{srv: srv, tdb: tdb, clock: c, tenant: app.DemoTenantID}
	ctx := context.Background()
	require.NoError(t, app.Seed(ctx, srv.App, apptest.Logger()))
	e.waitProcessed(t, app.DemoTenantID)

	type counts struct{ Sources, Simulated, Events, Batches int }
	read := func() (n counts) {
		require.NoError(t, tdb.DB.InTenant(ctx, app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT (SELECT count(*) FROM cdp_sources) AS sources, (SELECT count(*) FROM cdp_sources WHERE simulated) AS simulated,
				(SELECT count(*) FROM cdp_events) AS events, (SELECT count(*) FROM cdp_batches) AS batches`).Scan(ctx, &n.Sources, &n.Simulated, &n.Events, &n.Batches)
		}))
		return n
	}
	first := read()
	require.Equal(t, 1, first.Sources)
	require.Equal(t, 1, first.Simulated)
	require.Greater(t, first.Events, 1000, "a backfill worth showing")
	require.LessOrEqual(t, first.Events, cdp.MaxSimulatedBackfill, "bounded, so start-up stays quick")

	// The batch jobs built profiles: anonymous visitors, known ones with
	// normalised e-mails and phones, customers with revenue.
	require.Greater(t, e.liveProfiles(t, app.DemoTenantID), 100)
	var known, customers, phones, withRevenue int
	require.NoError(t, tdb.DB.InTenant(ctx, app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT (SELECT count(*) FROM cdp_profiles WHERE merged_into IS NULL AND lifecycle_stage = 'KNOWN'),
			(SELECT count(*) FROM cdp_profiles WHERE merged_into IS NULL AND lifecycle_stage = 'CUSTOMER'),
			(SELECT count(*) FROM cdp_identifiers WHERE type = 'PHONE' AND value LIKE '+1%'),
			(SELECT count(*) FROM cdp_profiles WHERE revenue_micros > 0)`).Scan(ctx, &known, &customers, &phones, &withRevenue)
	}))
	require.Positive(t, known)
	require.Positive(t, customers)
	require.Positive(t, phones)
	require.Positive(t, withRevenue)
	var badEmails int
	require.NoError(t, tdb.DB.InTenant(ctx, app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM cdp_identifiers WHERE type = 'EMAIL' AND (value <> lower(btrim(value)) OR value = 'test@test.com')`).Scan(ctx, &badEmails)
	}))
	require.Zero(t, badEmails, "e-mails normalised, the junk address refused")
	var junk int
	require.NoError(t, tdb.DB.InTenant(ctx, app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM cdp_events WHERE user_id = 'undefined' OR traits->>'email' = 'test@test.com'`).Scan(ctx, &junk)
	}))
	require.Positive(t, junk, "positive control: the junk ids were sent")

	// Seeding again (a restart of `make run`) changes nothing.
	c.Advance(time.Hour)
	require.NoError(t, app.Seed(ctx, srv.App, apptest.Logger()))
	require.Equal(t, first, read())
	var audited int
	require.NoError(t, tdb.DB.InTenant(ctx, app.DemoTenantID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM audit_log WHERE action = 'source.create' AND actor_type = 'SYSTEM' AND details->>'simulated' = 'true'`).Scan(ctx, &audited)
	}))
	require.Equal(t, 1, audited, "the simulated source's creation is audited once")

	// The API labels it: simulated for the seeded source, not for one an admin creates.
	h := http.Header{"X-Test-Tenant": {app.DemoTenantID.String()}}
	r := e.srv.Query(t, `mutation { createSource(input: {name: "Shop"}) { source { name simulated } userErrors { code } } }`, nil, h)
	require.Equal(t, false, field(t, r.Data, "createSource", "source", "simulated"))
	r = e.srv.Query(t, `{ sources { edges { node { name simulated received } } } }`, nil, h)
	got := map[string]any{}
	for _, edge := range field(t, r.Data, "sources", "edges").([]any) {
		n := edge.(map[string]any)["node"].(map[string]any)
		got[n["name"].(string)] = n["simulated"]
	}
	require.Equal(t, map[string]any{cdp.SimulatedSourceName: true, "Shop": false}, got)
}

// The live stream: each minute's events go through the same path (the
// cdp.simulate_events job's work); the same minute again stores nothing
// twice; a tenant that is not simulated gets nothing.
func TestSimulatedStreamSendsEachMinuteOnce(t *testing.T) {
	tdb := testdb.New(t)
	c := clock.NewManual(cdpT0)
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = c
	})
	ctx := context.Background()
	svc := srv.App.Services.CDP
	sim := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional", Simulated: true})
	plain := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	_, _, err := svc.SeedSimulatedSource(ctx, plain)
	require.Error(t, err, "only simulated tenants get a simulated source")
	// Without the cdp flag nothing is stored (the seed logs it and goes on).
	starter := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "starter", Simulated: true})
	_, _, err = svc.SeedSimulatedSource(ctx, starter)
	require.Equal(t, apperr.FeatureDisabled, apperr.CodeOf(err), "%v", err)

	n, err := svc.SimulateEvents(ctx, sim, cdpT0)
	require.NoError(t, err)
	require.Zero(t, n, "not seeded yet: nothing sent")
	src, sent, err := svc.SeedSimulatedSource(ctx, sim)
	require.NoError(t, err)
	require.Positive(t, sent)

	count := func() (n int) {
		require.NoError(t, svc.MaterialiseStaged(ctx, sim)) // as the batch jobs do (ADR 0026)
		require.NoError(t, tdb.DB.InTenant(ctx, sim, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT count(*) FROM cdp_events`).Scan(ctx, &n)
		}))
		return n
	}
	before := count()
	minute := cdpT0.Add(3 * time.Minute)
	n, err = svc.SimulateEvents(ctx, sim, minute)
	require.NoError(t, err)
	require.Positive(t, n)
	after := count()
	require.Greater(t, after, before)
	_, err = svc.SimulateEvents(ctx, sim, minute.Add(20*time.Second)) // the same minute, retried
	require.NoError(t, err)
	require.Equal(t, after, count())

	// Disabled by an admin: the stream stops.
	_, err = svc.SetSourceEnabled(ctx, sim, src.ID, false)
	require.NoError(t, err)
	n, err = svc.SimulateEvents(ctx, sim, minute.Add(time.Minute))
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = svc.SimulateEvents(ctx, plain, minute)
	require.NoError(t, err)
	require.Zero(t, n, "a real tenant never gets simulated events")
}
