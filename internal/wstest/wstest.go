// Package wstest is a small GraphQL-over-websocket client for tests:
// graphql-transport-ws (graphql-ws library) and the legacy graphql-ws
// (subscriptions-transport-ws) protocol.
package wstest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// Subprotocols.
const (
	TransportWS = "graphql-transport-ws"
	LegacyWS    = "graphql-ws"
)

// Message is a protocol message.
type Message struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Conn is an open websocket.
type Conn struct {
	t   testing.TB
	C   *websocket.Conn
	ctx context.Context
}

// Dial opens a websocket to the http(s) URL of a GraphQL endpoint.
func Dial(t testing.TB, ctx context.Context, httpURL, subprotocol string, header http.Header) *Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(httpURL, "http")
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{subprotocol}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { c.CloseNow() })
	return &Conn{t: t, C: c, ctx: ctx}
}

// Send writes m.
func (c *Conn) Send(m Message) {
	c.t.Helper()
	if err := wsjson.Write(c.ctx, c.C, m); err != nil {
		c.t.Fatalf("send %s: %v", m.Type, err)
	}
}

// SendRaw writes data as one text message, as it is (malformed JSON too).
func (c *Conn) SendRaw(data string) {
	c.t.Helper()
	if err := c.C.Write(c.ctx, websocket.MessageText, []byte(data)); err != nil {
		c.t.Fatalf("send %q: %v", data, err)
	}
}

// Read returns the next message other than keep-alives and pings (pings
// are answered), or the error that ended the connection.
func (c *Conn) Read(timeout time.Duration) (Message, error) {
	ctx, cancel := context.WithTimeout(c.ctx, timeout)
	defer cancel()
	for {
		var m Message
		if err := wsjson.Read(ctx, c.C, &m); err != nil {
			return m, err
		}
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			wsjson.Write(ctx, c.C, Message{Type: "pong"})
			continue
		}
		return m, nil
	}
}

// Expect reads the next message and fails unless its type is typ.
func (c *Conn) Expect(typ string, timeout time.Duration) Message {
	c.t.Helper()
	m, err := c.Read(timeout)
	if err != nil {
		c.t.Fatalf("waiting for %s: %v", typ, err)
	}
	if m.Type != typ {
		c.t.Fatalf("got %s %s, want %s", m.Type, m.Payload, typ)
	}
	return m
}

// Init sends connection_init with payload and waits for connection_ack.
func (c *Conn) Init(payload any) {
	c.t.Helper()
	b, _ := json.Marshal(payload)
	c.Send(Message{Type: "connection_init", Payload: b})
	c.Expect("connection_ack", 5*time.Second)
}

// Subscribe starts operation id with query (subscribe, or start for legacy).
func (c *Conn) Subscribe(id, query string, variables map[string]any) {
	c.t.Helper()
	typ := "subscribe"
	if c.C.Subprotocol() == LegacyWS {
		typ = "start"
	}
	b, _ := json.Marshal(map[string]any{"query": query, "variables": variables})
	c.Send(Message{ID: id, Type: typ, Payload: b})
}

// CloseStatus waits until the server closes the socket and returns its status code.
func (c *Conn) CloseStatus(timeout time.Duration) (websocket.StatusCode, string) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := c.Read(time.Until(deadline))
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason
			}
			return websocket.CloseStatus(err), err.Error()
		}
	}
	c.t.Fatal("socket still open")
	return 0, ""
}
