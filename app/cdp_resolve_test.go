package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/testdb"
)

// resolveEnv is an ingestion server whose batch job fails its first
// transaction once (after resolving the batch's identities), as a crash
// between resolution and the job's commit would.
type resolveEnv struct {
	*ingestEnv
	failed chan uuid.UUID
}

func setupResolve(t *testing.T) *resolveEnv {
	t.Helper()
	tdb := testdb.New(t)
	c := clock.NewManual(cdpT0)
	r := &resolveEnv{failed: make(chan uuid.UUID, 1)}
	var once sync.Once
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), func(a *app.App) {
		a.Resolver.Auth = roleAuth{}
		a.DB.Clock = c
		a.Services.CDP.OnBatch = func(_ context.Context, _ bun.Tx, _, batch uuid.UUID) error {
			var err error
			once.Do(func() {
				err = errors.New("injected failure of the batch transaction")
				r.failed <- batch
			})
			return err
		}
	})
	r.ingestEnv = &ingestEnv{srv: srv, tdb: tdb, clock: c}
	r.tenant = testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	r.source, r.key = r.newSource(t, r.tenant, "Website")
	return r
}

// waitProcessed waits until every batch of tenant was processed by its job.
func (e *ingestEnv) waitProcessed(t *testing.T, tenant uuid.UUID) {
	t.Helper()
	require.Eventually(t, func() bool {
		var n int
		err := e.tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw("SELECT count(*) FROM cdp_batches WHERE processed_at IS NULL").Scan(ctx, &n)
		})
		return err == nil && n == 0
	}, 20*time.Second, 10*time.Millisecond)
}

// liveProfiles counts tenant's live (not merged) profiles.
func (e *ingestEnv) liveProfiles(t *testing.T, tenant uuid.UUID) int {
	t.Helper()
	var n int
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_profiles WHERE merged_into IS NULL").Scan(ctx, &n)
	}))
	return n
}

// profileOf reads the live profile holding id.
func (e *ingestEnv) profileOf(t *testing.T, tenant uuid.UUID, id cdp.Identifier) *cdp.Profile {
	t.Helper()
	idt := e.cdp().Identity
	pid, err := idt.Lookup(context.Background(), tenant, id)
	require.NoError(t, err, "%s", id.Type)
	p, err := idt.Profile(context.Background(), tenant, pid)
	require.NoError(t, err)
	return p
}

func identifierStrings(p *cdp.Profile) []string {
	var out []string
	for _, id := range p.Identifiers {
		out = append(out, string(id.Type)+" "+id.Value)
	}
	return out
}

func TestCDPBatchJobResolvesEventsIntoProfiles(t *testing.T) {
	e := setupResolve(t)
	ctx := context.Background()
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "identify", "messageId": "m1", "userId": "u1", "anonymousId": "a1",
			"timestamp": "2026-12-02T09:00:00Z",
			"traits":    map[string]any{"email": " Ann@Example.COM ", "plan": "pro", "bio": strings.Repeat("x", 2000)},
			"context": map[string]any{"device": map[string]any{"id": "dev-1"},
				"externalIds": []any{map[string]any{"id": "H-9", "type": "hubspot_id", "collection": "users", "encoding": "none"}}}},
		map[string]any{"type": "track", "messageId": "m2", "anonymousId": "a1", "event": "Order Completed",
			"timestamp": "2026-12-02T09:05:00Z", "properties": map[string]any{"revenue": 12.50, "currency": "USD"}},
		map[string]any{"type": "alias", "messageId": "m3", "previousId": "a2", "userId": "u1",
			"timestamp": "2026-12-02T09:10:00Z"},
	}}))

	// The job's first transaction fails after the batch's identities were
	// resolved (committed on their own); running the job again counts
	// the batch once.
	var batch uuid.UUID
	select {
	case batch = <-e.failed:
	case <-time.After(20 * time.Second):
		t.Fatal("the batch job did not run")
	}
	_, err := e.cdp().ProcessBatch(ctx, e.tenant, batch) // the retry (River's own may race it: one of them counts)
	require.NoError(t, err)
	e.waitProcessed(t, e.tenant)

	check := func(events int64) *cdp.Profile {
		t.Helper()
		require.Equal(t, 1, e.liveProfiles(t, e.tenant))
		p := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u1"})
		require.Equal(t, []string{"USER_ID u1", "EXTERNAL_ID hubspot_id:H-9", "EMAIL ann@example.com",
			"DEVICE_ID dev-1", "ANONYMOUS_ID a1", "ANONYMOUS_ID a2"}, identifierStrings(p))
		require.Equal(t, events, p.Events)
		require.EqualValues(t, 1, p.Purchases)
		require.EqualValues(t, 12_500_000, p.RevenueMicros)
		require.Equal(t, cdp.StageCustomer, p.LifecycleStage)
		require.JSONEq(t, `" Ann@Example.COM "`, string(p.Traits["email"]))
		require.JSONEq(t, `"pro"`, string(p.Traits["plan"]))
		require.NotContains(t, p.Traits, "bio", "a trait value over MaxTraitValueBytes is dropped")
		require.Equal(t, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), p.FirstSeenAt.UTC())
		return p
	}
	p := check(3)
	require.Equal(t, time.Date(2026, 12, 2, 9, 10, 0, 0, time.UTC), p.LastSeenAt.UTC())
	for _, id := range []cdp.Identifier{{Type: cdp.IdentifierAnonymousID, Value: "a2"}, {Type: cdp.IdentifierEmail, Value: "ann@example.com"}} {
		require.Equal(t, p.ID, e.profileOf(t, e.tenant, id).ID)
	}

	// Running the job again changes nothing.
	done, err := e.cdp().ProcessBatch(ctx, e.tenant, batch)
	require.NoError(t, err)
	require.False(t, done)
	check(3)

	// Positive control: one more track, one more event; two identifies in
	// one batch sent out of order: the later event's trait wins.
	ok200(t, e.send(t, "track", e.key, map[string]any{"messageId": "m4", "userId": "u1", "event": "Viewed", "timestamp": "2026-12-02T09:20:00Z"}))
	e.waitProcessed(t, e.tenant)
	p = check(4)
	require.Equal(t, time.Date(2026, 12, 2, 9, 20, 0, 0, time.UTC), p.LastSeenAt.UTC())
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		map[string]any{"type": "identify", "messageId": "m6", "userId": "u1", "timestamp": "2026-12-02T09:40:00Z", "traits": map[string]any{"plan": "enterprise"}},
		map[string]any{"type": "identify", "messageId": "m5", "userId": "u1", "timestamp": "2026-12-02T09:30:00Z", "traits": map[string]any{"plan": "team"}},
	}}))
	e.waitProcessed(t, e.tenant)
	p = e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u1"})
	require.EqualValues(t, 6, p.Events)
	require.JSONEq(t, `"enterprise"`, string(p.Traits["plan"]))
}

