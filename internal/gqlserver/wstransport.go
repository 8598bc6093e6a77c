package gqlserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Websocket subprotocols, in the order gqlgen's transport offered them
// (a client offering both gets the legacy one, as before).
const subprotocolLegacyWS = "graphql-ws"

var wsSubprotocols = []string{subprotocolLegacyWS, subprotocolTransportWS}

// wsReadLimit caps one client message; a longer one closes the socket
// with 1009 (message too big). A running subscription keeps its message's
// query, extensions and id, so gqlgen's 1 MiB on 50 operations × 100
// sockets an address could hold gigabytes; subscriptions are short, and
// queries and mutations have HTTP (STRATUM_MAX_BODY_BYTES).
const wsReadLimit = 16 << 10

// InitError is what an InitFunc returns to refuse a connection_init: the
// socket closes with Code and Reason (a legacy graphql-ws client first
// gets Message as its connection_error).
type InitError struct {
	Code    int
	Reason  string
	Message string
}

func (e *InitError) Error() string { return e.Message }

// wsTransport serves graphql-transport-ws and the legacy graphql-ws on
// one websocket path with gqlgen's executor (parsing, validation,
// extensions, execution) but not gqlgen's websocket transport (ADR 0025,
// "Our own websocket transport"). Per socket it runs one goroutine, the
// reader, whose stack stays shallow: connection_init is authenticated and
// every operation is run on goroutines of their own. A subscription whose
// events a group writes to the socket itself (SubscriptionGroups) holds no
// goroutine while it runs: its operation parks after the group took it in
// and resumes only to end. gqlgen's transport held three goroutines for
// a socket with one subscription (its read loop, closeOnCancel, the
// operation's), which were most of a subscription's memory and of what
// the garbage collector scanned during a large fan-out.
type wsTransport struct {
	accept      websocket.AcceptOptions
	sockets     *Sockets
	initTimeout time.Duration
	maxOps      int
	init        transport.WebsocketInitFunc
	log         *slog.Logger
}

var _ graphql.Transport = (*wsTransport)(nil)

