package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/relay"
)

// trackEventsEnv is a signed-up tenant on Professional (cdp flag) with one
// source created through GraphQL, and a second tenant.
type trackEventsEnv struct {
	b               *idBundle
	ing             *ingestEnv // its send, events and byMessage helpers
	owner, other    session
	tenant, tenant2 uuid.UUID
	source          string // global ID
	sourceID        uuid.UUID
	writeKey        string
}

func setupTrackEvents(t *testing.T) *trackEventsEnv {
	t.Helper()
	b := setupIdentity(t, nil)
	e := &trackEventsEnv{b: b, ing: &ingestEnv{srv: b.srv, tdb: b.tdb}}
	e.owner = b.signUp(t, "owner@alpha.test", "Alpha")
	e.other = b.signUp(t, "owner@beta.test", "Beta")
	for _, s := range []session{e.owner, e.other} {
		_, tenant, err := relay.ParseGlobalID(s.TenantID)
		require.NoError(t, err)
		conn, err := pgx.Connect(context.Background(), b.tdb.OwnerURL)
		require.NoError(t, err)
		_, err = conn.Exec(context.Background(), `UPDATE tenant_billing SET plan = 'professional' WHERE tenant_id = $1`, tenant)
		conn.Close(context.Background())
		require.NoError(t, err)
		if s == e.owner {
			e.tenant = tenant
		} else {
			e.tenant2 = tenant
		}
	}
	res := b.srv.Query(t, `mutation { createSource(input: {name: "Partner"}) { source { id } writeKey userErrors { code } } }`, nil, e.owner.H())
	require.Empty(t, res.Errors)
	e.source = str(field(t, res.Data, "createSource", "source", "id"))
	e.writeKey = str(field(t, res.Data, "createSource", "writeKey"))
	_, id, err := relay.ParseGlobalID(e.source)
	require.NoError(t, err)
	e.sourceID = id
	return e
}

const trackEventsOp = `mutation($s: ID!, $ev: [TrackEventInput!]!) { trackEvents(input: {sourceId: $s, events: $ev}) { accepted userErrors { field message code } } }`

// trackEvents calls the mutation with h's credential.
func (e *trackEventsEnv) trackEvents(t *testing.T, h http.Header, source string, events ...map[string]any) (accepted int, userErrors []any, code string) {
	t.Helper()
	res := e.b.srv.Query(t, trackEventsOp, map[string]any{"s": source, "ev": events}, h)
	if len(res.Errors) > 0 {
		return 0, nil, res.Code()
	}
	n, _ := field(t, res.Data, "trackEvents", "accepted").(float64)
	ue, _ := field(t, res.Data, "trackEvents", "userErrors").([]any)
	return int(n), ue, ""
}

func gqlTrack(id string) map[string]any {
	return map[string]any{"type": "TRACK", "messageId": id, "userId": "u-1", "event": "Order Completed", "properties": `{"revenue": 12.5}`}
}

func TestTrackEventsStoresAndDeduplicatesWithTheTrackingAPI(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	// The tracking API stores m-1 first; trackEvents repeats it.
	ok200(t, e.ing.send(t, "track", e.writeKey, track("m-1", map[string]any{"revenue": 1})))
	n, ue, code := e.trackEvents(t, e.owner.H(), e.source, gqlTrack("m-1"), gqlTrack("m-2"),
		map[string]any{"type": "IDENTIFY", "messageId": "m-3", "userId": "u-1", "traits": `{"email": "a@b.test"}`,
			"timestamp": "2026-12-01T10:00:00Z", "sentAt": "2026-12-01T10:00:00Z"})
	require.Empty(t, code)
	require.Empty(t, ue)
	require.Equal(t, 3, n)
	// And the tracking API repeats m-2 of trackEvents.
	ok200(t, e.ing.send(t, "track", e.writeKey, track("m-2", nil)))

	got := e.ing.byMessage(t, e.tenant) // fails on a messageId stored twice
	require.Len(t, got, 3)
	require.Equal(t, `{"revenue": 1}`, *got["m-1"].Properties, "the first copy stays")
	require.Equal(t, `{"revenue": 12.5}`, *got["m-2"].Properties)
	require.Equal(t, "Order Completed", *got["m-2"].Event)
	require.Equal(t, e.sourceID, got["m-2"].SourceID)
	require.Equal(t, "identify", got["m-3"].Type)
	require.Equal(t, `{"email": "a@b.test"}`, *got["m-3"].Traits)
	require.NotNil(t, got["m-3"].SentAt)
}

