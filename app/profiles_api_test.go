package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app"
	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// profileEnv is a workspace with profiles seeded through identity
// resolution (not through the ingest job).
type profileEnv struct {
	*ingestEnv
	h                   http.Header
	ann, bob, carl, dan uuid.UUID // dan is merged into ann
}

func setupProfiles(t *testing.T) *profileEnv {
	t.Helper()
	e := &profileEnv{ingestEnv: setupIngest(t)}
	e.h = http.Header{"X-Test-Tenant": {e.tenant.String()}}
	resolve := func(ids ...string) uuid.UUID {
		t.Helper()
		e.clock.Advance(time.Minute) // creation order decides the survivor
		var idents []cdp.Identifier
		for i := 0; i+1 < len(ids); i += 2 {
			idents = append(idents, cdp.Identifier{Type: cdp.IdentifierType(ids[i]), Value: ids[i+1]})
		}
		p, refused, err := cdp.NewIdentity(e.srv.App.DB).Resolve(context.Background(), e.tenant, idents, e.clock.Now())
		require.NoError(t, err)
		require.Empty(t, refused)
		return p
	}
	e.ann = resolve("USER_ID", "u-ann", "EMAIL", " Ann@Example.com ", "ANONYMOUS_ID", "a-ann")
	e.bob = resolve("ANONYMOUS_ID", "a-bob")
	e.carl = resolve("PHONE", "(650) 253-0000", "ANONYMOUS_ID", "a-carl")
	e.dan = resolve("ANONYMOUS_ID", "a-dan")
	require.Equal(t, e.ann, resolve("ANONYMOUS_ID", "a-dan", "USER_ID", "u-ann")) // dan merges into ann, the oldest
	return e
}

func (e *profileEnv) gid(id uuid.UUID) string { return relay.GlobalID(relay.TypeProfile, id) }

// profileIDs are the node ids of a profiles answer, in order.
func profileIDs(t *testing.T, data map[string]any) []string {
	t.Helper()
	var out []string
	for _, edge := range field(t, data, "profiles", "edges").([]any) {
		out = append(out, str(edge.(map[string]any)["node"].(map[string]any)["id"]))
	}
	return out
}

func TestProfilesListSearchAndPaging(t *testing.T) {
	t.Parallel()
	e := setupProfiles(t)
	q := `query($f: ProfileFilter, $n: Int, $a: String) { profiles(filter: $f, first: $n, after: $a) { totalCount
		pageInfo { hasNextPage endCursor } edges { cursor node { id lifecycleStage identities { type value } canonicalIdentity { type value } } } } }`
	list := func(f map[string]any, n int, after any) map[string]any {
		t.Helper()
		res := e.srv.Query(t, q, map[string]any{"f": f, "n": n, "a": after}, e.h)
		require.Empty(t, res.Errors)
		return res.Data
	}

	// Live profiles only, most recently seen first (ann was seen last, by
	// the merge), paged.
	d := list(nil, 2, nil)
	require.EqualValues(t, 3, field(t, d, "profiles", "totalCount"))
	require.Equal(t, []string{e.gid(e.ann), e.gid(e.carl)}, profileIDs(t, d))
	require.Equal(t, true, field(t, d, "profiles", "pageInfo", "hasNextPage"))
	d = list(nil, 2, field(t, d, "profiles", "pageInfo", "endCursor"))
	require.Equal(t, []string{e.gid(e.bob)}, profileIDs(t, d))
	require.Equal(t, false, field(t, d, "profiles", "pageInfo", "hasNextPage"))

	// Search by any identifier: e-mails and phones normalised first.
	d = list(map[string]any{"search": " Ann@Example.com "}, 10, nil)
	require.Equal(t, []string{e.gid(e.ann)}, profileIDs(t, d))
	node := field(t, d, "profiles", "edges").([]any)[0].(map[string]any)["node"].(map[string]any)
	require.Equal(t, "KNOWN", node["lifecycleStage"])
	require.Equal(t, map[string]any{"type": "USER_ID", "value": "u-ann"}, node["canonicalIdentity"])
	require.Equal(t, []any{
		map[string]any{"type": "USER_ID", "value": "u-ann"},
		map[string]any{"type": "EMAIL", "value": "ann@example.com"},
		map[string]any{"type": "ANONYMOUS_ID", "value": "a-ann"},
		map[string]any{"type": "ANONYMOUS_ID", "value": "a-dan"},
	}, node["identities"])
	require.Equal(t, []string{e.gid(e.ann)}, profileIDs(t, list(map[string]any{"search": "a-dan"}, 10, nil))) // moved by the merge
	require.Equal(t, []string{e.gid(e.carl)}, profileIDs(t, list(map[string]any{"search": "+1 650-253-0000"}, 10, nil)))
	require.Empty(t, profileIDs(t, list(map[string]any{"search": "nobody@example.com"}, 10, nil)))
	require.Empty(t, profileIDs(t, list(map[string]any{"search": "A-DAN"}, 10, nil))) // other values match exactly
	d = list(map[string]any{"search": "ann@example.com", "lifecycleStage": "ANONYMOUS"}, 10, nil)
	require.EqualValues(t, 0, field(t, d, "profiles", "totalCount")) // all conditions hold

	// Filters.
	require.Equal(t, []string{e.gid(e.ann), e.gid(e.carl)}, profileIDs(t, list(map[string]any{"lifecycleStage": "KNOWN"}, 10, nil)))
	require.Equal(t, []string{e.gid(e.bob)}, profileIDs(t, list(map[string]any{"lifecycleStage": "ANONYMOUS"}, 10, nil)))
	require.Equal(t, []string{e.gid(e.carl)}, profileIDs(t, list(map[string]any{"hasIdentifier": "PHONE"}, 10, nil)))

	// Bounds: BAD_USER_INPUT naming the argument.
	for _, c := range []struct {
		vars  map[string]any
		field []any
	}{
		{map[string]any{"f": map[string]any{"search": strings.Repeat("x", 201)}, "n": 10}, []any{"filter", "search"}},
		{map[string]any{"f": map[string]any{"search": "  "}, "n": 10}, []any{"filter", "search"}},
		{map[string]any{"n": 101}, []any{"first"}},
		{map[string]any{"n": 10, "a": "nope"}, []any{"after"}},
	} {
		res := e.srv.Query(t, q, c.vars, e.h)
		require.Equal(t, "BAD_USER_INPUT", res.Code(), "%v", c.vars)
		require.Equal(t, c.field, res.Errors[0].Extensions["field"], "%v", c.vars)
	}
}

