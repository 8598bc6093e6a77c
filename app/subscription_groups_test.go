package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/internal/wstest"
)

const groupedDoc = `subscription { autopilotModeChanged { autopilotMode killSwitch } }`

// groupsAre waits until the server runs groups groups holding members
// subscribers, over hub hub subscriptions.
func (b *idBundle) groupsAre(t *testing.T, groups, members, hub int) {
	t.Helper()
	g := b.srv.App.SubscriptionGroups
	require.Eventually(t, func() bool {
		return g.Groups() == groups && g.Members() == members && b.srv.App.Hub.Subscribers() == hub
	}, 10*time.Second, 10*time.Millisecond, "want %d groups / %d members / %d hub subscriptions, have %d / %d / %d",
		groups, members, hub, g.Groups(), g.Members(), b.srv.App.Hub.Subscribers())
}

func (b *idBundle) setKillSwitch(t *testing.T, s session, on bool) {
	t.Helper()
	res := b.srv.Query(t, `mutation($on: Boolean!) { setKillSwitch(input: {enabled: $on}) { trustGate { killSwitch } } }`, map[string]any{"on": on}, s.H())
	require.Empty(t, res.Errors)
}

// dataOf is the data member of a response payload.
func dataOf(t *testing.T, payload string) string {
	t.Helper()
	var r struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(payload), &r), payload)
	return string(r.Data)
}

// nextPayload reads r until a next (or data) message and returns its payload.
func nextPayload(t *testing.T, read func(time.Duration) (wstest.Message, error)) string {
	t.Helper()
	for {
		m, err := read(10 * time.Second)
		require.NoError(t, err)
		require.NotEqual(t, "error", m.Type, "%s", m.Payload)
		if m.Type == "next" || m.Type == "data" {
			return string(m.Payload)
		}
	}
}

// streamGoroutines counts this process's goroutines running a group's
// execution, a hub subscription's event loop or a websocket operation.
func streamGoroutines() int {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
	n := 0
	for _, g := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(g, "gqlserver.(*SubscriptionGroups).pump") || strings.Contains(g, "internal/subscription.Subscribe") ||
			strings.Contains(g, "transport.(*wsConnection).subscribe") {
			n++
		}
	}
	return n
}