func TestTrackEventsRefusesAnInvalidEventAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	bad := gqlTrack("b-4")
	bad["properties"] = `[1, 2]`
	n, ue, code := e.trackEvents(t, e.owner.H(), e.source, gqlTrack("b-1"), gqlTrack("b-2"), gqlTrack("b-3"), bad)
	require.Empty(t, code)
	require.Len(t, ue, 1)
	u := ue[0].(map[string]any)
	require.Equal(t, []any{"input", "events", "3", "properties"}, u["field"])
	require.Equal(t, "BAD_USER_INPUT", u["code"])
	require.Contains(t, u["message"], "must be an object")
	require.Zero(t, n)
	require.Empty(t, e.ing.events(t, e.tenant))

	// Text that is not JSON, and a rule of the spec (a track call needs an
	// event name), are refused at their paths too.
	notJSON := gqlTrack("b-5")
	notJSON["context"] = `{"ip": `
	_, ue, _ = e.trackEvents(t, e.owner.H(), e.source, gqlTrack("b-1"), notJSON)
	require.Equal(t, []any{"input", "events", "1", "context"}, ue[0].(map[string]any)["field"])
	noName := gqlTrack("b-6")
	delete(noName, "event")
	_, ue, _ = e.trackEvents(t, e.owner.H(), e.source, noName)
	require.Equal(t, []any{"input", "events", "0", "event"}, ue[0].(map[string]any)["field"])
	// An event over 32 KB.
	big := gqlTrack("b-7")
	big["properties"] = `{"x": "` + strings.Repeat("a", 33*1024) + `"}`
	_, ue, _ = e.trackEvents(t, e.owner.H(), e.source, big)
	require.Equal(t, []any{"input", "events", "0", "properties"}, ue[0].(map[string]any)["field"])
	require.Empty(t, e.ing.events(t, e.tenant))

	// Positive control: the same batch with the event fixed is stored whole.
	bad["properties"] = `{"ok": true}`
	n, ue, code = e.trackEvents(t, e.owner.H(), e.source, gqlTrack("b-1"), gqlTrack("b-2"), gqlTrack("b-3"), bad)
	require.Empty(t, code)
	require.Empty(t, ue)
	require.Equal(t, 4, n)
	require.Len(t, e.ing.byMessage(t, e.tenant), 4)
}

func TestTrackEventsBoundsTheCall(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	many := make([]map[string]any, 501)
	for i := range many {
		many[i] = gqlTrack(uuid.NewString())
	}
	_, ue, code := e.trackEvents(t, e.owner.H(), e.source, many...)
	require.Empty(t, code)
	require.Equal(t, []any{"input", "events"}, ue[0].(map[string]any)["field"])
	// 20 events of about 30 KB: each under 32 KB, together over 500 KB.
	heavy := make([]map[string]any, 20)
	for i := range heavy {
		heavy[i] = gqlTrack(uuid.NewString())
		heavy[i]["properties"] = `{"x": "` + strings.Repeat("a", 30*1024) + `"}`
	}
	_, ue, _ = e.trackEvents(t, e.owner.H(), e.source, heavy...)
	require.Equal(t, []any{"input", "events"}, ue[0].(map[string]any)["field"])
	require.Empty(t, e.ing.events(t, e.tenant))
	// Positive control: 500 events and 16 heavy ones (under 500 KB) pass.
	n, ue, _ := e.trackEvents(t, e.owner.H(), e.source, many[:500]...)
	require.Empty(t, ue)
	require.Equal(t, 500, n)
	n, ue, _ = e.trackEvents(t, e.owner.H(), e.source, heavy[:16]...)
	require.Empty(t, ue)
	require.Equal(t, 16, n)
}

