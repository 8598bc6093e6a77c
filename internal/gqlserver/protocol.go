package gqlserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The close codes of the graphql-transport-ws protocol (graphql-ws's
// PROTOCOL.md) for protocol violations.
const (
	CloseBadRequest            = 4400 // an invalid or unexpected message
	CloseUnauthorized          = 4401 // subscribe before connection_ack
	CloseInitTimeout           = 4408 // no connection_init in time
	CloseSubscriberExists      = 4409 // subscribe with an id already in use
	CloseTooManyInitialisation = 4429 // a second connection_init
)

const (
	subprotocolTransportWS = "graphql-transport-ws"
	maxCloseReasonID       = 64 // a close reason is at most 123 bytes
	// maxOperationID bounds an operation id (kept while it runs; the
	// protocols set no limit).
	maxOperationID = 128
)

// protocolGuard enforces the websocket protocols (gqlgen's transport,
// which Stratum's replaced, was lenient here) by checking every client
// message before the transport acts on it and
// watching the operation ids the server ends:
//
//   - graphql-transport-ws: malformed JSON, a missing or unknown type, a
//     server-to-client type, subscribe or complete without an id, and an
//     id over maxOperationID bytes (also legacy start) close 4400;
//     subscribe before connection_init closes 4401; a second
//     connection_init closes 4429; a subscribe whose id is still running
//     closes 4409; no connection_init within the init timeout closes 4408
//     (gqlgen's transport closed 1002 or 1000 for all of these, and accepted the
//     duplicate id and the missing one). A ping before connection_init is
//     answered, as the protocol allows pings at any time.
//   - legacy graphql-ws (subscriptions-transport-ws) has no close codes
//     for operation errors: a start whose id is still running is refused
//     with an error message for that id (GQL_ERROR, "a failing operation
//     before execution"), and the running operation is left alone; a start
//     without an id closes 4400 (it could be neither stopped nor counted).
//   - both: at most maxOps operations run per socket; the next one is
//     refused with an error message for its id (code THROTTLED), and a
//     completed one frees its slot.
//
// An id is free again once the client completes it or the server sends
// its complete or error. After a client's complete the transport still sends one
// for the old operation; pending counts those so that they do not free a
// new operation that reuses the id.
type protocolGuard struct {
	transport.WebsocketConn
	transportWS bool
	maxOps      int

	mu       sync.Mutex
	initSeen bool
	closed   bool
	live     map[string]bool
	pending  map[string]int
	initTime *time.Timer
	// pingOut, ponged and unanswered track the keep-alive ping
	// (trackedConn.keepAlive).
	pingOut, ponged bool
	unanswered      int
}

func newProtocolGuard(c transport.WebsocketConn, initTimeout time.Duration, maxOps int) *protocolGuard {
	g := &protocolGuard{WebsocketConn: c, transportWS: c.Subprotocol() == subprotocolTransportWS, maxOps: maxOps,
		live: map[string]bool{}, pending: map[string]int{}}
	if initTimeout > 0 {
		g.initTime = time.AfterFunc(initTimeout, func() {
			g.mu.Lock()
			late := !g.initSeen
			g.mu.Unlock()
			if late {
				g.closeWith(CloseInitTimeout, "Connection initialisation timeout")
			}
		})
	}
	return g
}

// clientMessage is a client's message as the guard reads it; pointers
// tell a missing field from an empty one.
type clientMessage struct {
	Type    *string         `json:"type"`
	ID      *string         `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// verdict is what the guard does with a client message.
type verdict int

const (
	forward verdict = iota // hand it to the transport
	handled                // answered by the guard; read the next one
	shut                   // the guard closed the socket
)

// NextReader returns the next message the transport should handle.
func (g *protocolGuard) NextReader() (int, io.Reader, error) {
	typ, data, _, err := g.next()
	if err != nil {
		return typ, nil, err
	}
	return typ, bytes.NewReader(data), nil
}

// next reads client messages until one is for the transport to handle,
// and returns it raw and parsed.
func (g *protocolGuard) next() (int, []byte, clientMessage, error) {
	for {
		typ, r, err := g.WebsocketConn.NextReader()
		if err != nil {
			return typ, nil, clientMessage{}, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return typ, nil, clientMessage{}, err
		}
		var m clientMessage
		switch g.inspect(data, &m) {
		case forward:
			return typ, data, m, nil
		case shut:
			return typ, nil, clientMessage{}, transport.ErrWebsocketClosed
		}
	}
}

func (g *protocolGuard) inspect(data []byte, mp *clientMessage) verdict {
	m := mp
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, m) != nil {
		return g.violation(CloseBadRequest, "Invalid message received: not a JSON object")
	}
	if m.Type == nil {
		return g.violation(CloseBadRequest, "Invalid message received: missing type")
	}
	if !g.transportWS {
		return g.inspectLegacy(*m.Type, m.ID)
	}
	switch *m.Type {
	case "connection_init":
		g.mu.Lock()
		again := g.initSeen
		g.initSeen = true
		g.mu.Unlock()
		if again {
			return g.violation(CloseTooManyInitialisation, "Too many initialisation requests")
		}
		if g.initTime != nil {
			g.initTime.Stop()
		}
		return forward
	case "ping", "pong":
		if *m.Type == "pong" {
			g.mu.Lock()
			g.ponged = true
			g.mu.Unlock()
		}
		if !g.initialised() {
			if *m.Type == "ping" {
				g.WebsocketConn.WriteJSON(map[string]string{"type": "pong"})
			}
			return handled
		}
		return forward
	case "subscribe":
		if !g.initialised() {
			return g.violation(CloseUnauthorized, "Unauthorized")
		}
		if m.ID == nil || *m.ID == "" {
			return g.violation(CloseBadRequest, "Invalid message received: subscribe needs an id")
		}
		if p := bytes.TrimSpace(m.Payload); len(p) == 0 || p[0] != '{' {
			return g.violation(CloseBadRequest, "Invalid message received: subscribe needs a payload object")
		}
		return g.start(*m.ID, true)
	case "complete":
		if m.ID == nil || *m.ID == "" {
			return g.violation(CloseBadRequest, "Invalid message received: complete needs an id")
		}
		if !g.initialised() {
			return handled // nothing to complete
		}
		g.stop(*m.ID)
		return forward
	default:
		return g.violation(CloseBadRequest, fmt.Sprintf("Invalid message received: unexpected type %.32q", *m.Type))
	}
}

// inspectLegacy checks the operation ids of graphql-ws (subscriptions-transport-ws)
// and leaves the rest to the transport.
func (g *protocolGuard) inspectLegacy(typ string, id *string) verdict {
	switch typ {
	case "connection_init":
		g.mu.Lock()
		g.initSeen = true
		g.mu.Unlock()
		if g.initTime != nil {
			g.initTime.Stop()
		}
	case "start":
		// An operation without an id could not be stopped, and would
		// escape the per-socket cap, which counts ids.
		if id == nil || *id == "" {
			return g.violation(CloseBadRequest, "Invalid message received: start needs an id")
		}
		return g.start(*id, false)
	case "stop":
		if id != nil {
			g.stop(*id)
		}
	}
	return forward
}

func (g *protocolGuard) initialised() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.initSeen
}

// start registers operation id, or refuses it: a running id closes 4409
// (graphql-transport-ws) or gets an error message (legacy), and an id
// beyond the per-socket cap gets an error message.
func (g *protocolGuard) start(id string, transportWS bool) verdict {
	if len(id) > maxOperationID {
		return g.violation(CloseBadRequest, fmt.Sprintf("Invalid message received: an id is at most %d bytes", maxOperationID))
	}
	g.mu.Lock()
	dup := g.live[id]
	full := !dup && g.maxOps > 0 && len(g.live) >= g.maxOps
	if !dup && !full {
		g.live[id] = true
	}
	g.mu.Unlock()
	switch {
	case dup && transportWS:
		return g.violation(CloseSubscriberExists, fmt.Sprintf("Subscriber for %s already exists", truncate(id, maxCloseReasonID)))
	case dup:
		g.refuse(id, "BAD_REQUEST", fmt.Sprintf("an operation with id %q is already running; stop it or use another id", truncate(id, maxCloseReasonID)))
		return handled
	case full:
		g.refuse(id, "THROTTLED", fmt.Sprintf("this connection already runs %d operations, the most allowed; complete one before starting another", g.maxOps))
		return handled
	}
	return forward
}

// stop frees id when the client completes (or stops) it.
func (g *protocolGuard) stop(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.live[id] {
		delete(g.live, id)
		g.pending[id]++ // the transport still ends the old operation with complete or error
	}
}

// ended frees id when the server ends it (complete or error).
func (g *protocolGuard) ended(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[id] > 0 {
		if g.pending[id]--; g.pending[id] == 0 {
			delete(g.pending, id)
		}
		return
	}
	delete(g.live, id)
}

// Running is the number of operations the client has open on this socket.
func (g *protocolGuard) Running() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.live)
}

// refuse sends an error message for operation id, in the shape the transport
// sends them (a list of GraphQL errors).
func (g *protocolGuard) refuse(id, code, msg string) {
	payload, _ := json.Marshal(gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}})
	g.WebsocketConn.WriteJSON(map[string]any{"type": "error", "id": id, "payload": json.RawMessage(payload)})
}

func (g *protocolGuard) violation(code int, reason string) verdict {
	g.closeWith(code, reason)
	return shut
}

func (g *protocolGuard) closeWith(code int, reason string) {
	g.mu.Lock()
	already := g.closed
	g.closed = true
	g.mu.Unlock()
	if !already {
		g.WebsocketConn.WriteClose(code, reason)
	}
}

// WriteJSON watches the server's complete and error messages, which end
// an operation, then sends v.
func (g *protocolGuard) WriteJSON(v any) error {
	if m, ok := v.(serverMessage); ok && m.ID != "" && (m.Type == "complete" || m.Type == "error") {
		g.ended(m.ID)
	}
	return g.WebsocketConn.WriteJSON(v)
}

// WriteClose and Close stop the init timer.
func (g *protocolGuard) WriteClose(code int, reason string) error {
	g.closeWith(code, reason)
	return nil
}

func (g *protocolGuard) Close() error {
	if g.initTime != nil {
		g.initTime.Stop()
	}
	return g.WebsocketConn.Close()
}

// truncate shortens s to n bytes of valid UTF-8 (close reasons must be
// UTF-8 and at most 123 bytes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "")
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