// TestSubscriptionGroupsShareOneExecution: equal subscribers — the same
// user on graphql-transport-ws, legacy graphql-ws and SSE — form one group
// with one hub subscription, and every member receives each event, the
// same bytes, once; a different selection is another group. When they all
// leave, the groups, the members, the hub subscriptions and the
// goroutines they held are gone.
func TestSubscriptionGroupsShareOneExecution(t *testing.T) {
	b := setupIdentity(t, nil)
	s := b.signUp(t, "groups@acme.test", "Acme")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := wstest.Dial(t, ctx, b.srv.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(map[string]any{"Authorization": "Bearer " + s.Access})
	ws.Subscribe("1", groupedDoc, nil)
	legacy := wstest.Dial(t, ctx, b.srv.URL+"/graphql", wstest.LegacyWS, nil)
	legacy.Init(map[string]any{"Authorization": "Bearer " + s.Access})
	legacy.Subscribe("a", groupedDoc, nil)
	sse := wstest.DialSSE(t, ctx, b.srv.URL+"/graphql", groupedDoc, nil, s.H())
	b.groupsAre(t, 1, 3, 1)

	// Another selection of the same field: its own group.
	ws.Subscribe("2", `subscription { autopilotModeChanged { killSwitch } }`, nil)
	b.groupsAre(t, 2, 4, 2)

	b.setKillSwitch(t, s, true)
	got := map[string]string{}
	for len(got) < 2 {
		m, err := ws.Read(10 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "next", m.Type, "%s", m.Payload)
		_, dup := got[m.ID]
		require.False(t, dup, "operation %s received the event twice", m.ID)
		got[m.ID] = string(m.Payload)
	}
	require.JSONEq(t, `{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":true}}`, dataOf(t, got["1"]))
	require.JSONEq(t, `{"autopilotModeChanged":{"killSwitch":true}}`, dataOf(t, got["2"]))
	require.JSONEq(t, dataOf(t, got["1"]), dataOf(t, nextPayload(t, legacy.Read)), "legacy graphql-ws gets the group's response")
	require.JSONEq(t, dataOf(t, got["1"]), dataOf(t, nextPayload(t, sse.Read)), "SSE gets the group's response")

	// One event, one delivery each: the next thing each member sees is
	// the second event, not a repeat of the first.
	b.setKillSwitch(t, s, false)
	require.Contains(t, nextPayload(t, legacy.Read), `"killSwitch":false`)
	require.Contains(t, nextPayload(t, sse.Read), `"killSwitch":false`)

	// A burst: every member gets every event intact and in order (the
	// group's responses outlive gqlgen's reused marshalling buffer).
	for i := range 6 {
		b.setKillSwitch(t, s, i%2 == 0)
	}
	for name, read := range map[string]func(time.Duration) (wstest.Message, error){"legacy": legacy.Read, "sse": sse.Read} {
		for i := range 6 {
			want := fmt.Sprintf(`{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":%t}}`, i%2 == 0)
			require.JSONEq(t, want, dataOf(t, nextPayload(t, read)), "%s, event %d of the burst", name, i)
		}
	}

	// A member leaving keeps the group for the others.
	ws.Send(wstest.Message{ID: "1", Type: "complete"})
	b.groupsAre(t, 2, 3, 2)
	b.setKillSwitch(t, s, true)
	require.Contains(t, nextPayload(t, legacy.Read), `"killSwitch":true`)

	require.NotZero(t, streamGoroutines(), "positive control: the streams' goroutines are counted")
	legacy.C.Close(websocket.StatusNormalClosure, "")
	sse.Close()
	ws.C.Close(websocket.StatusNormalClosure, "")
	b.groupsAre(t, 0, 0, 0)
	require.Eventually(t, func() bool { return streamGoroutines() == 0 }, 10*time.Second, 20*time.Millisecond,
		"goroutines of groups, subscriptions or websocket operations left: %d", streamGoroutines())
}

// TestSubscriptionGroupsSplitByPermission: the same document asked by an
// owner, a viewer, an API key with READ and one without runs in one group
// per effective permission; the key without READ is refused and never
// receives the data the others do; a member whose role is lowered
// mid-stream is closed (4403) while the others keep receiving.
func TestSubscriptionGroupsSplitByPermission(t *testing.T) {
	b := setupIdentity(t, nil)
	owner := b.signUp(t, "owner@acme.test", "Acme")
	admin := b.invite(t, owner, "admin@acme.test", "ADMIN")
	viewer := b.invite(t, owner, "viewer@acme.test", "VIEWER")
	key := func(scope string) string {
		res := b.srv.Query(t, `mutation { createApiKey(input: {name: "k`+scope+`", scopes: [`+scope+`]}) { secret } }`, nil, owner.H())
		require.Empty(t, res.Errors)
		return str(field(t, res.Data, "createApiKey", "secret"))
	}
	readKey, writeKey := key("READ"), key("WRITE")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(token string) *wstest.Conn {
		c := wstest.Dial(t, ctx, b.srv.URL+"/graphql", wstest.TransportWS, nil)
		c.Init(map[string]any{"Authorization": "Bearer " + token})
		c.Subscribe("1", groupedDoc, nil)
		return c
	}
	socks := map[string]*wstest.Conn{}
	for name, tok := range map[string]string{"owner": owner.Access, "owner2": owner.Access, "admin": admin.Access,
		"viewer": viewer.Access, "read key": readKey, "write key": writeKey} {
		socks[name] = dial(tok)
	}
	// The key without READ is refused before any group; the others: owner
	// (two sockets, one group), admin, viewer, read key.
	m, err := socks["write key"].Read(10 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "next", m.Type, "%s", m.Payload)
	require.Contains(t, string(m.Payload), "FORBIDDEN")
	require.Equal(t, "null", dataOf(t, string(m.Payload)))
	socks["write key"].Expect("complete", 10*time.Second)
	b.groupsAre(t, 4, 5, 4)

	b.setKillSwitch(t, owner, true)
	for _, name := range []string{"owner", "owner2", "admin", "viewer", "read key"} {
		require.Contains(t, nextPayload(t, socks[name].Read), `"killSwitch":true`, name)
	}
	// The others have the event; the refused key's socket has nothing
	// before the answer to a ping sent now.
	socks["write key"].SendRaw(`{"type":"ping"}`)
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	_, raw, err := socks["write key"].C.Read(rctx) // wstest's Read skips pongs
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"pong"}`, string(raw), "the key without READ receives nothing")

	// The admin is lowered to viewer: its stream ends (4403); the others
	// keep receiving.
	res := b.srv.Query(t, `{ members(first: 10) { edges { node { id user { email } } } } }`, nil, owner.H())
	require.Empty(t, res.Errors)
	var adminID string
	for _, e := range field(t, res.Data, "members", "edges").([]any) {
		n := e.(map[string]any)["node"].(map[string]any)
		if n["user"].(map[string]any)["email"] == "admin@acme.test" {
			adminID = str(n["id"])
		}
	}
	require.NotEmpty(t, adminID)
	res = b.srv.Query(t, `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { userErrors { message } } }`,
		map[string]any{"i": map[string]any{"memberId": adminID, "role": "VIEWER"}}, owner.H())
	require.Empty(t, res.Errors)
	code, reason := socks["admin"].CloseStatus(10 * time.Second)
	require.Equal(t, websocket.StatusCode(4403), code, reason)
	b.groupsAre(t, 3, 4, 3)
	b.setKillSwitch(t, owner, false)
	for _, name := range []string{"owner", "owner2", "viewer", "read key"} {
		require.Contains(t, nextPayload(t, socks[name].Read), `"killSwitch":false`, name)
	}
}

// userSpecific are the types whose fields resolve differently for two
// users of equal role in one tenant: the caller itself (Viewer) and a
// privacy request's download link, given to its requester only.
var userSpecific = map[string]bool{"Viewer": true, "PrivacyRequest": true}

// TestSubscriptionPayloadsAreNotUserSpecific keeps grouping by permission
// (not by user) sound: no subscription field's payload reaches a type
// whose fields depend on which user asks. Adding one must either key its
// groups by user (resolvers.SubscriptionGroupKey) or not group it
// (SubscriptionGroups.Ungrouped).
func TestSubscriptionPayloadsAreNotUserSpecific(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	reach := map[string]string{} // type → the path that reached it
	var walk func(typ, path string)
	walk = func(typ, path string) {
		if _, ok := reach[typ]; ok {
			return
		}
		reach[typ] = path
		def := s.Types[typ]
		if def == nil {
			return
		}
		for _, f := range def.Fields {
			walk(f.Type.Name(), path+"."+f.Name)
		}
		for _, impl := range s.PossibleTypes[typ] {
			walk(impl.Name, path+"<"+impl.Name+">")
		}
	}
	for _, f := range s.Subscription.Fields {
		walk(f.Type.Name(), f.Name)
	}
	require.Contains(t, reach, "Incident", "positive control: the walk reaches the payloads' types")
	require.Contains(t, reach, "Profile", "positive control")
	for typ := range userSpecific {
		require.NotNil(t, s.Types[typ], "%s is still in the schema", typ)
		path, ok := reach[typ]
		require.False(t, ok, "subscription payloads reach the user-specific type %s (%s)", typ, path)
	}
}

// TestGroupedSocketsGetOneMarshalledEvent: a group's event is marshalled
// once and written by the group to each websocket member's socket, not
// through a gqlgen operation per member. Two members on two sockets and a
// legacy graphql-ws member receive byte-identical payloads — the same
// response an SSE member gets through gqlgen's transport (positive
// control) —, each member's first event carries its own extensions.cost
// and later events none, in the protocols' message shapes, and a burst
// arrives complete and in order at every member.
func TestGroupedSocketsGetOneMarshalledEvent(t *testing.T) {
	b := setupIdentity(t, nil)
	s := b.signUp(t, "frames@acme.test", "Acme")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(proto, id string) *wstest.Conn {
		c := wstest.Dial(t, ctx, b.srv.URL+"/graphql", proto, nil)
		c.Init(map[string]any{"Authorization": "Bearer " + s.Access})
		c.Subscribe(id, groupedDoc, nil)
		return c
	}
	one, two, legacy := dial(wstest.TransportWS, "1"), dial(wstest.TransportWS, "two"), dial(wstest.LegacyWS, "L")
	sse := wstest.DialSSE(t, ctx, b.srv.URL+"/graphql", groupedDoc, nil, s.H())
	// Three members on one socket: their events are queued together and
	// go out in one write.
	multi := dial(wstest.TransportWS, "m1")
	multi.Subscribe("m2", groupedDoc, nil)
	multi.Subscribe("m3", groupedDoc, nil)
	b.groupsAre(t, 1, 7, 1)

	type costExt struct {
		Extensions struct {
			Cost *struct {
				RequestedQueryCost int `json:"requestedQueryCost"`
			} `json:"cost"`
		} `json:"extensions"`
	}
	costOf := func(payload json.RawMessage) int {
		var c costExt
		require.NoError(t, json.Unmarshal(payload, &c), "%s", payload)
		if c.Extensions.Cost == nil {
			return 0
		}
		return c.Extensions.Cost.RequestedQueryCost
	}
	next := func(c *wstest.Conn, id, typ string) json.RawMessage {
		t.Helper()
		for {
			m, err := c.Read(10 * time.Second)
			require.NoError(t, err)
			if m.Type == "ka" || m.Type == "ping" {
				continue
			}
			require.Equal(t, typ, m.Type, "%s", m.Payload)
			require.Equal(t, id, m.ID)
			return m.Payload
		}
	}

	// nextOfEach reads one event for each of multi's three operations.
	nextOfEach := func() map[string]json.RawMessage {
		t.Helper()
		got := map[string]json.RawMessage{}
		for len(got) < 3 {
			m, err := multi.Read(10 * time.Second)
			require.NoError(t, err)
			if m.Type == "ping" {
				continue
			}
			require.Equal(t, "next", m.Type, "%s", m.Payload)
			_, dup := got[m.ID]
			require.False(t, dup, "operation %s got an event twice before the others got it", m.ID)
			got[m.ID] = m.Payload
		}
		return got
	}

	b.setKillSwitch(t, s, true)
	for id, p := range nextOfEach() {
		require.JSONEq(t, `{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":true}}`, dataOf(t, string(p)), id)
		require.Positive(t, costOf(p), "%s: each operation's first event reports its cost: %s", id, p)
	}
	p1, p2, pl := next(one, "1", "next"), next(two, "two", "next"), next(legacy, "L", "data")
	ps := json.RawMessage(nextPayload(t, sse.Read))
	for name, p := range map[string]json.RawMessage{"graphql-transport-ws": p1, "second socket": p2, "graphql-ws": pl, "SSE": ps} {
		require.JSONEq(t, `{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":true}}`, dataOf(t, string(p)), name)
		require.Positive(t, costOf(p), "%s: the first event reports the subscription's cost: %s", name, p)
	}

	b.setKillSwitch(t, s, false)
	p1, p2, pl = next(one, "1", "next"), next(two, "two", "next"), next(legacy, "L", "data")
	ps = json.RawMessage(nextPayload(t, sse.Read))
	require.Equal(t, string(p1), string(p2), "both sockets get the same bytes")
	require.Equal(t, string(p1), string(pl), "graphql-ws gets the same bytes")
	require.JSONEq(t, string(ps), string(p1), "the same response as gqlgen's transport writes for SSE")
	require.Zero(t, costOf(p1), "the cost is reported once: %s", p1)
	require.Contains(t, string(p1), `"killSwitch":false`)
	for id, p := range nextOfEach() {
		require.Equal(t, string(p1), string(p), "%s on the shared socket gets the same bytes", id)
	}

	// A burst: every member gets every event, in the same order and with
	// the same bytes (one execution per event for the group). An event
	// is resolved when the group runs it, reading the gate as it is then,
	// so under load event i may already show a later toggle; the last
	// always shows the final state.
	for i := range 8 {
		b.setKillSwitch(t, s, i%2 == 0)
	}
	for i := range 8 {
		p1 := next(one, "1", "next")
		require.Equal(t, string(p1), string(next(two, "two", "next")), "event %d of the burst", i)
		require.Equal(t, string(p1), string(next(legacy, "L", "data")), "event %d of the burst", i)
		for id, p := range nextOfEach() {
			require.Equal(t, string(p1), string(p), "%s, event %d of the burst", id, i)
		}
		state := dataOf(t, string(p1))
		if i == 7 {
			require.JSONEq(t, `{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":false}}`, state, "the last event of the burst")
		} else {
			require.Contains(t, []string{`{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":true}}`,
				`{"autopilotModeChanged":{"autopilotMode":"NORMAL","killSwitch":false}}`}, state, "event %d of the burst", i)
		}
	}

	// Completing ends the member's stream with complete, after its events.
	one.Send(wstest.Message{ID: "1", Type: "complete"})
	b.groupsAre(t, 1, 6, 1)
	multi.C.Close(websocket.StatusNormalClosure, "")
	sse.Close()
	legacy.C.Close(websocket.StatusNormalClosure, "")
	two.C.Close(websocket.StatusNormalClosure, "")
	b.groupsAre(t, 0, 0, 0)
}