func TestTrackEventsSourceOfAnotherTenantOrDisabled(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	// Tenant 2's owner names tenant 1's source: NOT_FOUND, nothing written
	// anywhere.
	_, ue, code := e.trackEvents(t, e.other.H(), e.source, gqlTrack("x-1"))
	require.Empty(t, code)
	u := ue[0].(map[string]any)
	require.Equal(t, "NOT_FOUND", u["code"])
	require.Equal(t, []any{"input", "sourceId"}, u["field"])
	require.Empty(t, e.ing.events(t, e.tenant))
	require.Empty(t, e.ing.events(t, e.tenant2))
	// A malformed id is a userError too.
	_, ue, _ = e.trackEvents(t, e.owner.H(), "not-an-id", gqlTrack("x-1"))
	require.Equal(t, []any{"input", "sourceId"}, ue[0].(map[string]any)["field"])

	// Positive control: the owner's own call is stored, in its tenant only.
	n, ue, _ := e.trackEvents(t, e.owner.H(), e.source, gqlTrack("x-1"))
	require.Empty(t, ue)
	require.Equal(t, 1, n)
	require.Len(t, e.ing.events(t, e.tenant), 1)
	require.Empty(t, e.ing.events(t, e.tenant2))

	// A disabled source refuses.
	res := e.b.srv.Query(t, `mutation($s: ID!) { setSourceEnabled(input: {id: $s, enabled: false}) { userErrors { code } } }`, map[string]any{"s": e.source}, e.owner.H())
	require.Empty(t, res.Errors)
	_, ue, _ = e.trackEvents(t, e.owner.H(), e.source, gqlTrack("x-2"))
	require.Equal(t, "FORBIDDEN", ue[0].(map[string]any)["code"])
	require.Len(t, e.ing.events(t, e.tenant), 1)
}

func TestTrackEventsWithAnIngestKey(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	key := func(scope string) http.Header {
		res := e.b.srv.Query(t, `mutation { createApiKey(input: {name: "partner", scopes: [`+scope+`]}) { secret } }`, nil, e.owner.H())
		require.Empty(t, res.Errors)
		return bearer(str(field(t, res.Data, "createApiKey", "secret")))
	}
	read, ingest := key("READ"), key("INGEST")
	_, _, code := e.trackEvents(t, read, e.source, gqlTrack("k-1"))
	require.Equal(t, "FORBIDDEN", code)
	require.Empty(t, e.ing.events(t, e.tenant))
	n, ue, code := e.trackEvents(t, ingest, e.source, gqlTrack("k-1"))
	require.Empty(t, code)
	require.Empty(t, ue)
	require.Equal(t, 1, n)
	require.Len(t, e.ing.events(t, e.tenant), 1)
}

// The monthly events limit answers THROTTLED naming the limit, as the
// tracking API's 429 does (the per-second rate limit is the same check,
// cdp's limiter, on both paths: TestTrackingAPIRateLimit).
func TestTrackEventsMonthlyEventsLimit(t *testing.T) {
	t.Parallel()
	e := setupTrackEvents(t)
	max := billing.Limits()[1].Of(billing.Professional)
	require.NoError(t, e.b.tdb.DB.InTenant(context.Background(), e.tenant, func(ctx context.Context, tx bun.Tx) error {
		return e.b.srv.App.Services.Billing.ReserveTx(ctx, tx, e.tenant, billing.MonthlyEvents, max-1)
	}))
	res := e.b.srv.Query(t, trackEventsOp, map[string]any{"s": e.source, "ev": []any{gqlTrack("l-1"), gqlTrack("l-2")}}, e.owner.H())
	require.Equal(t, "THROTTLED", res.Code())
	require.Contains(t, mustJSON(res.Errors), "monthly_ingested_events")
	require.Empty(t, e.ing.events(t, e.tenant))
	// Positive control: the one event left fits.
	n, ue, code := e.trackEvents(t, e.owner.H(), e.source, gqlTrack("l-1"))
	require.Empty(t, code)
	require.Empty(t, ue)
	require.Equal(t, 1, n)
	require.Len(t, e.ing.events(t, e.tenant), 1)
}