func (t *wsTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do upgrades the request and hands the socket to its reader goroutine.
// Under Sockets.Middleware it returns at once (the socket is adopted: its
// stream slot is released when the reader ends); otherwise it reads until
// the socket ends.
func (t *wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	sock, err := acceptSocket(w, r, t.accept, wsSubprotocols, nil, t.sockets.limits, t.sockets.dropped)
	if err != nil {
		// coder/websocket has answered the request.
		t.log.DebugContext(r.Context(), "websocket upgrade refused", "err", err)
		return
	}
	// coder/websocket negotiates only wsSubprotocols (or none, which is
	// served as legacy graphql-ws, as gqlgen did).
	sock.SetReadLimit(wsReadLimit)
	g := newProtocolGuard(sock, t.initTimeout, t.maxOps)
	tc := &trackedConn{WebsocketConn: g, guard: g, sock: sock, sockets: t.sockets}
	c := &wsConn{t: t, exec: exec, guard: g, sock: sock, tracked: tc,
		ops: map[string]*wsOperation{}}
	c.ctx = r.Context()
	var finish func()
	if slot, ok := r.Context().Value(slotKey{}).(*socketSlot); ok {
		slot.conn = tc
		slot.adopted = true
		finish = slot.finish
		close(slot.accepted)
	}
	m := <-t.sockets.conns
	m[tc] = struct{}{}
	t.sockets.conns <- m
	t.sockets.startKeepAlive()
	if finish == nil {
		c.read()
		return
	}
	go func() {
		defer finish()
		c.read()
	}()
}

// wsConn is one websocket's state.
type wsConn struct {
	t       *wsTransport
	exec    graphql.GraphExecutor
	guard   *protocolGuard
	sock    *socketConn
	tracked *trackedConn

	// ctx is the connection's: the request's values, then connection_init's.
	ctx context.Context

	mu     sync.Mutex
	inited bool
	ops    map[string]*wsOperation
	closed bool
}

// serverMessage is a message to the client, in the shape gqlgen's
// transport wrote (the group's frames are built the same way).
type serverMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// read is the socket's reader: it hands each client message on and ends
// the socket's operations when the connection ends.
func (c *wsConn) read() {
	defer c.shutdown()
	for {
		start := graphql.Now()
		data, err := c.sock.readMessage()
		if err != nil {
			if !errors.Is(err, transport.ErrWebsocketClosed) {
				c.t.log.DebugContext(c.ctx, "websocket error", "err", err)
			}
			return
		}
		// The message is checked and acted on on a goroutine of its own,
		// which the reader waits for: the reader's stack, which every idle
		// socket keeps, then only ever holds the read (JSON decoding and
		// gqlgen's parsing grew it to 8 KB, which the runtime does not
		// shrink while the reader blocks).
		if !onOwnStack(c.ctx, func() bool { return c.process(data, start) }) {
			return
		}
	}
}

// process checks one client message (the protocol guard) and acts on it;
// false ends the connection.
func (c *wsConn) process(data []byte, start time.Time) bool {
	var m clientMessage
	switch c.guard.inspect(data, &m) {
	case handled:
		return true
	case shut:
		return false
	}
	return c.handle(m, start)
}

// onOwnStack runs f on a new goroutine and waits for it; a panic ends the
// connection (false) and is logged.
func onOwnStack(ctx context.Context, f func() bool) bool {
	ch := make(chan bool, 1)
	go func() {
		ok := false
		defer func() {
			if p := recover(); p != nil {
				slog.Default().ErrorContext(ctx, "websocket message handling panicked", "panic", p, "stack", string(debug.Stack()))
			}
			ch <- ok
		}()
		ok = f()
	}()
	return <-ch
}

// handle acts on one client message the guard let through; false ends
// the connection.
func (c *wsConn) handle(m clientMessage, start time.Time) bool {
	typ, id := *m.Type, ""
	if m.ID != nil {
		id = *m.ID
	}
	c.mu.Lock()
	inited := c.inited
	c.mu.Unlock()
	if !inited {
		switch typ {
		case "connection_init":
			return c.initialise(m.Payload)
		case "connection_terminate":
			c.close(int(websocket.StatusNormalClosure), "terminated")
			return false
		}
		c.connectionError("unexpected message " + truncate(typ, maxCloseReasonID))
		c.close(int(websocket.StatusProtocolError), "unexpected message")
		return false
	}
	switch typ {
	case "subscribe", "start":
		c.start(id, m.Payload, start)
	case "complete", "stop":
		c.mu.Lock()
		op := c.ops[id]
		c.mu.Unlock()
		if op != nil {
			op.stop()
		}
	case "ping":
		c.write(serverMessage{Type: "pong", Payload: m.Payload})
	case "pong":
		// The guard noted it for the keep-alive.
	case "connection_terminate":
		c.close(int(websocket.StatusNormalClosure), "terminated")
		return false
	default:
		c.connectionError("unexpected message " + truncate(typ, maxCloseReasonID))
		c.close(int(websocket.StatusProtocolError), "unexpected message")
		return false
	}
	return true
}

// initialise authenticates connection_init and acknowledges it.
func (c *wsConn) initialise(raw json.RawMessage) bool {
	var payload transport.InitPayload
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &payload); err != nil {
			c.connectionError("invalid connection_init payload")
			c.close(CloseBadRequest, "Invalid message received: connection_init payload must be an object")
			return false
		}
	}
	ctx := c.ctx
	var ack *transport.InitPayload
	if c.t.init != nil {
		ictx, a, err := c.t.init(ctx, payload)
		if err != nil {
			code, reason, msg := int(websocket.StatusNormalClosure), "terminated", err.Error()
			var ie *InitError
			if errors.As(err, &ie) {
				code, reason, msg = ie.Code, ie.Reason, ie.Message
			}
			c.connectionError(msg)
			c.close(code, reason)
			return false
		}
		if ictx != nil {
			ctx = ictx
		}
		ack = a
	}
	var ackPayload json.RawMessage
	if ack != nil {
		b, err := json.Marshal(*ack)
		if err != nil {
			c.close(int(websocket.StatusInternalError), "internal error")
			return false
		}
		ackPayload = b
	}
	c.mu.Lock()
	// The operations run in the authenticated context (derived from the
	// connection's: cancelling that still ends them).
	c.ctx = ctx
	c.inited = true
	c.mu.Unlock()
	c.write(serverMessage{Type: "connection_ack", Payload: ackPayload})
	if !c.guard.transportWS {
		c.write(serverMessage{Type: "ka"})
	}
	return true
}