func TestProfileFollowsMergesAndShowsHistory(t *testing.T) {
	t.Parallel()
	e := setupProfiles(t)
	q := `query($id: ID!) { profile(id: $id) { id firstSeenAt lastSeenAt traits { key value }
		counters { eventCount sessionCount purchaseCount revenue revenueMicros }
		mergeHistory { survivorId absorbedId at undone undoneAt } refusedLinks { identity { type value } linkedTo { type value } reason detail at } } }`
	// An absorbed profile's id answers its survivor, as node(id:) does.
	for _, id := range []uuid.UUID{e.ann, e.dan} {
		res := e.srv.Query(t, q, map[string]any{"id": e.gid(id)}, e.h)
		require.Empty(t, res.Errors)
		require.Equal(t, e.gid(e.ann), field(t, res.Data, "profile", "id"))
		require.Equal(t, []any{map[string]any{"survivorId": e.gid(e.ann), "absorbedId": e.gid(e.dan),
			"at": "2026-12-02T10:05:00Z", "undone": false, "undoneAt": nil}}, field(t, res.Data, "profile", "mergeHistory"))
		require.Equal(t, "2026-12-02T10:01:00Z", field(t, res.Data, "profile", "firstSeenAt"))
		require.Equal(t, "2026-12-02T10:05:00Z", field(t, res.Data, "profile", "lastSeenAt"))
		require.Equal(t, []any{}, field(t, res.Data, "profile", "refusedLinks"))
		require.Equal(t, "0", field(t, res.Data, "profile", "counters", "revenueMicros"))

		res = e.srv.Query(t, `query($id: ID!) { node(id: $id) { id ... on Profile { identities { value } } } }`, map[string]any{"id": e.gid(id)}, e.h)
		require.Empty(t, res.Errors)
		require.Equal(t, e.gid(e.ann), field(t, res.Data, "node", "id"))
	}
	// Unknown: null; not a profile id: BAD_USER_INPUT.
	res := e.srv.Query(t, q, map[string]any{"id": e.gid(uuid.New())}, e.h)
	require.Empty(t, res.Errors)
	require.Nil(t, res.Data["profile"])
	res = e.srv.Query(t, q, map[string]any{"id": relay.GlobalID(relay.TypeSource, e.ann)}, e.h)
	require.Equal(t, "BAD_USER_INPUT", res.Code())

	// A second USER_ID linked to ann's e-mail: one USER_ID per profile, so
	// the weaker e-mail gives way (stays on ann), and the refusal shows on ann.
	_, refused, err := cdp.NewIdentity(e.srv.App.DB).Resolve(context.Background(), e.tenant,
		[]cdp.Identifier{{Type: cdp.IdentifierEmail, Value: "ann@example.com"}, {Type: cdp.IdentifierUserID, Value: "u-other"}}, e.clock.Now())
	require.NoError(t, err)
	require.NotEmpty(t, refused)
	res = e.srv.Query(t, q, map[string]any{"id": e.gid(e.ann)}, e.h)
	require.Empty(t, res.Errors)
	links := field(t, res.Data, "profile", "refusedLinks").([]any)
	require.Len(t, links, 1)
	require.Equal(t, map[string]any{"type": "EMAIL", "value": "ann@example.com"}, links[0].(map[string]any)["identity"])
	require.Equal(t, map[string]any{"type": "USER_ID", "value": "u-other"}, links[0].(map[string]any)["linkedTo"])
	require.Equal(t, "TYPE_LIMIT", links[0].(map[string]any)["reason"])

	// The cdp flag gates profile, and node(id:) answers null without it.
	off := false
	_, err = e.srv.App.Services.Billing.SetFlag(context.Background(), billing.Operator{Email: "ops@test"},
		billing.FlagChange{Tenant: e.tenant, Flag: "cdp", Enabled: &off, Reason: "profiles test"})
	require.NoError(t, err)
	res = e.srv.Query(t, q, map[string]any{"id": e.gid(e.ann)}, e.h)
	require.Equal(t, "FEATURE_DISABLED", res.Code())
	res = e.srv.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": e.gid(e.ann)}, e.h)
	require.Empty(t, res.Errors)
	require.Nil(t, res.Data["node"])
	starter := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "starter"})
	res = e.srv.Query(t, `{ profiles { totalCount } }`, nil, http.Header{"X-Test-Tenant": {starter.String()}})
	require.Equal(t, "FEATURE_DISABLED", res.Code())
}