func TestCDPBatchJobRefusesJunkIdentifiers(t *testing.T) {
	e := setupIngest(t)
	ok200(t, e.send(t, "batch", e.key, map[string]any{"batch": []any{
		// Junk anonymous id: the user id gets a profile, "undefined" is not linked.
		map[string]any{"type": "identify", "messageId": "j1", "userId": "u-j", "anonymousId": "undefined"},
		// Only junk: no profile at all.
		map[string]any{"type": "track", "messageId": "j2", "userId": "null", "event": "E"},
		// Positive control: a real anonymous id is linked.
		map[string]any{"type": "identify", "messageId": "j3", "userId": "u-ok", "anonymousId": "a-ok"},
	}}))
	e.waitProcessed(t, e.tenant)
	require.Equal(t, 2, e.liveProfiles(t, e.tenant))
	p := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u-j"})
	require.Equal(t, []string{"USER_ID u-j"}, identifierStrings(p))
	require.EqualValues(t, 1, p.Events)
	p = e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "u-ok"})
	require.Equal(t, []string{"USER_ID u-ok", "ANONYMOUS_ID a-ok"}, identifierStrings(p))
	var n int
	require.NoError(t, e.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT count(*) FROM cdp_identifiers WHERE value IN ('null', 'undefined')").Scan(ctx, &n)
	}))
	require.Zero(t, n)
}

func TestCDPBatchJobKeepsProfilesInTheirTenant(t *testing.T) {
	e := setupIngest(t)
	other := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "professional"})
	_, keyB := e.newSource(t, other, "Other")
	ok200(t, e.send(t, "identify", e.key, map[string]any{"messageId": "t1", "userId": "shared", "traits": map[string]any{"email": "a@example.com"}}))
	e.waitProcessed(t, e.tenant)
	require.Equal(t, 1, e.liveProfiles(t, e.tenant))
	require.Zero(t, e.liveProfiles(t, other))
	// Positive control: B's own batch with the same identifiers makes B's
	// own profile, not A's.
	ok200(t, e.send(t, "identify", keyB, map[string]any{"messageId": "t1", "userId": "shared"}))
	e.waitProcessed(t, other)
	require.Equal(t, 1, e.liveProfiles(t, other))
	a := e.profileOf(t, e.tenant, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "shared"})
	b := e.profileOf(t, other, cdp.Identifier{Type: cdp.IdentifierUserID, Value: "shared"})
	require.NotEqual(t, a.ID, b.ID)
	require.EqualValues(t, 1, a.Events)
	require.EqualValues(t, 1, b.Events)
	require.Equal(t, []string{"USER_ID shared"}, identifierStrings(b))
}