// connectionError tells a legacy graphql-ws client why the connection
// ends (graphql-transport-ws has no such message: the close reason says).
func (c *wsConn) connectionError(msg string) {
	if c.guard.transportWS {
		return
	}
	b, _ := json.Marshal(&gqlerror.Error{Message: msg})
	c.write(serverMessage{Type: "connection_error", Payload: b})
}

// write queues a message on the socket; complete and error go through the
// guard, which frees their operation ids.
func (c *wsConn) write(m serverMessage) {
	if err := c.guard.WriteJSON(m); err != nil && !errors.Is(err, transport.ErrWebsocketClosed) {
		c.t.log.DebugContext(c.ctx, "websocket write", "err", err)
	}
}

// close sends a close frame (after what is queued) and ends the
// connection's operations.
func (c *wsConn) close(code int, reason string) {
	c.tracked.WriteClose(code, reason)
	c.shutdown()
}

// shutdown ends every operation and forgets the socket; the connection is
// closed now unless a close frame is on its way.
func (c *wsConn) shutdown() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	ops := make([]*wsOperation, 0, len(c.ops))
	for _, op := range c.ops {
		ops = append(ops, op)
	}
	c.mu.Unlock()
	for _, op := range ops {
		op.stop()
	}
	c.tracked.forget()
	c.guard.Close()
}

