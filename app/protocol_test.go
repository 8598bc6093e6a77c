package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
	"github.com/stratumhq/stratum/internal/wstest"
)

const tick = `subscription { serverTime(intervalSeconds: 1) }`

// Every protocol violation of graphql-transport-ws closes the socket with
// the code graphql-ws's PROTOCOL.md gives it; a well-behaved client on the
// same server is served (the positive control).
func TestGraphQLTransportWSCloseCodes(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, map[string]string{"STRATUM_WS_INIT_TIMEOUT": "300ms"}))
	ctx := context.Background()
	dial := func(t *testing.T, init bool) *wstest.Conn {
		c := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
		if init {
			c.Init(nil)
		}
		return c
	}

	t.Run("positive control: subscribe, complete, reuse the id", func(t *testing.T) {
		t.Parallel()
		c := dial(t, true)
		c.Subscribe("a", tick, nil)
		require.Equal(t, "a", c.Expect("next", 5*time.Second).ID)
		c.Send(wstest.Message{ID: "a", Type: "complete"})
		c.Subscribe("a", `{ serverInfo { version } }`, nil) // a completed id may be used again
		for {
			m, err := c.Read(5 * time.Second)
			require.NoError(t, err)
			if m.Type == "next" && strings.Contains(string(m.Payload), "serverInfo") {
				break
			}
		}
	})
	t.Run("positive control: a ping before connection_init is answered", func(t *testing.T) {
		t.Parallel()
		c := dial(t, false)
		c.Send(wstest.Message{Type: "ping"})
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, data, err := c.C.Read(rctx)
		require.NoError(t, err)
		require.JSONEq(t, `{"type":"pong"}`, string(data))
		c.Init(nil)
	})
	for _, c := range []struct {
		name   string
		init   bool
		send   func(c *wstest.Conn)
		code   websocket.StatusCode
		reason string
	}{
		{"duplicate subscribe id", true, func(c *wstest.Conn) {
			c.Subscribe("dup", tick, nil)
			c.Expect("next", 5*time.Second)
			c.Subscribe("dup", tick, nil)
		}, 4409, "Subscriber for dup already exists"},
		{"subscribe without id", true, func(c *wstest.Conn) { c.Subscribe("", tick, nil) }, 4400, ""},
		{"malformed JSON", true, func(c *wstest.Conn) { c.SendRaw(`{"type": "subscribe", `) }, 4400, ""},
		{"malformed JSON before init", false, func(c *wstest.Conn) { c.SendRaw(`nope`) }, 4400, ""},
		{"unknown message type", true, func(c *wstest.Conn) { c.SendRaw(`{"type": "bogus"}`) }, 4400, ""},
		{"server message type from the client", true, func(c *wstest.Conn) { c.SendRaw(`{"type": "next", "id": "1"}`) }, 4400, ""},
		{"subscribe before connection_init", false, func(c *wstest.Conn) { c.Subscribe("1", tick, nil) }, 4401, "Unauthorized"},
		{"second connection_init", true, func(c *wstest.Conn) { c.Send(wstest.Message{Type: "connection_init"}) }, 4429, "Too many initialisation requests"},
		{"no connection_init in time", false, func(c *wstest.Conn) {}, 4408, "Connection initialisation timeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			conn := dial(t, c.init)
			c.send(conn)
			code, reason := conn.CloseStatus(10 * time.Second)
			require.Equal(t, c.code, code, reason)
			if c.reason != "" {
				require.Equal(t, c.reason, reason)
			}
		})
	}
}

// Legacy graphql-ws has no close code for a duplicate operation id: the
// second start gets an error message for its id and the first keeps running.
func TestLegacyGraphQLWSRefusesDuplicateStart(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil))
	c := wstest.Dial(t, context.Background(), s.URL+"/graphql", wstest.LegacyWS, nil)
	c.Init(map[string]any{})
	c.Subscribe("7", tick, nil)
	require.Equal(t, "7", c.Expect("data", 5*time.Second).ID)
	c.Subscribe("7", tick, nil)
	m := c.Expect("error", 5*time.Second)
	require.Equal(t, "7", m.ID)
	require.Contains(t, string(m.Payload), "already running")
	require.Equal(t, "7", c.Expect("data", 5*time.Second).ID, "the first operation keeps running")
	c.Send(wstest.Message{ID: "7", Type: "stop"})
	require.Equal(t, "7", c.Expect("complete", 5*time.Second).ID)
	c.Subscribe("7", tick, nil)
	require.Equal(t, "7", c.Expect("data", 5*time.Second).ID, "a stopped id may be used again")
}

// One socket runs at most STRATUM_WS_MAX_SUBSCRIPTIONS operations: the
// next is refused with THROTTLED for its id, and completing one frees a slot.
func TestSubscriptionsPerSocketAreCapped(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, map[string]string{"STRATUM_WS_MAX_SUBSCRIPTIONS": "3"}))
	c := wstest.Dial(t, context.Background(), s.URL+"/graphql", wstest.TransportWS, nil)
	c.Init(nil)
	for _, id := range []string{"1", "2", "3"} {
		c.Subscribe(id, tick, nil)
	}
	seen := map[string]bool{}
	for len(seen) < 3 { // positive control: the cap-th subscription runs
		m := c.Expect("next", 5*time.Second)
		seen[m.ID] = true
	}
	c.Subscribe("4", tick, nil)
	m := nextOf(t, c, "4")
	require.Equal(t, "error", m.Type)
	require.Contains(t, string(m.Payload), `"THROTTLED"`)

	c.Send(wstest.Message{ID: "1", Type: "complete"})
	c.Subscribe("5", tick, nil)
	require.Equal(t, "next", nextOf(t, c, "5").Type, "completing one frees a slot")
}

// nextOf returns the next message for operation id, skipping the others.
func nextOf(t *testing.T, c *wstest.Conn, id string) wstest.Message {
	t.Helper()
	for {
		m, err := c.Read(5 * time.Second)
		require.NoError(t, err)
		if m.ID == id {
			return m
		}
	}
}

// One client IP holds at most STRATUM_MAX_STREAMS_PER_IP websockets and
// SSE streams at once: the next is refused with 429, and closing one
// frees a slot.
func TestStreamsPerIPAreCapped(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, map[string]string{"STRATUM_MAX_STREAMS_PER_IP": "2"}))
	ctx := context.Background()
	ws := wstest.Dial(t, ctx, s.URL+"/graphql", wstest.TransportWS, nil)
	ws.Init(nil)
	sse := openSSE(t, s.URL, tick) // positive control: the cap-th stream opens
	require.Contains(t, sse.next(t), "serverTime")

	res := postSSE(t, s.URL, tick)
	if res.StatusCode != http.StatusTooManyRequests {
		res.Body.Close() // an open stream would never end
		t.Fatalf("a third stream got %d, want 429", res.StatusCode)
	}
	require.Contains(t, readAll(t, res), `"THROTTLED"`)
	_, wres, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{wstest.TransportWS}})
	require.Error(t, err)
	require.Equal(t, http.StatusTooManyRequests, wres.StatusCode)
	require.Equal(t, http.StatusOK, s.Query(t, `{ serverInfo { version } }`, nil, nil).Status, "plain requests are not streams")

	ws.C.Close(websocket.StatusNormalClosure, "")
	require.Eventually(t, func() bool {
		res := postSSE(t, s.URL, tick)
		defer res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 10*time.Second, 50*time.Millisecond, "closing a stream frees a slot")
}

func postSSE(t *testing.T, url, query string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return res
}