func TestProfileEventsTimeline(t *testing.T) {
	t.Parallel()
	e := setupProfiles(t)
	send := func(id string, body map[string]any) {
		t.Helper()
		e.clock.Advance(time.Second)
		body["messageId"] = id
		ok200(t, e.send(t, "track", e.key, body))
	}
	send("ev-1", map[string]any{"userId": "u-ann", "event": "Signed Up", "properties": map[string]any{"plan": "pro"}})
	send("ev-2", map[string]any{"anonymousId": "a-bob", "event": "Signed Up"}) // bob's: never ann's
	send("ev-3", map[string]any{"anonymousId": "a-dan", "event": "Viewed"})    // dan's, merged into ann
	send("ev-4", map[string]any{"userId": "u-ann", "event": "Signed Up"})
	send("ev-5", map[string]any{"anonymousId": "a-ann", "event": "Viewed"})
	require.NoError(t, e.cdp().MaterialiseStaged(context.Background(), e.tenant)) // as the batch jobs do (ADR 0026)

	q := `query($id: ID!, $n: Int, $a: String, $t: EventType, $name: String) { profile(id: $id) { events(first: $n, after: $a, type: $t, name: $name) {
		pageInfo { hasNextPage endCursor } edges { node { messageId type name timestamp receivedAt properties { key value } source { id name } } } } } }`
	events := func(vars map[string]any) ([]string, map[string]any) {
		t.Helper()
		vars["id"] = e.gid(e.ann)
		res := e.srv.Query(t, q, vars, e.h)
		require.Empty(t, res.Errors)
		var ids []string
		for _, edge := range field(t, res.Data, "profile", "events", "edges").([]any) {
			ids = append(ids, str(edge.(map[string]any)["node"].(map[string]any)["messageId"]))
		}
		return ids, res.Data
	}
	ids, d := events(map[string]any{"n": 2})
	require.Equal(t, []string{"ev-5", "ev-4"}, ids)
	require.Equal(t, true, field(t, d, "profile", "events", "pageInfo", "hasNextPage"))
	ids, d = events(map[string]any{"n": 2, "a": field(t, d, "profile", "events", "pageInfo", "endCursor")})
	require.Equal(t, []string{"ev-3", "ev-1"}, ids)
	require.Equal(t, false, field(t, d, "profile", "events", "pageInfo", "hasNextPage"))
	last := field(t, d, "profile", "events", "edges").([]any)[1].(map[string]any)["node"].(map[string]any)
	require.Equal(t, "TRACK", last["type"])
	require.Equal(t, "Signed Up", last["name"])
	require.Equal(t, []any{map[string]any{"key": "plan", "value": `"pro"`}}, last["properties"])
	require.Equal(t, map[string]any{"id": relay.GlobalID(relay.TypeSource, e.source.ID), "name": "Website"}, last["source"])
	require.NotEmpty(t, last["timestamp"])
	require.NotEmpty(t, last["receivedAt"])

	ids, _ = events(map[string]any{"n": 10, "name": "Signed Up"})
	require.Equal(t, []string{"ev-4", "ev-1"}, ids)
	ids, _ = events(map[string]any{"n": 10, "t": "IDENTIFY"})
	require.Empty(t, ids)
	ids, _ = events(map[string]any{"n": 10, "t": "TRACK"})
	require.Equal(t, []string{"ev-5", "ev-4", "ev-3", "ev-1"}, ids)

	// Bob's timeline has his event only.
	res := e.srv.Query(t, q, map[string]any{"id": e.gid(e.bob), "n": 10}, e.h)
	require.Empty(t, res.Errors)
	require.Len(t, field(t, res.Data, "profile", "events", "edges"), 1)

	for _, c := range []struct {
		vars  map[string]any
		field string
	}{{map[string]any{"n": 101}, "first"}, {map[string]any{"a": "bad"}, "after"}, {map[string]any{"name": strings.Repeat("n", 201)}, "name"}} {
		c.vars["id"] = e.gid(e.ann)
		res := e.srv.Query(t, q, c.vars, e.h)
		require.Equal(t, "BAD_USER_INPUT", res.Code(), "%v", c.vars)
		require.Equal(t, []any{c.field}, res.Errors[0].Extensions["field"], "%v", c.vars)
	}
}