func (c *wsConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

type wsOperationKey struct{}

// wsOperation is one operation (subscribe/start) on a websocket.
type wsOperation struct {
	c      *wsConn
	id     string
	cancel context.CancelFunc

	mu sync.Mutex
	// onStop runs once when the operation is stopped (stop): a group's
	// member leaves its group.
	onStop func()
	// parked: a subscription group writes this operation's events (park);
	// resume, once set, finishes the operation after the group let go of
	// it (wake), on a goroutine of its own; woken says wake ran.
	parked, woken bool
	resume        func()
	// errored: an error message ended the operation (no complete follows).
	// Only the operation's own goroutine (run, then drain) uses it.
	errored bool
}

// wsOperationOf returns the websocket operation ctx runs in, if any.
func wsOperationOf(ctx context.Context) *wsOperation {
	op, _ := ctx.Value(wsOperationKey{}).(*wsOperation)
	return op
}

// park tells the transport not to wait for op's responses: a group writes
// them to the socket, and calls the returned wake when op's stream ends.
// leave runs when the operation is stopped (the client's complete, the
// socket's end), followed by wake.
func (op *wsOperation) park(leave func()) (wake func()) {
	op.mu.Lock()
	op.parked = true
	op.onStop = func() {
		leave()
		op.wake()
	}
	op.mu.Unlock()
	return op.wake
}

// stop cancels the operation's context and runs its onStop.
func (op *wsOperation) stop() {
	op.cancel()
	op.mu.Lock()
	f := op.onStop
	op.onStop = nil
	op.mu.Unlock()
	if f != nil {
		f()
	}
}

func (op *wsOperation) wake() {
	op.mu.Lock()
	if op.woken {
		op.mu.Unlock()
		return
	}
	op.woken = true
	resume := op.resume
	op.resume = nil
	op.mu.Unlock()
	if resume != nil {
		go resume()
	}
}

// start runs operation id on a goroutine of its own.
func (c *wsConn) start(id string, payload json.RawMessage, start time.Time) {
	c.mu.Lock()
	ctx, cancel := context.WithCancel(c.ctx) // stop cancels it
	op := &wsOperation{c: c, id: id, cancel: cancel}
	c.ops[id] = op
	c.mu.Unlock()
	go op.run(ctx, payload, start)
}

// run parses, validates and executes the operation, and sends its
// responses unless a group took it (park).
func (op *wsOperation) run(ctx context.Context, payload json.RawMessage, start time.Time) {
	c := op.c
	ctx = graphql.StartOperationTrace(ctx)
	params := &graphql.RawParams{}
	if err := decodeNumbers(payload, params); err != nil {
		op.sendError(&gqlerror.Error{Message: "invalid json"})
		op.end()
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := c.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			op.sendError(resp.Errors...)
		} else {
			op.send(&graphql.Response{Errors: errs})
		}
		op.end()
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	ctx = context.WithValue(ctx, wsOperationKey{}, op)
	var (
		responses graphql.ResponseHandler
		rctx      context.Context
	)
	if !op.guarded(ctx, rc, func() { responses, rctx = c.exec.DispatchOperation(ctx, rc) }) {
		op.end()
		return
	}
	op.mu.Lock()
	if op.parked && !op.woken {
		// The group writes the events; the operation resumes to end.
		op.resume = func() { op.drain(rctx, rc, responses) }
		op.mu.Unlock()
		return
	}
	op.mu.Unlock()
	op.drain(rctx, rc, responses)
}

// drain sends the operation's remaining responses, then ends it.
func (op *wsOperation) drain(ctx context.Context, rc *graphql.OperationContext, responses graphql.ResponseHandler) {
	for {
		var r *graphql.Response
		if !op.guarded(ctx, rc, func() { r = responses(ctx) }) || r == nil {
			break
		}
		op.send(r)
	}
	op.end()
}

// guarded runs f, turning a panic into the operation's error message (as
// gqlgen's transport did); false when f panicked.
func (op *wsOperation) guarded(ctx context.Context, rc *graphql.OperationContext, f func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
			err := rc.Recover(ctx, p)
			var gqlerr *gqlerror.Error
			if !errors.As(err, &gqlerr) {
				gqlerr = &gqlerror.Error{}
				if err != nil {
					gqlerr.Message = err.Error()
				}
			}
			op.sendError(gqlerr)
			op.errored = true
		}
	}()
	f()
	return true
}

func (op *wsOperation) send(r *graphql.Response) {
	b, err := json.Marshal(r)
	if err != nil {
		op.sendError(&gqlerror.Error{Message: "internal system error: the response could not be encoded"})
		return
	}
	op.c.write(serverMessage{Type: op.c.dataType(), ID: op.id, Payload: b})
}

func (c *wsConn) dataType() string {
	if c.guard.transportWS {
		return "next"
	}
	return "data"
}

func (op *wsOperation) sendError(errs ...*gqlerror.Error) {
	b, _ := json.Marshal(gqlerror.List(errs))
	op.c.write(serverMessage{Type: "error", ID: op.id, Payload: b})
}

// end completes the operation (unless the connection is ending, or an
// error message ended it already) and forgets it.
func (op *wsOperation) end() {
	c := op.c
	if !op.errored && !c.isClosed() {
		c.write(serverMessage{Type: "complete", ID: op.id})
	}
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
	op.stop()
}

// decodeNumbers decodes a subscribe payload as gqlgen's transports do
// (numbers in variables stay json.Number for the scalars to coerce).
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
