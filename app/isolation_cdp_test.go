package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/testdb"
)

// sourceFixture is tenant A's CDP source.
type sourceFixture struct {
	source, prefix string // global ID, write key prefix
	key            string // the write key (a secret of A: a marker)
}

func (f *isoFixture) addSources(t *testing.T) {
	res := f.b.srv.Query(t, `mutation { createSource(input: {name: "alpha-source-secret"}) { source { id writeKeyPrefix } writeKey userErrors { code } } }`, nil, f.ownerA.H())
	require.Empty(t, res.Errors)
	require.Empty(t, field(t, res.Data, "createSource", "userErrors"))
	f.sources = &sourceFixture{source: str(field(t, res.Data, "createSource", "source", "id")),
		prefix: str(field(t, res.Data, "createSource", "source", "writeKeyPrefix")),
		key:    str(field(t, res.Data, "createSource", "writeKey"))}
	f.markers = append(f.markers, f.sources.source, f.sources.prefix, f.sources.key)
}

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.sources": {Query: `{ sources(first: 10) { totalCount edges { cursor node { id name enabled writeKeyPrefix rateLimitPerSecond received rejected lastEventAt createdAt simulated } } pageInfo { hasNextPage } } }`,
			Viewer: Allowed, Sees: strs("source")},
		// B's owner creates B's own source (none of A's shows, A is unchanged);
		// the control adds one to A and gets its key.
		"Mutation.createSource": {Query: `mutation { createSource(input: {name: "new source", rateLimitPerSecond: 50}) { source { id name enabled writeKeyPrefix rateLimitPerSecond } writeKey userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"writeKey":"stw_`, `"rateLimitPerSecond":50`}},
		"Mutation.setSourceEnabled": {Query: `mutation($s: ID!) { setSourceEnabled(input: {id: $s, enabled: false}) { source { id enabled } userErrors { code } } }`,
			Vars: vars("s", "source"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("source"), Changes: true,
			ControlHas: []string{`"enabled":false`}},
		"Mutation.setSourceRateLimit": {Query: `mutation($s: ID!) { setSourceRateLimit(input: {id: $s, rateLimitPerSecond: 7}) { source { id rateLimitPerSecond } userErrors { code } } }`,
			Vars: vars("s", "source"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("source"), Changes: true,
			ControlHas: []string{`"rateLimitPerSecond":7`}},
		"Mutation.rotateSourceWriteKey": {Query: `mutation($s: ID!) { rotateSourceWriteKey(input: {id: $s}) { source { id writeKeyPrefix } writeKey userErrors { code } } }`,
			Vars: vars("s", "source"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("source"), Changes: true,
			ControlHas: []string{`"writeKey":"stw_`}},
		// B's owner sending to A's source gets NOT_FOUND and writes nothing
		// (the snapshot counts A's events); the control stores A's event.
		"Mutation.trackEvents": {Query: `mutation($s: ID!) { trackEvents(input: {sourceId: $s, events: [{type: TRACK, userId: "alpha-user", event: "alpha-graphql-event"}]}) { accepted userErrors { field code } } }`,
			Vars: vars("s", "source"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true,
			ControlHas: []string{`"accepted":1`}},
		// A's event sent to A's source with A's write key: A's subscribers
		// of A's source receive it; B, subscribed with A's source id,
		// nothing.
		"Subscription.eventReceived": {Query: `subscription($s: ID!) { eventReceived(sourceId: $s) { receivedAt status messageId type name payload truncated error { field message } } }`,
			Vars: vars("s", "source"), Viewer: Allowed,
			Trigger: func(t *testing.T, f *isoFixture) {
				body, _ := json.Marshal(map[string]any{"type": "track", "userId": "alpha-user", "event": "alpha-debugger-event"})
				req, _ := http.NewRequest(http.MethodPost, f.b.srv.URL+"/v1/track", bytes.NewReader(body))
				req.SetBasicAuth(f.sources.key, "")
				res, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				res.Body.Close()
				require.Equal(t, http.StatusOK, res.StatusCode)
			},
			Sees: func(*isoFixture) []string { return []string{"alpha-debugger-event"} }},
	})
}

// TestWriteKeyOfOneTenantNeverWritesIntoAnother: whatever the body says,
// tenant A's write key lands events in A's source only; B's key in B's.
func TestWriteKeyOfOneTenantNeverWritesIntoAnother(t *testing.T) {
	e := setupIngest(t)
	b := testdb.MustInsertTenant(t, e.tdb.DB, testdb.Tenant{Plan: "professional"})
	srcB, keyB := e.newSource(t, b, "Beta site")
	// B already holds messageId "iso-1": A's event of that id is A's own.
	ok200(t, e.send(t, "track", keyB, track("iso-b", nil)))
	ok200(t, e.send(t, "track", keyB, track("iso-1", nil)))

	// A's key as the Basic username wins over a writeKey of B in the body.
	ok200(t, e.send(t, "track", e.key, map[string]any{"writeKey": keyB, "type": "track", "messageId": "iso-1", "userId": "u", "event": "E"}))
	ok200(t, e.send(t, "batch", e.key, map[string]any{"writeKey": keyB, "batch": []any{track("iso-2", nil), track("iso-3", nil)}}))
	ok200(t, e.send(t, "identify", "", map[string]any{"writeKey": e.key, "messageId": "iso-4", "userId": "u"}))

	a := e.byMessage(t, e.tenant)
	require.Len(t, a, 4) // positive control: A's events are in A
	for _, ev := range a {
		require.Equal(t, e.source.ID, ev.SourceID)
	}
	got := e.byMessage(t, b)
	require.Len(t, got, 2) // B's own two, nothing of A's
	for id, ev := range got {
		require.Contains(t, []string{"iso-b", "iso-1"}, id)
		require.Equal(t, srcB.ID, ev.SourceID)
	}
	// A's key cannot change, enable or read B's source either: the GraphQL
	// side is the isolation matrix; here, B's source stays enabled and
	// counts only B's events once the jobs have run.
	require.Eventually(t, func() bool {
		s, err := e.cdp().Source(context.Background(), b, srcB.ID)
		return err == nil && s.Received == 2
	}, 20e9, 10e6)
	s, err := e.cdp().Source(context.Background(), b, srcB.ID)
	require.NoError(t, err)
	require.True(t, s.Enabled)
	require.Equal(t, http.StatusOK, e.send(t, "track", keyB, track("iso-5", nil)).Status)
}