// A page of 20 profiles with their identities, canonical identity, traits,
// counters, computed traits and RFM scores costs the statements of a page
// of one (the fewest of three runs each: the computed traits and scores
// go through per-request dataloaders, which batch what arrives within
// their window, and a request may also pay the revocation poll when due).
func TestProfilesPageCostsWhatOneProfileCosts(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	counter := &txCounter{begins: map[string]int{}, stmt: map[string]int{}}
	srv := apptest.Start(t, apptest.Config(t, tdb, nil), withHeaderAuth, func(a *app.App) { a.DB.Bun.AddQueryHook(counter) })
	tenant := testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Plan: "professional"})
	ctx := context.Background()
	for i := range 20 {
		_, _, err := cdp.NewIdentity(srv.App.DB).Resolve(ctx, tenant, []cdp.Identifier{
			{Type: cdp.IdentifierEmail, Value: fmt.Sprintf("p%d@example.com", i)}, {Type: cdp.IdentifierAnonymousID, Value: fmt.Sprintf("a-%d", i)}},
			srv.App.DB.Now(ctx))
		require.NoError(t, err)
	}
	run := func(reqID string, n int) {
		h := tenantHeader(tenant)
		h.Set("X-Request-Id", reqID)
		res := srv.Query(t, `query($n: Int) { profiles(first: $n) { totalCount edges { node { id identities { type value }
			canonicalIdentity { value } traits { key } lifecycleStage counters { eventCount } computedTraits { name } rfm { segment } } } } }`,
			map[string]any{"n": n}, h)
		require.Empty(t, res.Errors)
		edges := field(t, res.Data, "profiles", "edges").([]any)
		require.Len(t, edges, n)
		for _, e := range edges {
			require.Len(t, field(t, e.(map[string]any), "node", "identities"), 2)
		}
	}
	run("profiles-warm", 1) // the first request also fills caches (entitlements)
	fewest := func(id string, n int) int {
		least := 0
		for i := range 3 {
			rid := fmt.Sprintf("%s-%d", id, i)
			run(rid, n)
			if _, c := counter.counts(rid); i == 0 || c < least {
				least = c
			}
		}
		return least
	}
	one, twenty := fewest("profiles-one", 1), fewest("profiles-twenty", 20)
	require.Positive(t, one)
	require.Equal(t, one, twenty, "statements do not grow with the page")
}
